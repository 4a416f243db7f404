"""Password recovery by an e-mail link or an SMS code, and "it wasn't me": one answer whether the LK exists or not."""

import enum
from dataclasses import dataclass

from sqlmodel import Session

from lk_app.models import LkUser
from lk_app.services import limits
from lk_app.services.auth import find_user, identifier_key
from lk_app.services.credentials import Change, bump_epoch, tell_owner
from lk_app.services.email_links import (
    NOT_ME_EMAIL,
    NOT_ME_PURPOSES,
    LinkCheck,
    LinkState,
    check_link_token,
    find_link_token,
    mail_link,
    use_link_token,
)
from lk_app.services.passwords import PasswordProblem, burn_verify_time, hash_password, password_problem
from lk_app.services.sms_codes import Check, check_sms_code, issue_sms_code
from lk_app.settings import get_settings

RESET_PASSWORD = "reset_password"


class Channel(enum.Enum):
    """Where the recovery goes."""

    EMAIL = "email"
    SMS = "sms"


class CodeRefusal(enum.Enum):
    """Why a reset by SMS code is refused before its password is judged."""

    # One answer for a dead code, a wrong one and an unknown LK: they must read alike.
    WRONG_CODE = "wrong_code"
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class ResetResult:
    """Why the new password was not set, or done (no refusal)."""

    refusal: CodeRefusal | PasswordProblem | None = None

    @property
    def done(self) -> bool:
        """Whether the password was changed."""
        return self.refusal is None


def request_recovery(identifier: str, channel: Channel, *, ip: str, requester: str, session: Session) -> None:
    """Send a reset link or code to the LK's own e-mail or confirmed phone; nothing tells whether it exists.

    Unknown identifiers, LKs without that contact and limited requests all end here silently; the
    caller answers the same words in the same time whatever happened (the state pads the time).
    A code is bound to the `requester`, the nonce of the tab that asked: only that tab can try it.
    """
    key = identifier_key(identifier)
    if limits.admit(((limits.RECOVERY_PER_IDENTIFIER, key), (limits.RECOVERY_PER_IP, ip)), session=session):
        return
    user = find_user(identifier, session=session)
    if user is None:
        return
    if channel is Channel.EMAIL and user.email:
        _mail_reset_link(user, user.email, session=session)
    elif channel is Channel.SMS and user.phone and user.phone_confirmed:
        issue_sms_code(user.phone, RESET_PASSWORD, ip=ip, requester=requester, user=user, session=session)


def _mail_reset_link(user: LkUser, address: str, *, session: Session) -> None:
    mail_link(user, RESET_PASSWORD, address, ttl_hours=get_settings().reset_link_ttl_hours, page="/reset",
              template="reset_password", session=session)


def reset_link_state(token: str, *, session: Session) -> LinkState:
    """What `/reset` should offer for this token, without using it."""
    return _reset_link(token, session=session).state


def _reset_link(token: str, *, session: Session) -> LinkCheck:
    """The reset link's verdict; a link sent to an address that is no longer the LK's e-mail is spent."""
    verdict = check_link_token(token, RESET_PASSWORD, session=session)
    if verdict.state is LinkState.VALID and session.get(LkUser, verdict.token.user_id).email != verdict.token.email:
        return LinkCheck(LinkState.USED, verdict.token)
    return verdict


def reset_by_link(token: str, password: str, confirmation: str, *, session: Session) -> ResetResult | LinkState:
    """Set a new password with a reset link: the link's state when it cannot be used, else the verdict on the password."""
    verdict = _reset_link(token, session=session)
    if verdict.state is not LinkState.VALID:
        return verdict.state
    user = session.get(LkUser, verdict.token.user_id)
    if problem := password_problem(password, confirmation, forbidden=(user.login, user.email or "")):
        return ResetResult(problem)
    spent = use_link_token(token, RESET_PASSWORD, session=session)
    if spent.state is not LinkState.VALID:
        return spent.state
    user.email_confirmed = True  # following the link proved the address, which is the LK's current one
    _set_password(user, password, session=session)
    return ResetResult()


def reset_by_sms(
    identifier: str, code: str, password: str, confirmation: str, *, ip: str, requester: str, session: Session
) -> ResetResult:
    """Set a new password with the SMS code this tab asked for; every refusal reads and costs the same for any LK.

    The order of the checks depends on nothing secret: the limits (by identifier and address), the password
    against what was typed, then the code — and every path that does not set the password burns one bcrypt,
    as setting it costs one.
    """
    key = identifier_key(identifier)
    if limits.admit(((limits.RESET_CODE_PER_IDENTIFIER, key), (limits.RESET_CODE_PER_IP, ip)), session=session):
        burn_verify_time(password)
        return ResetResult(CodeRefusal.TOO_MANY)
    if problem := password_problem(password, confirmation, forbidden=(identifier,)):
        burn_verify_time(password)
        return ResetResult(problem)
    user = find_user(identifier, session=session)
    phone = user.phone if user is not None and user.phone_confirmed else None
    verdict = check_sms_code(phone, RESET_PASSWORD, code, requester=requester, session=session) if phone else None
    if verdict is None or verdict.outcome is not Check.OK:
        burn_verify_time(password)
        return ResetResult(CodeRefusal.WRONG_CODE)
    # Only one who holds the code learns that the password may not equal the LK's login or e-mail.
    if problem := password_problem(password, confirmation, forbidden=(user.login, user.email or "")):
        burn_verify_time(password)
        return ResetResult(problem)
    _set_password(user, password, session=session)
    return ResetResult()


def _set_password(user: LkUser, password: str, *, session: Session) -> None:
    """The new hash; a new epoch ends every session, link and code, the lock is lifted, and the owner is told."""
    user.password_hash = hash_password(password)
    tell_owner(user, Change.RESET, session=session)
    bump_epoch(user, session=session)
    limits.forget(limits.LOGIN_PER_IDENTIFIER, user.login_key, session=session)


class Disowned(enum.Enum):
    """What "it wasn't me" did, after ending every session: where the way back to the LK went."""

    RESET_LINK_SENT = "reset_link_sent"  # a reset link to the notice's address, the LK's e-mail again
    PHONE_RESTORED = "phone_restored"  # the phone is the notice's number again: recover by SMS


def not_me_link(token: str, *, session: Session) -> LinkCheck:
    """The verdict on an "it wasn't me" link, without using it."""
    return find_link_token(token, NOT_ME_PURPOSES, session=session)


def disown_change(token: str, *, session: Session) -> Disowned | LinkState:
    """The "it wasn't me" answer: end every session, grant, link and code, put back the contact the notice went to, start recovery.

    The notice went to the e-mail or phone the LK had before the change: if the change moved the LK away from it,
    it comes back (confirmed: the link proves it is held), so an intruder's new address loses the LK again.
    """
    found = not_me_link(token, session=session)
    if found.state is not LinkState.VALID:
        return found.state
    spent = use_link_token(token, found.token.purpose, session=session)
    if spent.state is not LinkState.VALID:
        return spent.state
    user = session.get(LkUser, spent.token.user_id)
    if spent.token.purpose == NOT_ME_EMAIL:
        user.email, user.email_confirmed = spent.token.email, True
    else:
        user.phone, user.phone_confirmed = spent.token.email, True
    bump_epoch(user, session=session)
    if spent.token.purpose == NOT_ME_EMAIL:
        _mail_reset_link(user, user.email, session=session)
        return Disowned.RESET_LINK_SENT
    return Disowned.PHONE_RESTORED
