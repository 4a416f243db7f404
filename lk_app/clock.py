"""The one clock of LK: aware UTC datetimes (as SQLModel stores them), movable in tests, and the supplier's local time.

Moments are stored and compared in UTC; people see them, and count «today», in the supplier's zone (LK_TIMEZONE).
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from lk_app.settings import get_settings

_offset = timedelta()


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(timezone.utc) + _offset


def move(delta: timedelta) -> None:
    """Shift the clock (tests of lifetimes and limits); `reset()` undoes it."""
    global _offset
    _offset += delta


def reset() -> None:
    """Put the clock back to real time."""
    global _offset
    _offset = timedelta()


def local(moment: datetime) -> datetime:
    """An aware moment as the supplier's clocks show it (LK_TIMEZONE)."""
    return moment.astimezone(ZoneInfo(get_settings().timezone))


def today() -> date:
    """The supplier's date now: the day that readings windows, billing months and calendar limits count by."""
    return local(now()).date()


def shown(moment: datetime) -> str:
    """A moment as people read it, in the supplier's zone (left unnamed): «03.12.2026 в 15:42»."""
    return f"{local(moment):%d.%m.%Y в %H:%M}"
