"""Who is logged in: read from the HttpOnly session cookie, re-checked in the database on every use."""

import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

import reflex as rx

from lk_app.models import OPERATOR
from lk_app.services.sessions import (
    SESSION_COOKIE,
    BrowserGrant,
    SessionUser,
    login_nonce_cookie,
    resolve_session,
    revoke_session,
)
from lk_app.settings import get_settings
from lk_app.state.threads import in_transaction


def backend_url(path: str, **params: str) -> str:
    """Where the browser reaches a backend route (the cookie routes, bill PDFs)."""
    url = rx.config.get_config().api_url.rstrip("/") + path
    if params:
        url += "?" + urlencode(params)
    return url


def enter_with(grant: BrowserGrant) -> rx.event.EventSpec:
    """Give this browser the grant's nonce cookie, then send it, in the same tab, to trade the grant for a session."""
    secure = get_settings().secure_cookies
    cookie = f"{login_nonce_cookie(secure)}={grant.browser_nonce}; Path=/; Max-Age=120; SameSite=Strict"
    if secure:
        cookie += "; Secure"
    url = backend_url("/auth/session", grant=grant.grant)
    return rx.call_script(f"document.cookie = {json.dumps(cookie)}; window.location.assign({json.dumps(url)})")


def post_to_logout() -> rx.event.EventSpec:
    """Send the browser to the logout route by a POST from this page, which is how the route knows it is LK's own."""
    url = json.dumps(backend_url("/auth/logout"))
    return rx.call_script(
        f"{{ const form = document.createElement('form'); form.method = 'post'; form.action = {url}; "
        "document.body.appendChild(form); form.submit(); }"
    )


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
        session_id = self._session_id()
        return await in_transaction(lambda session: resolve_session(session_id, session=session))

    async def _current_operator(self) -> SessionUser | None:
        """The user of a live session when the database says it is an operator's, checked afresh like the session."""
        user = await self._current_user()
        return user if user is not None and user.role == OPERATOR else None

    async def _forget_lk(self) -> None:
        """Empty every LK state of this tab (what a page showed of an LK), so nothing of it is sent to the tab again."""
        for state_class in self.get_root_state().get_substates():
            if state_class.__module__.startswith("lk_app.state.") and state_class is not SessionState:
                (await self.get_state(state_class)).reset()

    async def _turn_away(self) -> rx.event.EventSpec:
        """The answer to a load or an event without a live session: the tab forgets the LK and goes to the login page."""
        await self._forget_lk()
        return rx.redirect("/")

    @rx.event
    async def log_out(self):
        """End the session on the server at once, empty the tab, then let the cookie route clear the cookie."""
        session_id = self._session_id()
        await in_transaction(lambda session: revoke_session(session_id, session=session))
        await self._forget_lk()
        return post_to_logout()
