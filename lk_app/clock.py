"""The one clock of LK: aware UTC datetimes (as SQLModel stores them), movable in tests."""

from datetime import datetime, timedelta, timezone

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
