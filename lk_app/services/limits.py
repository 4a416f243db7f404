"""Counting events under sliding-window limits, kept in the database so every worker sees them.

A limit holds under simultaneous tries only when its check and its record are one step: `admit` is that step
for a plain counted attempt; a rule of its own (a login's growing delay, counting failures only) takes `hold`
first and then checks and records inside the same transaction.
"""

import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from lk_app import db
from lk_app.clock import now
from lk_app.models import LimitEvent

# The advisory lock class of limit subjects (the 51xx classes are the accounts').
_LOCK_SUBJECT = 5201
# One customer gets a whole /64 and may use any address in it.
_IPV6_PREFIX = 64


@dataclass(frozen=True)
class Limit:
    """At most `count` events of `kind` for one subject within `window`; a per-IP limit counts `ip_subject`s."""

    kind: str
    count: int
    window: timedelta
    per_ip: bool = False


FIRST_LOGIN_PER_ACCOUNT = Limit("first_login_account", 10, timedelta(days=1))
FIRST_LOGIN_PER_IP = Limit("first_login_ip", 20, timedelta(hours=1), per_ip=True)
LOGIN_PER_IDENTIFIER = Limit("login_identifier", 20, timedelta(hours=1))
LOGIN_PER_IP = Limit("login_ip", 100, timedelta(hours=1), per_ip=True)
CONFIRMATION_RESEND_PER_USER = Limit("confirm_resend_user", 5, timedelta(hours=1))
CONFIRMATION_RESEND_PER_IP = Limit("confirm_resend_ip", 30, timedelta(hours=1), per_ip=True)
SMS_PER_PHONE_HOUR = Limit("sms_phone_hour", 5, timedelta(hours=1))
SMS_PER_PHONE_DAY = Limit("sms_phone_day", 10, timedelta(days=1))
SMS_PER_IP = Limit("sms_ip", 20, timedelta(hours=1), per_ip=True)
ADD_ACCOUNT_PER_ACCOUNT = Limit("add_account_account", 5, timedelta(days=1))
ADD_ACCOUNT_PER_USER = Limit("add_account_user", 10, timedelta(days=1))
RECOVERY_PER_IDENTIFIER = Limit("recovery_identifier", 5, timedelta(hours=1))
RECOVERY_PER_IP = Limit("recovery_ip", 30, timedelta(hours=1), per_ip=True)
# Saving a password after a recovery code: the code's own five tries are per code; these hold per identifier and address.
RESET_CODE_PER_IDENTIFIER = Limit("reset_code_identifier", 10, timedelta(hours=1))
RESET_CODE_PER_IP = Limit("reset_code_ip", 30, timedelta(hours=1), per_ip=True)
# Every ticket mails the support address: anyone may write, nobody may flood it.
FEEDBACK_PER_IP = Limit("feedback_ip", 10, timedelta(hours=1), per_ip=True)
FEEDBACK_PER_CONTACT = Limit("feedback_contact", 3, timedelta(hours=1))
EBILL_CONFIRMATION_PER_USER = Limit("ebill_confirm_user", 5, timedelta(hours=1))
# Each attempt is a request to the acquirer: a tab (or a script with a session) cannot flood the shop with payments.
PAYMENT_PER_USER = Limit("payment_user", 20, timedelta(hours=1))


Pairs = Iterable[tuple[Limit, str]]


def ip_subject(ip: str) -> str:
    """What an address is counted as: an IPv4 address whole, an IPv6 address by its /64 (an IPv4-mapped one as IPv4)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip  # not an address (an operator's own subject, or none known): counted as given
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, _IPV6_PREFIX), strict=False))
    return str(address)


def _subject(limit: Limit, subject: str) -> str:
    return ip_subject(subject) if limit.per_ip else subject


def hold(pairs: Pairs, *, session: Session) -> None:
    """Lock the subjects' counts until the transaction ends, so what is checked next is still true when recorded.

    Call it before the first read of the transaction (SQLite's lock is the whole database, taken at once).
    """
    db.hold([(_LOCK_SUBJECT, f"{limit.kind}:{_subject(limit, subject)}") for limit, subject in pairs], session=session)


def admit(pairs: Pairs, *, session: Session) -> int:
    """One attempt under every (limit, subject) pair, checked and counted in one locked step.

    Returns 0 when every limit lets it through, and it is then counted under each pair; otherwise the seconds
    until all of them would, and nothing is counted. However many arrive together, exactly as many as the
    limits allow are admitted.
    """
    pairs = list(pairs)
    hold(pairs, session=session)
    wait = max((seconds_until_free(limit, subject, session=session) for limit, subject in pairs), default=0)
    if not wait:
        for limit, subject in pairs:
            record(limit, subject, session=session)
    return wait


def record(limit: Limit, subject: str, *, session: Session) -> int:
    """Count one event; returns its id, for `withdraw`."""
    event = LimitEvent(kind=limit.kind, subject=_subject(limit, subject))
    session.add(event)
    session.flush()
    return event.id


def withdraw(event_ids: Iterable[int], *, session: Session) -> None:
    """Drop events counted in advance for a try that turned out not to count (a right password)."""
    session.exec(delete(LimitEvent).where(col(LimitEvent.id).in_(list(event_ids))))


def recent(limit: Limit, subject: str, *, session: Session) -> tuple[int, object]:
    """How many events fall inside the window, and when the latest one happened."""
    since = now() - limit.window
    count, latest = session.exec(
        select(func.count(LimitEvent.id), func.max(LimitEvent.created_at)).where(
            LimitEvent.kind == limit.kind, LimitEvent.subject == _subject(limit, subject), LimitEvent.created_at > since
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
        .where(LimitEvent.kind == limit.kind, LimitEvent.subject == _subject(limit, subject),
               LimitEvent.created_at > since)
        .order_by(LimitEvent.created_at.desc())
    )
    # The window frees a place when the limit-th newest event falls out of it.
    oldest_that_counts = session.exec(window.offset(limit.count - 1).limit(1)).first()
    if oldest_that_counts is None:
        return 0
    return max(1, math.ceil((oldest_that_counts + limit.window - now()).total_seconds()))


def forget(limit: Limit, subject: str, *, session: Session) -> None:
    """Drop the subject's events (a successful login clears its failures)."""
    session.exec(delete(LimitEvent).where(LimitEvent.kind == limit.kind, LimitEvent.subject == _subject(limit, subject)))


def purge_expired(*, session: Session, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete events older than every window, so the table stays small."""
    result = session.exec(delete(LimitEvent).where(LimitEvent.created_at < now() - older_than))
    return result.rowcount or 0
