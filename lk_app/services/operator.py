"""The operator console: finding an LK, helping its owner back in, answering tickets; every action is audited.

Every function takes the operator's id first and checks the role again in the database: the console's
states check it too, but a service never trusts its caller to have done so.
"""

import enum
import secrets
import string
from dataclasses import dataclass

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lk_app.clock import now
from lk_app.messaging.outbox import queue_email
from lk_app.models import (
    OPERATOR,
    AccountLink,
    AuditEntry,
    AuthSession,
    BillingAccount,
    FeedbackTicket,
    LkUser,
    TicketReply,
)
from lk_app.models.support import TICKET_CLOSED, TICKET_IN_WORK, TICKET_NEW, TICKET_STATUSES
from lk_app.models.users import CUSTOMER
from lk_app.normal_forms import normalize_account_number, normalize_email, normalize_phone
from lk_app.services import limits
from lk_app.services.accounts import accounts_after_email_change, hold_accounts_of_email, holder_name
from lk_app.services.auth import FREE_FAILURES
from lk_app.services.credentials import Change, bump_epoch, previous_contacts, tell_owner
from lk_app.services.feedback import MESSAGE_MAX, grouped, plain_text
from lk_app.services.passwords import hash_password, password_problem
from lk_app.services.profile import SessionView, active_sessions, device_name
from lk_app.services.registration import login_problem, queue_confirmation, resend_confirmation
from lk_app.settings import get_settings

SEARCH_RESULTS = 20
RECENT_LOGINS = 10
GENERATED_PASSWORD_LENGTH = 20


class Action(enum.Enum):
    """What an audit entry records."""

    SEARCH = "search"
    VIEW_LK = "view_lk"
    SET_EMAIL = "set_email"
    RESEND_CONFIRMATION = "resend_confirmation"
    UNLOCK_LOGIN = "unlock_login"
    END_SESSIONS = "end_sessions"
    TAKE_TICKET = "take_ticket"
    REPLY_TICKET = "reply_ticket"
    CLOSE_TICKET = "close_ticket"


class NotAnOperator(PermissionError):
    """The caller is not (or no longer) an operator: nothing was read or changed."""


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
    device: str
    active: bool


@dataclass(frozen=True)
class LkCard:
    """What the console shows of an LK: contacts, confirmations, accounts, sessions, logins and login limits."""

    login: str
    email: str
    email_confirmed: bool
    phone: str
    phone_confirmed: bool
    created: str
    migrated: bool
    accounts: list[AccountLine]
    sessions: list[SessionView]
    logins: list[LoginLine]
    failed_logins: int
    login_delayed: bool
    login_locked: bool


@dataclass(frozen=True)
class TicketLine:
    """A ticket in the list of one status."""

    number: int
    created: str
    name: str
    contact: str
    preview: str
    operator: str


@dataclass(frozen=True)
class ReplyLine:
    """An answer sent to a ticket."""

    sent: str
    operator: str
    body: str


@dataclass(frozen=True)
class TicketDetail:
    """A ticket as the console opens it; the message is plain text."""

    number: int
    created: str
    status: str
    name: str
    contact: str
    contact_is_email: bool
    account_number: str
    message: str
    operator: str
    replies: list[ReplyLine]


@dataclass(frozen=True)
class AuditLine:
    """An audit entry as the console lists it."""

    at: str
    operator: str
    action: str
    lk: str
    ticket: int | None
    detail: str


def _moment(value) -> str:
    return f"{value:%d.%m.%Y %H:%M} UTC"


def require_operator(operator_id: int | None, *, session: Session) -> LkUser:
    """The operator's own LK; NotAnOperator for anyone else."""
    operator = session.get(LkUser, operator_id) if operator_id else None
    if operator is None or operator.role != OPERATOR:
        raise NotAnOperator(operator_id)
    return operator


