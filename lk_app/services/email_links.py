"""Single-use e-mail link tokens: registration confirmation, password reset, a new e-mail address, a bill address."""

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from lk_app.clock import now
from lk_app.messaging.outbox import queue_email
from lk_app.models import LkUser, OneTimeToken
from lk_app.services.tokens import new_secret, secret_hash
from lk_app.settings import get_settings

CONFIRM_REGISTRATION = "confirm_registration"
# "It wasn't me" links of a change notice: they outlive the epoch they were sent under, since the next change an intruder
# makes must not kill the owner's way back.
NOT_ME_EMAIL = "not_me_email"
NOT_ME_PHONE = "not_me_phone"
NOT_ME_PURPOSES = (NOT_ME_EMAIL, NOT_ME_PHONE)


class LinkState(enum.Enum):
    """What a presented link token turned out to be."""

    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LinkCheck:
    """The verdict on a token and, when it names one, the row it belongs to."""

    state: LinkState
    token: OneTimeToken | None = None


def issue_link_token(
    user_id: int, purpose: str, email: str, ttl: timedelta, *, per_address: bool = False, session: Session
) -> str:
    """A new 256-bit token for the user; every older unused token of that purpose dies.

    With `per_address` only the older tokens for the same address die: an LK may be confirming several addresses
    for its bills at once. "It wasn't me" links never replace each other: each notice must keep its way back.
    """
    moment = now()
    if purpose not in NOT_ME_PURPOSES:
        revoke_link_tokens(user_id, purpose, email=email if per_address else None, session=session)
    token = new_secret(256)
    epoch = session.exec(select(LkUser.credential_epoch).where(LkUser.id == user_id)).one()
    session.add(
        OneTimeToken(token_hash=secret_hash(token), user_id=user_id, purpose=purpose, email=email, epoch=epoch,
                     expires_at=moment + ttl)
    )
    session.flush()
    return token


def mail_link(user: LkUser, purpose: str, to: str, *, ttl_hours: int, page: str, template: str, session: Session) -> None:
    """A fresh link for `to` to `page` (built on LK_PUBLIC_URL, never on a request), queued in the caller's transaction."""
    token = issue_link_token(user.id, purpose, to, timedelta(hours=ttl_hours), session=session)
    link = f"{get_settings().public_url.rstrip('/')}{page}?token={token}"
    queue_email(session=session, to=to, template=template, link=link, login=user.login, ttl_hours=ttl_hours)


def revoke_link_tokens(user_id: int, purpose: str, *, email: str | None = None, session: Session) -> None:
    """Kill every unused token of the user for that purpose (for that address only, when one is given)."""
    statement = update(OneTimeToken).where(
        OneTimeToken.user_id == user_id,
        OneTimeToken.purpose == purpose,
        OneTimeToken.used_at.is_(None),
        OneTimeToken.revoked_at.is_(None),
    )
    if email is not None:
        statement = statement.where(OneTimeToken.email == email)
    session.exec(statement.values(revoked_at=now()))


def check_link_token(token: str, purpose: str, *, session: Session) -> LinkCheck:
    """Whether the token can still be used, without using it."""
    return find_link_token(token, (purpose,), session=session)


def find_link_token(token: str, purposes: tuple[str, ...], *, session: Session) -> LinkCheck:
    """Whether a token made for one of `purposes` can still be used; its row tells which purpose."""
    if not token or len(token) > 200:
        return LinkCheck(LinkState.UNKNOWN)
    found = session.exec(
        select(OneTimeToken, LkUser.credential_epoch)
        .join(LkUser, LkUser.id == OneTimeToken.user_id)
        .where(OneTimeToken.token_hash == secret_hash(token), OneTimeToken.purpose.in_(purposes))
    ).first()
    if found is None:
        return LinkCheck(LinkState.UNKNOWN)
    row, epoch = found
    # A link of an older credential epoch died with it: a change of password, e-mail or phone ended it.
    outlived = row.epoch != epoch and row.purpose not in NOT_ME_PURPOSES
    if row.used_at is not None or row.revoked_at is not None or outlived:
        return LinkCheck(LinkState.USED, row)
    if row.expires_at <= now():
        return LinkCheck(LinkState.EXPIRED, row)
    return LinkCheck(LinkState.VALID, row)


def use_link_token(token: str, purpose: str, *, session: Session) -> LinkCheck:
    """Spend the token once: of two simultaneous uses only one sees VALID."""
    verdict = check_link_token(token, purpose, session=session)
    if verdict.state is not LinkState.VALID:
        return verdict
    spent = session.exec(
        update(OneTimeToken)
        .where(OneTimeToken.id == verdict.token.id, OneTimeToken.used_at.is_(None), OneTimeToken.revoked_at.is_(None))
        .values(used_at=now())
    )
    if spent.rowcount != 1:
        return LinkCheck(LinkState.USED, verdict.token)
    return verdict
