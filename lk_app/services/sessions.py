"""Server-side login sessions: grants traded for cookies, idle and absolute timeouts, revocation."""

from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import update
from sqlmodel import Session, select

from lk_app.clock import now
from lk_app.models import AuthSession, LkUser, LoginGrant
from lk_app.services.tokens import new_secret, secret_hash
from lk_app.settings import get_settings

SESSION_COOKIE = "lk_session"
LOGIN_NONCE_COOKIE = "lk_login_nonce"
GRANT_TTL = timedelta(seconds=60)
# Touching last_seen on every event would write on every click; a minute's precision suffices.
LAST_SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionUser:
    """Who a valid session belongs to: what states may keep."""

    user_id: int
    login: str
    role: str


def login_nonce_cookie(secure: bool) -> str:
    """The login nonce cookie's name: over https with the __Host- prefix, so no sibling subdomain can plant one."""
    return f"__Host-{LOGIN_NONCE_COOKIE}" if secure else LOGIN_NONCE_COOKIE


class BrowserGrant(NamedTuple):
    """What the login handler hands the browser: the grant for the URL and the nonce for the browser's cookie."""

    grant: str
    browser_nonce: str


def issue_login_grant(user_id: int, *, session: Session) -> BrowserGrant:
    """A single-use ticket, valid one minute, that the cookie route trades for a session beside its nonce cookie.

    The grant alone is not enough: a site that sends a victim's browser to the grant URL of the attacker's own LK
    (login CSRF) cannot also set our nonce cookie in that browser.
    """
    grant, nonce = new_secret(256), new_secret(256)
    epoch = session.exec(select(LkUser.credential_epoch).where(LkUser.id == user_id)).one()
    session.add(LoginGrant(grant_hash=secret_hash(grant), user_id=user_id, epoch=epoch,
                           browser_hash=secret_hash(nonce), expires_at=now() + GRANT_TTL))
    session.flush()
    return BrowserGrant(grant, nonce)


def redeem_login_grant(grant: str, browser_nonce: str, *, ip: str, user_agent: str, session: Session) -> str | None:
    """Spend the grant in the browser it was issued to and open a fresh session; returns the session id for the cookie."""
    if not grant or len(grant) > 200 or not browser_nonce or len(browser_nonce) > 200:
        return None
    spent = session.exec(
        update(LoginGrant)
        .where(LoginGrant.grant_hash == secret_hash(grant), LoginGrant.used_at.is_(None), LoginGrant.expires_at > now(),
               LoginGrant.browser_hash == secret_hash(browser_nonce))
        .values(used_at=now())
    )
    if spent.rowcount != 1:
        return None
    user_id, epoch = session.exec(
        select(LoginGrant.user_id, LoginGrant.epoch).where(LoginGrant.grant_hash == secret_hash(grant))
    ).one()
    if session.get(LkUser, user_id).credential_epoch != epoch:
        return None  # a change of credentials between the password check and the cookie ended this login too
    session_id = new_secret(128)
    session.add(AuthSession(id_hash=secret_hash(session_id), user_id=user_id, epoch=epoch, ip=ip[:45],
                            user_agent=user_agent[:300]))
    session.flush()
    return session_id


def resolve_session(session_id: str | None, *, session: Session) -> SessionUser | None:
    """The user of a live session, or None when it is unknown, revoked or timed out."""
    if not session_id or len(session_id) > 100:
        return None
    settings = get_settings()
    moment = now()
    row = session.exec(select(AuthSession).where(AuthSession.id_hash == secret_hash(session_id))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(LkUser, row.user_id)
    if row.epoch != user.credential_epoch:
        return None  # ended by a change of credentials, wherever it was made
    if moment - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes) or moment - row.created_at > timedelta(
        hours=settings.session_absolute_hours
    ):
        row.revoked_at = moment
        session.add(row)
        return None
    if moment - row.last_seen_at >= LAST_SEEN_PRECISION:
        row.last_seen_at = moment
        session.add(row)
    return SessionUser(user_id=user.id, login=user.login, role=user.role)


def revoke_user_sessions(user_id: int, *, keep: str | None = None, session: Session) -> int:
    """End every live session of the LK at once, except the one whose id is `keep`; returns how many ended."""
    statement = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep:
        statement = statement.where(AuthSession.id_hash != secret_hash(keep))
    return session.exec(statement.values(revoked_at=now())).rowcount or 0


def revoke_session(session_id: str | None, *, session: Session) -> None:
    """End one session at once (logout)."""
    if not session_id:
        return
    session.exec(
        update(AuthSession)
        .where(AuthSession.id_hash == secret_hash(session_id), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )
