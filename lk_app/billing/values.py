"""Field values of the billing files (money in kopecks, dates, periods, kWh) and money as people read it."""

import re
from datetime import date
from functools import lru_cache

from lk_app.billing.problems import BadValue, Column, RowFault, RowProblem

# Integer columns are 32-bit on PostgreSQL.
MAX_KOPECKS = 2**31 - 1
MAX_KWH = 10**9  # far above any household; keeps digit strings from turning into infinity

_DECIMAL = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]+))?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RUSSIAN_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def rubles(kopecks: int) -> str:
    """Money as Russians write it, 1 234,56 ₽: non-breaking spaces between thousands and before the sign."""
    sign = "−" if kopecks < 0 else ""
    whole, kop = divmod(abs(kopecks), 100)
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{kop:02d}\u00a0₽"


def kopecks(text: str, column: Column, *, negative: bool = False) -> int:
    """Rubles with at most two decimals (`.` or `,`; spaces between thousands) as kopecks."""
    match = _DECIMAL.fullmatch(text) or _DECIMAL.fullmatch("".join(text.split()))
    if match is None:
        raise BadValue(RowProblem(RowFault.NOT_A_NUMBER, column, text))
    sign, whole, fraction = match.groups()
    fraction = fraction or ""
    if len(fraction) > 2:
        raise BadValue(RowProblem(RowFault.TOO_MANY_DECIMALS, column, text))
    if sign and not negative:
        raise BadValue(RowProblem(RowFault.BELOW_ZERO, column, text))
    value = int(whole) * 100 + int(fraction.ljust(2, "0"))
    if value > MAX_KOPECKS:
        raise BadValue(RowProblem(RowFault.TOO_BIG, column, text))
    return -value if sign else value


def kilowatt_hours(text: str) -> float:
    """A consumption in kWh, `.` or `,` decimal; negative for a recalculation."""
    match = _DECIMAL.fullmatch("".join(text.split()))
    if match is None:
        raise BadValue(RowProblem(RowFault.NOT_A_NUMBER, Column.KWH, text))
    sign, whole, fraction = match.groups()
    value = float(f"{sign}{whole}.{fraction or 0}")
    if abs(value) >= MAX_KWH:
        raise BadValue(RowProblem(RowFault.TOO_BIG, Column.KWH, text))
    return value


def meter_values(text: str, zones: int) -> list[float]:
    """A meter's readings, one per zone, `/`-separated, each with `.` or `,` as the decimal mark."""
    parts = text.split("/")
    if len(parts) != zones:
        raise BadValue(RowProblem(RowFault.READINGS_NOT_PER_ZONE, value=text, count=len(parts), limit=zones))
    values = []
    for part in parts:
        match = _DECIMAL.fullmatch("".join(part.split()))
        if match is None or match.group(1):
            raise BadValue(RowProblem(RowFault.NOT_NON_NEGATIVE, Column.READING, part))
        whole, fraction = match.group(2), match.group(3) or "0"
        if len(whole) > 9:
            raise BadValue(RowProblem(RowFault.TOO_BIG, Column.READING, part))
        values.append(float(f"{whole}.{fraction}"))
    return values


@lru_cache(maxsize=4096)  # a payments file repeats the same few hundred dates
def calendar_date(text: str) -> date:
    """A date written YYYY-MM-DD or DD.MM.YYYY."""
    stripped = text.strip()
    try:
        if _ISO_DATE.fullmatch(stripped):
            return date.fromisoformat(stripped)
        if match := _RUSSIAN_DATE.fullmatch(stripped):
            day, month, year = match.groups()
            return date(int(year), int(month), int(day))
    except ValueError:
        raise BadValue(RowProblem(RowFault.NO_SUCH_DATE, value=text)) from None
    raise BadValue(RowProblem(RowFault.DATE_FORMAT, value=text))


def billing_period(text: str) -> str:
    """A billing month written YYYY-MM."""
    stripped = text.strip()
    if not _PERIOD.fullmatch(stripped):
        raise BadValue(RowProblem(RowFault.PERIOD_FORMAT, value=text))
    return stripped


def plain_text(text: str, column: Column, max_length: int) -> str:
    """A name or an address with its spaces tidied, at most `max_length` characters."""
    tidy = " ".join(text.split())
    if len(tidy) > max_length:
        raise BadValue(RowProblem(RowFault.TOO_LONG, column, limit=max_length))
    return tidy
