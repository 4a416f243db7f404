"""Billing months (YYYY-MM): the month of a day, and months that count and subtract."""

from datetime import date


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
