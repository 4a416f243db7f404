"""The console's desk: finding a customer's LK, its card, and helping its owner back in; every action is audited."""

import enum
import secrets
import string
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lk_app.clock import shown
from lk_app.models import OPERATOR, AccountLink, AuthSession, BillingAccount, LkUser
from lk_app.models.users import CUSTOMER
from lk_app.normal_forms import normalize_account_number, normalize_email, normalize_phone
from lk_app.services import limits
from lk_app.services.accounts import holder_name
from lk_app.services.audit import Action, record_action, require_operator
from lk_app.services.auth import FREE_FAILURES
from lk_app.services.credentials import Change, bump_epoch, tell_owner
from lk_app.services.email_address import EmailRefusal, new_email
from lk_app.services.feedback import plain_text
from lk_app.services.online_payments import DeskPayment, payments_of
from lk_app.services.passwords import PasswordProblem, hash_password, password_problem
from lk_app.services.profile import Device, SessionView, active_sessions, device_name
from lk_app.services.registration import LoginRefusal, login_problem, queue_confirmation, resend_confirmation
from lk_app.settings import get_settings

SEARCH_RESULTS = 20
RECENT_LOGINS = 10
GENERATED_PASSWORD_LENGTH = 20


class DeskRefusal(enum.Enum):
    """Why the desk refuses a change of an LK, besides what is wrong with a typed address."""

    CALLER_UNCHECKED = "caller_unchecked"  # the operator has not confirmed that the caller proved who they are


class OperatorRefusal(enum.Enum):
    """Why an operator's LK cannot be made, besides the rules of logins and passwords."""

    LOGIN_TAKEN = "login_taken"


class Resend(enum.Enum):
    """How a request for a new confirmation link ended."""

    SENT = "sent"
    CONFIRMED = "confirmed"
    NO_EMAIL = "no_email"
    LIMITED = "limited"


@dataclass(frozen=True)
class LkSummary:
    """One LK found by a search."""

    login: str
    email: str
    phone: str
    accounts: str


@dataclass(frozen=True)
class AccountLine:
    """A billing account of the LK, with what the operator asks the caller about."""

    number: str
    holder: str
    address: str
    primary: bool


@dataclass(frozen=True)
class LoginLine:
    """A login into the LK (a session, live or ended)."""

    started: str
    ip: str
    device: Device
    active: bool


@dataclass(frozen=True)
class LkCard:
    """What the console shows of an LK: contacts, confirmations, accounts, payments made in LK, sessions, logins and
    login limits."""

    login: str
    email: str
    email_confirmed: bool
    phone: str
    phone_confirmed: bool
    created: str
    migrated: bool
    accounts: list[AccountLine]
    payments: list[DeskPayment]
    sessions: list[SessionView]
    logins: list[LoginLine]
    failed_logins: int
    login_delayed: bool
    login_locked: bool


@dataclass(frozen=True)
class EmailSet:
    """How setting an LK's e-mail ended: the new address, or every refusal at once."""

    email: str = ""
    refusals: tuple[EmailRefusal | DeskRefusal, ...] = ()


def _customer(login: str, *, session: Session) -> LkUser | None:
    """A customer's LK by its login; operators' own LKs are out of the console's reach."""
    return session.exec(
        select(LkUser).where(LkUser.login_key == str(login).strip().casefold()[:32], LkUser.role == CUSTOMER)
    ).first()


def _accounts_of(user_id: int, *, session: Session) -> list[BillingAccount]:
    return list(session.exec(
        select(BillingAccount).join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.user_id == user_id).order_by(AccountLink.id)
    ).all())


def _login_keys(user: LkUser, *, session: Session) -> list[str]:
    """Every key under which failed logins into the LK are counted: its login and the number it was registered with."""
    numbers = session.exec(
        select(BillingAccount.number).join(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.user_id == user.id, AccountLink.primary)
    ).all()
    return list(dict.fromkeys([user.login_key, *numbers]))


def find_lks(operator_id: int, query: str, *, session: Session) -> list[LkSummary]:
    """Customers' LKs by account number, login, e-mail or phone."""
    operator = require_operator(operator_id, session=session)
    text = plain_text(query)[:254]
    if not text:
        return []
    matches = [LkUser.login_key == text.casefold()[:32]]
    if number := normalize_account_number(text):
        linked = select(AccountLink.user_id).join(BillingAccount, BillingAccount.id == AccountLink.account_id)
        matches.append(col(LkUser.id).in_(linked.where(BillingAccount.number == number)))
    if email := normalize_email(text):
        matches.append(func.lower(LkUser.email) == email.lower())
    if phone := normalize_phone(text):
        matches.append(LkUser.phone == phone)
    users = session.exec(
        select(LkUser).where(LkUser.role == CUSTOMER, or_(*matches)).order_by(LkUser.id).limit(SEARCH_RESULTS)
    ).all()
    record_action(operator, Action.SEARCH, session=session, detail=f"{text} ({len(users)})")
    return [
        LkSummary(user.login, user.email or "", user.phone or "",
                  ", ".join(account.number for account in _accounts_of(user.id, session=session)))
        for user in users
    ]


