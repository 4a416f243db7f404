"""Who is logged in: read from the HttpOnly session cookie, re-checked in the database on every use."""

import asyncio
import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

import reflex as rx

from lk_app.models import OPERATOR
from lk_app.services import db
from lk_app.services.sessions import SESSION_COOKIE, SessionUser, resolve_session, revoke_session


def backend_url(path: str, **params: str) -> str:
    """Where the browser reaches a backend route (the cookie routes, bill PDFs)."""
    url = rx.config.get_config().api_url.rstrip("/") + path
    if params:
        url += "?" + urlencode(params)
    return url


def navigate_to_backend(path: str, **params: str) -> rx.event.EventSpec:
    """Send the browser to a backend route (the cookie routes), in the same tab."""
    return rx.call_script(f"window.location.assign({json.dumps(backend_url(path, **params))})")


class SessionState(rx.State):
    """The login session of this browser tab; it keeps nothing the browser could forge."""

    def _session_id(self) -> str | None:
        try:
            cookie = SimpleCookie(self.router.headers.cookie or "")
        except CookieError:
            return None
        morsel = cookie.get(SESSION_COOKIE)
        return morsel.value if morsel else None

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    async def _current_user(self) -> SessionUser | None:
        """The user of a live session, checked afresh (a revoked session stops at its next event)."""
        return await asyncio.to_thread(db.run, resolve_session, self._session_id())

    async def _current_operator(self) -> SessionUser | None:
        """The user of a live session when the database says it is an operator's, checked afresh like the session."""
        user = await self._current_user()
        return user if user is not None and user.role == OPERATOR else None

    @rx.event
    async def log_out(self):
        """End the session on the server at once, then let the cookie route clear the cookie."""
        await asyncio.to_thread(db.run, revoke_session, self._session_id())
        return navigate_to_backend("/auth/logout")
