"""Billing months (YYYY-MM) and their Russian names, for the cabinet, readings and their messages."""

from datetime import date

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь")
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


def period_of(day: date) -> str:
    """The billing month a day belongs to."""
    return f"{day:%Y-%m}"


def month_index(period: str) -> int:
    """A month counted from year 0, so that months subtract."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def period_at(index: int) -> str:
    """The billing month of a month_index()."""
    return f"{index // 12}-{index % 12 + 1:02d}"


def last_periods(day: date, count: int) -> list[str]:
    """The `count` billing months that end with the day's month, oldest first."""
    last = month_index(period_of(day))
    return [period_at(index) for index in range(last - count + 1, last + 1)]


def month_name(period: str) -> str:
    """«Ноябрь 2026»."""
    return f"{MONTHS[int(period[5:7]) - 1].capitalize()} {period[:4]}"


def month_name_lower(period: str) -> str:
    """«ноябрь 2026», inside a sentence."""
    return f"{MONTHS[int(period[5:7]) - 1]} {period[:4]}"


def short_month(period: str) -> str:
    """«ноя 26», for a chart's axis."""
    return f"{MONTHS_SHORT[int(period[5:7]) - 1]} {period[2:4]}"


def day_and_month(day: date) -> str:
    """«15 декабря»."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"
