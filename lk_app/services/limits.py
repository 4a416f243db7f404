"""Counting events under sliding-window limits, kept in the database so every worker sees them."""

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from lk_app.clock import now
from lk_app.models import LimitEvent


@dataclass(frozen=True)
class Limit:
    """At most `count` events of `kind` for one subject within `window`."""

    kind: str
    count: int
    window: timedelta


FIRST_LOGIN_PER_ACCOUNT = Limit("first_login_account", 10, timedelta(days=1))
FIRST_LOGIN_PER_IP = Limit("first_login_ip", 20, timedelta(hours=1))
LOGIN_PER_IDENTIFIER = Limit("login_identifier", 20, timedelta(hours=1))
LOGIN_PER_IP = Limit("login_ip", 100, timedelta(hours=1))
CONFIRMATION_RESEND_PER_USER = Limit("confirm_resend_user", 5, timedelta(hours=1))
CONFIRMATION_RESEND_PER_IP = Limit("confirm_resend_ip", 30, timedelta(hours=1))
SMS_PER_PHONE_HOUR = Limit("sms_phone_hour", 5, timedelta(hours=1))
SMS_PER_PHONE_DAY = Limit("sms_phone_day", 10, timedelta(days=1))
SMS_PER_IP = Limit("sms_ip", 20, timedelta(hours=1))
ADD_ACCOUNT_PER_ACCOUNT = Limit("add_account_account", 5, timedelta(days=1))
ADD_ACCOUNT_PER_USER = Limit("add_account_user", 10, timedelta(days=1))
RECOVERY_PER_IDENTIFIER = Limit("recovery_identifier", 5, timedelta(hours=1))
RECOVERY_PER_IP = Limit("recovery_ip", 30, timedelta(hours=1))
# Every ticket mails the support address: anyone may write, nobody may flood it.
FEEDBACK_PER_IP = Limit("feedback_ip", 10, timedelta(hours=1))
FEEDBACK_PER_CONTACT = Limit("feedback_contact", 3, timedelta(hours=1))
EBILL_CONFIRMATION_PER_USER = Limit("ebill_confirm_user", 5, timedelta(hours=1))


def record(limit: Limit, subject: str, *, session: Session) -> None:
    """Count one event."""
    session.add(LimitEvent(kind=limit.kind, subject=subject))
    session.flush()


def recent(limit: Limit, subject: str, *, session: Session) -> tuple[int, object]:
    """How many events fall inside the window, and when the latest one happened."""
    since = now() - limit.window
    count, latest = session.exec(
        select(func.count(LimitEvent.id), func.max(LimitEvent.created_at)).where(
            LimitEvent.kind == limit.kind, LimitEvent.subject == subject, LimitEvent.created_at > since
        )
    ).one()
    return count, latest


def exceeded(limit: Limit, subject: str, *, session: Session) -> bool:
    """Whether the subject has used up its limit."""
    return recent(limit, subject, session=session)[0] >= limit.count


def seconds_until_free(limit: Limit, subject: str, *, session: Session) -> int:
    """How long until the subject may act again under the limit; 0 when it may now."""
    since = now() - limit.window
    window = (
        select(LimitEvent.created_at)
        .where(LimitEvent.kind == limit.kind, LimitEvent.subject == subject, LimitEvent.created_at > since)
        .order_by(LimitEvent.created_at.desc())
    )
    # The window frees a place when the limit-th newest event falls out of it.
    oldest_that_counts = session.exec(window.offset(limit.count - 1).limit(1)).first()
    if oldest_that_counts is None:
        return 0
    return max(1, math.ceil((oldest_that_counts + limit.window - now()).total_seconds()))


def forget(limit: Limit, subject: str, *, session: Session) -> None:
    """Drop the subject's events (a successful login clears its failures)."""
    session.exec(delete(LimitEvent).where(LimitEvent.kind == limit.kind, LimitEvent.subject == subject))


def purge_expired(*, session: Session, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete events older than every window, so the table stays small."""
    result = session.exec(delete(LimitEvent).where(LimitEvent.created_at < now() - older_than))
    return result.rowcount or 0
