"""Password recovery by an e-mail link or an SMS code: one answer whether the LK exists or not."""

import enum
from dataclasses import dataclass

from sqlmodel import Session

from lk_app.messaging.outbox import queue_email
from lk_app.models import LkUser
from lk_app.services import limits
from lk_app.services.auth import find_user, identifier_key
from lk_app.services.email_links import (
    LinkState,
    check_link_token,
    mail_link,
    revoke_link_tokens,
    use_link_token,
)
from lk_app.services.passwords import burn_verify_time, hash_password, password_problem
from lk_app.services.sessions import revoke_user_sessions
from lk_app.services.sms_codes import Check, check_sms_code, issue_sms_code, revoke_sms_codes
from lk_app.settings import get_settings

RESET_PASSWORD = "reset_password"
WRONG_CODE = "Неверный код или логин. Проверьте цифры из СМС."
DEAD_CODE = "Код больше не действует. Запросите новый."


class Channel(enum.Enum):
    """Where the recovery goes."""

    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True)
class ResetResult:
    """Field errors (field name → Russian reason), or done."""

    errors: dict[str, str]

    @property
    def done(self) -> bool:
        """Whether the password was changed."""
        return not self.errors


def request_recovery(identifier: str, channel: Channel, *, ip: str, session: Session) -> None:
    """Send a reset link or code to the LK's own e-mail or confirmed phone; nothing tells whether it exists.

    Unknown identifiers, LKs without that contact and limited requests all end here silently; the
    caller answers the same words in the same time whatever happened (the state pads the time).
    """
    key = identifier_key(identifier)
    if limits.exceeded(limits.RECOVERY_PER_IDENTIFIER, key, session=session) or limits.exceeded(
        limits.RECOVERY_PER_IP, ip, session=session
    ):
        return
    limits.record(limits.RECOVERY_PER_IDENTIFIER, key, session=session)
    limits.record(limits.RECOVERY_PER_IP, ip, session=session)
    user = find_user(identifier, session=session)
    if user is None:
        return
    if channel is Channel.EMAIL and user.email:
        mail_link(user, RESET_PASSWORD, user.email, ttl_hours=get_settings().reset_link_ttl_hours, page="/reset",
                  template="reset_password", session=session)
    elif channel is Channel.SMS and user.phone and user.phone_confirmed:
        issue_sms_code(user.phone, RESET_PASSWORD, ip=ip, session=session)


def reset_link_state(token: str, *, session: Session) -> LinkState:
    """What `/reset` should offer for this token, without using it."""
    return check_link_token(token, RESET_PASSWORD, session=session).state


def reset_by_link(token: str, password: str, confirmation: str, *, session: Session) -> ResetResult | LinkState:
    """Set a new password with a reset link: the link's state when it cannot be used, else the verdict on the password."""
    verdict = check_link_token(token, RESET_PASSWORD, session=session)
    if verdict.state is not LinkState.VALID:
        return verdict.state
    user = session.get(LkUser, verdict.token.user_id)
    if problem := password_problem(password, confirmation, forbidden=(user.login, user.email or "")):
        return ResetResult({"password": problem})
    spent = use_link_token(token, RESET_PASSWORD, session=session)
    if spent.state is not LinkState.VALID:
        return spent.state
    if user.email == spent.token.email:
        user.email_confirmed = True  # following the link proved the address
    _set_password(user, password, session=session)
    return ResetResult({})


def reset_by_sms(identifier: str, code: str, password: str, confirmation: str, *, session: Session) -> ResetResult:
    """Set a new password with the SMS code sent to the LK's confirmed phone; a wrong pair gets one answer."""
    user = find_user(identifier, session=session)
    phone = user.phone if user is not None and user.phone_confirmed else None
    if phone is None:
        burn_verify_time(password)  # no code to check: spend what a real reset would spend
        return ResetResult({"code": WRONG_CODE})
    if problem := password_problem(password, confirmation, forbidden=(user.login, user.email or "")):
        return ResetResult({"password": problem})
    verdict = check_sms_code(phone, RESET_PASSWORD, code, session=session)
    if verdict.outcome is not Check.OK:
        return ResetResult({"code": WRONG_CODE if verdict.outcome is Check.WRONG else DEAD_CODE})
    user.phone_confirmed = True
    _set_password(user, password, session=session)
    return ResetResult({})


def _set_password(user: LkUser, password: str, *, session: Session) -> None:
    """The new hash; every session, link and code of the LK dies, the lock is lifted, and the owner is told."""
    user.password_hash = hash_password(password)
    session.add(user)
    revoke_user_sessions(user.id, session=session)
    revoke_link_tokens(user.id, RESET_PASSWORD, session=session)
    if user.phone:
        revoke_sms_codes(user.phone, RESET_PASSWORD, session=session)
    limits.forget(limits.LOGIN_PER_IDENTIFIER, user.login_key, session=session)
    if user.email:
        queue_email(session=session, to=user.email, template="password_changed", login=user.login)
