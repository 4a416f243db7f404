"""The LK's credential epoch, what a change of it ends, and the notice with "it wasn't me" to the channels it had before."""

import enum
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from lk_app.messaging.outbox import queue_email, queue_sms
from lk_app.models import AuthSession, LkUser
from lk_app.messaging.templates import change_notice_sms
from lk_app.services.email_links import NOT_ME_EMAIL, NOT_ME_PHONE, issue_link_token
from lk_app.services.sessions import revoke_user_sessions
from lk_app.services.tokens import secret_hash
from lk_app.settings import get_settings

NOT_ME_TTL = timedelta(days=7)


class Change(enum.Enum):
    """What happened to the LK's credentials; the notice names it and nothing more (not the new address)."""

    PASSWORD = "password"
    RESET = "reset"
    EMAIL_REQUESTED = "email_requested"
    EMAIL = "email"
    PHONE = "phone"
    SESSIONS_ENDED = "sessions_ended"
    OPERATOR_EMAIL = "operator_email"


def bump_epoch(user: LkUser, *, keep_session: str | None = None, session: Session) -> None:
    """Start a new credential epoch: every session, grant, link and code issued before it is refused from now on.

    `keep_session` (the browser that made the change) moves to the new epoch; the others are also marked revoked
    so the session list shows them gone, but what refuses them is the epoch, checked wherever one is redeemed.
    """
    user.credential_epoch += 1
    session.add(user)
    session.flush()
    revoke_user_sessions(user.id, keep=keep_session, session=session)
    if keep_session:
        session.exec(
            update(AuthSession)
            .where(AuthSession.id_hash == secret_hash(keep_session), AuthSession.user_id == user.id)
            .values(epoch=user.credential_epoch)
        )


def tell_owner(user: LkUser, change: Change, *, session: Session) -> None:
    """Tell the e-mail and the confirmed phone the LK has now, before `change` is made, each with an «Это не я» link.

    Call it before changing the contact: the channels told are the ones the LK had before the change.
    """
    email, phone = user.email, user.phone if user.phone_confirmed else None
    base = get_settings().public_url.rstrip("/")
    if email:
        token = issue_link_token(user.id, NOT_ME_EMAIL, email, NOT_ME_TTL, session=session)
        queue_email(session=session, to=email, template="credentials_changed", login=user.login, change=change.value,
                    link=f"{base}/confirm?token={token}")
    if phone:
        token = issue_link_token(user.id, NOT_ME_PHONE, phone, NOT_ME_TTL, session=session)
        queue_sms(session=session, to=phone, text=change_notice_sms(change.value, f"{base}/confirm?token={token}"))