def _audit(operator: LkUser, action: Action, *, session: Session, user: LkUser | None = None,
           ticket: FeedbackTicket | None = None, detail: str = "") -> None:
    """Add an entry in the caller's transaction: the action and its record stand or fall together."""
    session.add(AuditEntry(operator_id=operator.id, action=action.value, user_id=user.id if user else None,
                           ticket_id=ticket.id if ticket else None, detail=detail[:500]))
    session.flush()


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
    _audit(operator, Action.SEARCH, session=session, detail=f"{text} ({len(users)})")
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
    _audit(operator, Action.VIEW_LK, session=session, user=user)
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
        created=_moment(user.created_at),
        migrated=user.migrated_at is not None,
        accounts=accounts,
        sessions=live,
        logins=[LoginLine(_moment(s.created_at), s.ip, device_name(s.user_agent), s.revoked_at is None) for s in sessions],
        failed_logins=failures,
        login_delayed=failures >= FREE_FAILURES,
        login_locked=failures >= limits.LOGIN_PER_IDENTIFIER.count,
    )


def set_email(
    operator_id: int, login: str, new_email: str, *, caller_checked: bool, session: Session
) -> tuple[dict[str, str], str] | None:
    """A new e-mail for an LK whose owner lost the old one: set at once, unconfirmed, with a confirmation link.

    Set at once rather than after confirmation (as the customer's own change is) because this is the
    case where the customer cannot get in: recovery by e-mail must reach the new address now, and any
    link followed from it proves the address. A new credential epoch ends every session, link and code;
    the old address and phone are told in neutral words (not the new address) with «Это не я». Returns
    field errors or the new address; None when there is no such customer.
    """
    operator = require_operator(operator_id, session=session)
    user = _customer(login, session=session)
    if user is None:
        return None
    settings = get_settings()
    email = normalize_email(new_email)
    errors: dict[str, str] = {}
    if email is None:
        errors["new_email"] = "Укажите e-mail в виде name@example.ru."
    elif email == user.email:
        errors["new_email"] = "Это и есть текущий адрес."
    else:
        hold_accounts_of_email(email, session=session)
        if accounts_after_email_change(user.id, email, session=session) > settings.max_accounts_per_email:
            errors["new_email"] = f"К одному e-mail можно привязать не более {settings.max_accounts_per_email} лицевых счетов."
    if not caller_checked:
        errors["caller_checked"] = "Сначала проверьте звонящего: ФИО владельца, адрес и сумму последнего платежа."
    if errors:
        return errors, ""
    old = user.email or "не указан"
    tell_owner(user, Change.OPERATOR_EMAIL, **previous_contacts(user), session=session)
    user.email, user.email_confirmed = email, False
    bump_epoch(user, session=session)
    queue_confirmation(user, session=session)
    _audit(operator, Action.SET_EMAIL, session=session, user=user, detail=f"{old} → {email}")
    return {}, email


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
    _audit(operator, Action.RESEND_CONFIRMATION, session=session, user=user, detail=user.email)
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
    _audit(operator, Action.UNLOCK_LOGIN, session=session, user=user, detail=f"{forgotten}")
    return forgotten


def end_sessions(operator_id: int, login: str, *, session: Session) -> int | None:
    """End every session of the LK at once; how many ended, None for no such customer."""
    operator = require_operator(operator_id, session=session)
    user = _customer(login, session=session)
    if user is None:
        return None
    ended = len(active_sessions(user.id, None, session=session))
    bump_epoch(user, session=session)
    _audit(operator, Action.END_SESSIONS, session=session, user=user, detail=f"{ended}")
    return ended


def _logins(ids, *, session: Session) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(LkUser.id, LkUser.login).where(col(LkUser.id).in_(wanted))).all())


def tickets(operator_id: int, status: str, *, session: Session, limit: int = 100) -> list[TicketLine]:
    """Tickets of one status: new and in work the oldest first (they wait), closed the newest first."""
    require_operator(operator_id, session=session)
    if status not in TICKET_STATUSES:
        return []
    order = col(FeedbackTicket.id).desc() if status == TICKET_CLOSED else col(FeedbackTicket.id)
    rows = session.exec(select(FeedbackTicket).where(FeedbackTicket.status == status).order_by(order).limit(limit)).all()
    operators = _logins((row.operator_id for row in rows), session=session)
    return [
        TicketLine(row.id, _moment(row.created_at), row.name, row.contact, " ".join(row.message.split())[:80],
                   operators.get(row.operator_id, ""))
        for row in rows
    ]


