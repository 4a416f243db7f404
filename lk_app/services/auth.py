"""Logging in by login or account number: throttling, the password check, the grant for a session."""

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from lk_app.clock import now
from lk_app.models import OPERATOR, AccountLink, BillingAccount, LkUser
from lk_app.normal_forms import normalize_account_number
from lk_app.services import limits
from lk_app.services.legacy_passwords import is_legacy
from lk_app.services.passwords import burn_verify_time, verify_password
from lk_app.services.sessions import issue_login_grant

FREE_FAILURES = 5
MAX_DELAY_SECONDS = 60


class LoginStatus(enum.Enum):
    """How a login attempt ended."""

    OK = "ok"
    INVALID = "invalid"  # unknown login and wrong password look alike
    UNCONFIRMED = "unconfirmed"
    NEEDS_EMAIL = "needs_email"  # an old portal's LK without an e-mail gives one before it enters
    WAIT = "wait"
    LOCKED = "locked"
    IP_LIMITED = "ip_limited"


@dataclass(frozen=True)
class LoginOutcome:
    """The verdict; a grant when it is OK, the user when the password was right."""

    status: LoginStatus
    grant: str | None = None
    user_id: int | None = None
    retry_after_seconds: int = 0
    legacy_hash: str | None = None  # the old portal's hash the right password just matched: replace it


def identifier_key(identifier: str) -> str:
    """The normal form under which an identifier's failures are counted."""
    return normalize_account_number(identifier) or identifier.strip().casefold()


def find_user(identifier: str, *, session: Session) -> LkUser | None:
    """The LK with this login, or the LK registered with this account number (not one that added it later)."""
    key = identifier_key(identifier)
    user = session.exec(select(LkUser).where(LkUser.login_key == key)).first()
    if user is None and normalize_account_number(identifier):
        user = session.exec(
            select(LkUser)
            .join(AccountLink, AccountLink.user_id == LkUser.id)
            .join(BillingAccount, BillingAccount.id == AccountLink.account_id)
            .where(BillingAccount.number == key, AccountLink.primary)
        ).first()
    return user


def _throttle(key: str, ip: str, *, session: Session) -> LoginOutcome | None:
    """A refusal when the identifier or the IP has failed too often, before any password is checked."""
    if limits.exceeded(limits.LOGIN_PER_IP, ip, session=session):
        return LoginOutcome(LoginStatus.IP_LIMITED, retry_after_seconds=3600)
    failures, latest = limits.recent(limits.LOGIN_PER_IDENTIFIER, key, session=session)
    if failures >= limits.LOGIN_PER_IDENTIFIER.count:
        return LoginOutcome(LoginStatus.LOCKED, retry_after_seconds=3600)
    if failures >= FREE_FAILURES:
        delay = timedelta(seconds=min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS))
        wait = latest + delay - now()
        if wait > timedelta():
            return LoginOutcome(LoginStatus.WAIT, retry_after_seconds=int(wait.total_seconds()) + 1)
    return None


def log_in(identifier: str, password: str, *, ip: str, session: Session) -> LoginOutcome:
    """Check the credentials; known and unknown identifiers take the same path and time.

    Ends the session's transaction twice, so call it in a session of its own (`db.run`): the try is counted as
    a failure in a short locked transaction, so simultaneous tries see one another and only as many reach a
    password check as the rule allows; bcrypt then runs with no transaction open (on SQLite an open write would
    stop every other writer for its ~¼ s); the verdict is settled in a second transaction.
    """
    key = identifier_key(identifier)
    limits.hold([(limits.LOGIN_PER_IDENTIFIER, key), (limits.LOGIN_PER_IP, ip)], session=session)
    refusal = _throttle(key, ip, session=session)
    if refusal:
        return refusal
    user = find_user(identifier, session=session)
    limits.record(limits.LOGIN_PER_IDENTIFIER, key, session=session)
    ip_failure = limits.record(limits.LOGIN_PER_IP, ip, session=session)
    password_hash = user.password_hash if user is not None else None
    session.commit()
    if password_hash is None:
        burn_verify_time(password)
        matched = False
    else:
        matched = verify_password(password, password_hash)
    if not matched:
        return LoginOutcome(LoginStatus.INVALID)
    limits.forget(limits.LOGIN_PER_IDENTIFIER, key, session=session)
    # The IP's limit counts failures only; its other failures stay.
    limits.withdraw([ip_failure], session=session)
    legacy_hash = password_hash if is_legacy(password_hash) else None
    # An operator's LK has no contact to confirm (whoever ran create-operator vouched for it), and an old
    # portal's LK was confirmed there.
    if not (user.email_confirmed or user.phone_confirmed or user.migrated_at or user.role == OPERATOR):
        return LoginOutcome(LoginStatus.UNCONFIRMED, user_id=user.id)
    if user.email is None and user.migrated_at:
        return LoginOutcome(LoginStatus.NEEDS_EMAIL, user_id=user.id, legacy_hash=legacy_hash)
    grant = issue_login_grant(user.id, session=session)
    return LoginOutcome(LoginStatus.OK, grant=grant, user_id=user.id, legacy_hash=legacy_hash)
