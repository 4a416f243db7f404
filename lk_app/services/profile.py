"""The LK's own settings: its contacts, its password and its sessions."""

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from lk_app.clock import now, shown
from lk_app.models import AuthSession, LkUser
from lk_app.services import limits
from lk_app.services.credentials import Change, bump_epoch, tell_owner
from lk_app.services.email_address import EmailRefusal, new_email
from lk_app.services.email_links import LinkState, mail_link, use_link_token
from lk_app.services.passwords import PasswordProblem, hash_password, password_problem, verify_password
from lk_app.services.registration import PhoneProof
from lk_app.services.sms_codes import CONFIRM_PHONE, Check, check_sms_code, use_phone_proof
from lk_app.services.tokens import secret_hash
from lk_app.settings import get_settings

CONFIRM_NEW_EMAIL = "confirm_new_email"


class CurrentPassword(enum.Enum):
    """Why the current password, asked before a change, does not let it through."""

    WRONG = "wrong"
    TOO_MANY = "too_many"  # the login's failures are at their limit: counted as failed logins


@dataclass(frozen=True)
class ProfileView:
    """What the profile section shows of the LK."""

    login: str
    email: str
    email_confirmed: bool
    phone: str
    phone_confirmed: bool


@dataclass(frozen=True)
class Device:
    """A device as its User-Agent names it: the browser's product and the system, each "" when not recognised."""

    browser: str
    system: str


@dataclass(frozen=True)
class SessionView:
    """One live session as the list shows it."""

    device: Device
    ip: str
    last_seen: str
    current: bool


def profile_of(user_id: int, *, session: Session) -> ProfileView:
    """The LK's login and contacts."""
    user = session.get(LkUser, user_id)
    return ProfileView(user.login, user.email or "", user.email_confirmed, user.phone or "", user.phone_confirmed)


def _password_refusal(user: LkUser, password: str, *, session: Session) -> CurrentPassword | None:
    """Why the current password does not let the change through; wrong guesses count as failed logins.

    As in `log_in`, the guess is counted before bcrypt and the session's transaction is committed around the
    check, which runs with no transaction open: call this before anything that must be atomic with the change.
    """
    counted = (limits.LOGIN_PER_IDENTIFIER, user.login_key)
    limits.hold([counted], session=session)
    if limits.exceeded(*counted, session=session):
        return CurrentPassword.TOO_MANY
    failure = limits.record(*counted, session=session)
    password_hash = user.password_hash
    session.commit()
    if not verify_password(password, password_hash):
        return CurrentPassword.WRONG
    limits.withdraw([failure], session=session)
    session.commit()  # so the caller's bcrypt of a new password does not run inside SQLite's write lock either
    return None


def change_password(
    user_id: int, current: str, new: str, confirmation: str, *, keep_session: str | None, session: Session
) -> CurrentPassword | PasswordProblem | None:
    """A new password after the current one; every other session of the LK ends at once. None when done."""
    user = session.get(LkUser, user_id)
    if refusal := _password_refusal(user, current, session=session):
        return refusal
    if problem := password_problem(new, confirmation, forbidden=(user.login, user.email or "")):
        return problem
    user.password_hash = hash_password(new)
    tell_owner(user, Change.PASSWORD, session=session)
    bump_epoch(user, keep_session=keep_session, session=session)
    return None


def request_email_change(user_id: int, typed: str, password: str, *, session: Session) -> str | EmailRefusal | CurrentPassword:
    """Send a link to the new address (used only once it is followed) and tell the old one: the address, or why not."""
    user = session.get(LkUser, user_id)
    # Its form first, unlocked; then the password, whose check commits (bcrypt runs outside any lock); then the cap,
    # under the lock that holds it until the link is queued.
    unheld = new_email(typed, user=user, hold=False, session=session)
    if unheld in (EmailRefusal.MALFORMED, EmailRefusal.CURRENT):
        return unheld
    if refusal := _password_refusal(user, password, session=session):
        return refusal
    email = new_email(typed, user=user, session=session)
    if isinstance(email, EmailRefusal):
        return email
    mail_link(user, CONFIRM_NEW_EMAIL, email, ttl_hours=get_settings().email_link_ttl_hours, page="/confirm",
              template="confirm_new_email", session=session)
    tell_owner(user, Change.EMAIL_REQUESTED, session=session)
    return email


def confirm_new_email(token: str, *, keep_session: str | None = None, session: Session) -> LinkState:
    """Use a new-address link: from now on the LK's mail goes there, and only the browser that followed it stays in."""
    verdict = use_link_token(token, CONFIRM_NEW_EMAIL, session=session)
    if verdict.state is LinkState.VALID:
        user = session.get(LkUser, verdict.token.user_id)
        tell_owner(user, Change.EMAIL, session=session)
        user.email, user.email_confirmed = verdict.token.email, True
        bump_epoch(user, keep_session=keep_session, session=session)
    return verdict.state


def change_phone(
    user_id: int, proof: PhoneProof, password: str, *, keep_session: str | None, session: Session
) -> CurrentPassword | Check | None:
    """The new phone, after the current password and the SMS code sent to the new number. None when done."""
    user = session.get(LkUser, user_id)
    if refusal := _password_refusal(user, password, session=session):
        return refusal
    verdict = check_sms_code(proof.phone, CONFIRM_PHONE, proof.code, requester=proof.requester, session=session)
    if verdict.outcome is not Check.OK:
        return verdict.outcome
    if not use_phone_proof(verdict.code_id, proof.phone, CONFIRM_PHONE, session=session):
        return Check.NONE
    tell_owner(user, Change.PHONE, session=session)
    user.phone, user.phone_confirmed = proof.phone, True
    bump_epoch(user, keep_session=keep_session, session=session)
    return None


def log_out_everywhere(user_id: int, *, session: Session) -> None:
    """Log out everywhere: a new epoch ends every session, grant, link and code of the LK, this one too."""
    bump_epoch(session.get(LkUser, user_id), session=session)


def active_sessions(user_id: int, current: str | None, *, session: Session) -> list[SessionView]:
    """The LK's live sessions, the newest first, this one marked."""
    settings = get_settings()
    moment = now()
    rows = session.exec(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.epoch == session.get(LkUser, user_id).credential_epoch,
            col(AuthSession.revoked_at).is_(None),
            AuthSession.last_seen_at > moment - timedelta(minutes=settings.session_idle_minutes),
            AuthSession.created_at > moment - timedelta(hours=settings.session_absolute_hours),
        )
        .order_by(col(AuthSession.last_seen_at).desc())
    ).all()
    current_hash = secret_hash(current) if current else ""
    return [
        SessionView(device_name(row.user_agent), row.ip, shown(row.last_seen_at), row.id_hash == current_hash)
        for row in rows
    ]


def device_name(user_agent: str) -> Device:
    """Chrome on Android from a User-Agent: enough for a customer to recognise the device (the page words it)."""
    browsers = (("Edg/", "Edge"), ("YaBrowser", "YaBrowser"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"), ("Safari/", "Safari"))
    systems = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
               ("Mac OS X", "macOS"), ("Linux", "Linux"))
    browser = next((name for mark, name in browsers if mark in user_agent), "")
    system = next((name for mark, name in systems if mark in user_agent), "")
    return Device(browser, system)