def ticket_detail(operator_id: int, number: int, *, session: Session) -> TicketDetail | None:
    """One ticket with its replies; None when there is no such ticket."""
    require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None:
        return None
    replies = session.exec(select(TicketReply).where(TicketReply.ticket_id == ticket.id).order_by(TicketReply.id)).all()
    operators = _logins([ticket.operator_id, *(reply.operator_id for reply in replies)], session=session)
    return TicketDetail(
        number=ticket.id,
        created=_moment(ticket.created_at),
        status=ticket.status,
        name=ticket.name,
        contact=ticket.contact,
        contact_is_email=ticket.contact_is_email,
        account_number=ticket.account_number or "",
        message=ticket.message,
        operator=operators.get(ticket.operator_id, ""),
        replies=[ReplyLine(_moment(r.created_at), operators.get(r.operator_id, ""), r.body) for r in replies],
    )


def _take(ticket_id: int, operator: LkUser, *, session: Session) -> bool:
    """Move a new ticket to work under this operator; of two operators taking it at once, one wins."""
    taken = session.exec(
        update(FeedbackTicket).where(FeedbackTicket.id == ticket_id, FeedbackTicket.status == TICKET_NEW)
        .values(status=TICKET_IN_WORK, operator_id=operator.id, taken_at=now())
    )
    return taken.rowcount == 1


def take_ticket(operator_id: int, number: int, *, session: Session) -> bool:
    """«Взять в работу»: whether this operator took the new ticket."""
    operator = require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None or not _take(ticket.id, operator, session=session):
        return False
    _audit(operator, Action.TAKE_TICKET, session=session, ticket=ticket)
    return True


def reply_to_ticket(operator_id: int, number: int, text: str, *, session: Session) -> dict[str, str] | None:
    """Mail an answer to the ticket's e-mail (a new ticket goes to work with it); field errors, None for no such ticket."""
    operator = require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None:
        return None
    body = plain_text(text)
    if ticket.status == TICKET_CLOSED:
        return {"reply": "Обращение закрыто: ответить на него нельзя."}
    if not ticket.contact_is_email:
        return {"reply": f"В обращении телефон, а не e-mail: позвоните по номеру {ticket.contact}."}
    if not body:
        return {"reply": "Напишите ответ."}
    if len(body) > MESSAGE_MAX:
        return {"reply": f"Ответ — не длиннее {grouped(MESSAGE_MAX)} символов."}
    _take(ticket.id, operator, session=session)
    session.add(TicketReply(ticket_id=ticket.id, operator_id=operator.id, body=body))
    queue_email(session=session, to=ticket.contact, template="ticket_reply", number=ticket.id, name=ticket.name, reply=body)
    _audit(operator, Action.REPLY_TICKET, session=session, ticket=ticket, detail=ticket.contact)
    return {}


def close_ticket(operator_id: int, number: int, *, session: Session) -> bool:
    """«Закрыть обращение»: whether this call closed it."""
    operator = require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None:
        return False
    closed = session.exec(
        update(FeedbackTicket).where(FeedbackTicket.id == ticket.id, FeedbackTicket.status != TICKET_CLOSED)
        .values(status=TICKET_CLOSED, closed_at=now(), operator_id=func.coalesce(FeedbackTicket.operator_id, operator.id))
    )
    if closed.rowcount != 1:
        return False
    _audit(operator, Action.CLOSE_TICKET, session=session, ticket=ticket)
    return True


def audit_log(operator_id: int, *, session: Session, limit: int = 100) -> list[AuditLine]:
    """The newest audit entries first."""
    require_operator(operator_id, session=session)
    rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)).all()
    logins = _logins([i for row in rows for i in (row.operator_id, row.user_id)], session=session)
    return [
        AuditLine(_moment(row.created_at), logins.get(row.operator_id, ""), row.action, logins.get(row.user_id, ""),
                  row.ticket_id, row.detail)
        for row in rows
    ]


def generated_password() -> str:
    """A random password of letters and digits, as long as the rules allow: about 119 bits."""
    alphabet = string.ascii_letters + string.digits
    length = min(GENERATED_PASSWORD_LENGTH, get_settings().password_max_length)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if password_problem(password, password) is None:
            return password


def create_operator(login: str, password: str, *, session: Session) -> str | None:
    """An operator's LK with this login and password; the reason in Russian when it cannot be made."""
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
        return f"Логин {login} уже занят."
    return None