def lk_card(operator_id: int, login: str, *, session: Session) -> LkCard | None:
    """Everything the console shows of a customer's LK; None when there is no such customer."""
    operator = require_operator(operator_id, session=session)
    user = _customer(login, session=session)
    if user is None:
        return None
    record_action(operator, Action.VIEW_LK, session=session, user=user)
    primary = set(session.exec(
        select(AccountLink.account_id).where(AccountLink.user_id == user.id, AccountLink.primary)
    ).all())
    accounts = [
        AccountLine(account.number, holder_name(account), account.address, account.id in primary)
        for account in _accounts_of(user.id, session=session)
    ]
    sessions = session.exec(
        select(AuthSession).where(AuthSession.user_id == user.id).order_by(col(AuthSession.created_at).desc()).limit(RECENT_LOGINS)
    ).all()
    live = active_sessions(user.id, None, session=session)
    failures = sum(limits.recent(limits.LOGIN_PER_IDENTIFIER, key, session=session)[0]
                   for key in _login_keys(user, session=session))
    return LkCard(
        login=user.login,
        email=user.email or "",
        email_confirmed=user.email_confirmed,
        phone=user.phone or "",
        phone_confirmed=user.phone_confirmed,
        created=shown(user.created_at),
        migrated=user.migrated_at is not None,
        accounts=accounts,
        payments=payments_of(user.id, session=session),
        sessions=live,
        logins=[LoginLine(shown(s.created_at), s.ip, device_name(s.user_agent), s.revoked_at is None) for s in sessions],
        failed_logins=failures,
        login_delayed=failures >= FREE_FAILURES,
        login_locked=failures >= limits.LOGIN_PER_IDENTIFIER.count,
    )


def set_email(operator_id: int, login: str, typed: str, *, caller_checked: bool, session: Session) -> EmailSet | None:
    """A new e-mail for an LK whose owner lost the old one: set at once, unconfirmed, with a confirmation link.

    Set at once rather than after confirmation (as the customer's own change is) because this is the
    case where the customer cannot get in: recovery by e-mail must reach the new address now, and any
    link followed from it proves the address. A new credential epoch ends every session, link and code;
    the old address and phone are told in neutral words (not the new address) with "It was not me".
    None when there is no such customer.
    """
    operator = require_operator(operator_id, session=session)
    user = _customer(login, session=session)
    if user is None:
        return None
    email = new_email(typed, user=user, session=session)
    refusals = tuple(r for r in (email if isinstance(email, EmailRefusal) else None,
                                 None if caller_checked else DeskRefusal.CALLER_UNCHECKED) if r)
    if refusals:
        return EmailSet(refusals=refusals)
    old = user.email or ""
    tell_owner(user, Change.OPERATOR_EMAIL, session=session)
    user.email, user.email_confirmed = email, False
    bump_epoch(user, session=session)
    queue_confirmation(user, session=session)
    record_action(operator, Action.SET_EMAIL, session=session, user=user, detail=f"{old} → {email}")
    return EmailSet(email=email)


def resend_confirmation_link(operator_id: int, login: str, *, session: Session) -> Resend | None:
    """A new confirmation link to the LK's unconfirmed e-mail, under the usual per-LK limit; None for no such customer."""
    operator = require_operator(operator_id, session=session)
    user = _customer(login, session=session)
    if user is None:
        return None
    if not user.email:
        return Resend.NO_EMAIL
    if user.email_confirmed:
        return Resend.CONFIRMED
    # The operator stands where a customer's IP would: one operator cannot turn the console into a mailer.
    if resend_confirmation(user.id, ip=f"operator:{operator.id}", session=session) is None:
        return Resend.LIMITED
    record_action(operator, Action.RESEND_CONFIRMATION, session=session, user=user, detail=user.email)
    return Resend.SENT


def unlock_login(operator_id: int, login: str, *, session: Session) -> int | None:
    """Forget the LK's failed logins, lifting the delay or the lock; how many were forgotten, None for no such customer."""
    operator = require_operator(operator_id, session=session)
    user = _customer(login, session=session)
    if user is None:
        return None
    forgotten = 0
    for key in _login_keys(user, session=session):
        forgotten += limits.recent(limits.LOGIN_PER_IDENTIFIER, key, session=session)[0]
        limits.forget(limits.LOGIN_PER_IDENTIFIER, key, session=session)
    record_action(operator, Action.UNLOCK_LOGIN, session=session, user=user, detail=f"{forgotten}")
    return forgotten


def end_sessions(operator_id: int, login: str, *, session: Session) -> int | None:
    """End every session of the LK at once; how many ended, None for no such customer."""
    operator = require_operator(operator_id, session=session)
    user = _customer(login, session=session)
    if user is None:
        return None
    ended = len(active_sessions(user.id, None, session=session))
    bump_epoch(user, session=session)
    record_action(operator, Action.END_SESSIONS, session=session, user=user, detail=f"{ended}")
    return ended


def generated_password() -> str:
    """A random password of letters and digits, as long as the rules allow: about 119 bits."""
    alphabet = string.ascii_letters + string.digits
    length = min(GENERATED_PASSWORD_LENGTH, get_settings().password_max_length)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if password_problem(password, password) is None:
            return password


def create_operator(
    login: str, password: str, *, session: Session
) -> LoginRefusal | PasswordProblem | OperatorRefusal | None:
    """An operator's LK with this login and password; None once made, else why not."""
    login = login.strip()
    if problem := login_problem(login):
        return problem
    if problem := password_problem(password, password, forbidden=(login,)):
        return problem
    try:
        with session.begin_nested():
            session.add(LkUser(login=login, login_key=login.casefold(), password_hash=hash_password(password), role=OPERATOR))
            session.flush()
    except IntegrityError:
        return OperatorRefusal.LOGIN_TAKEN
    return None
