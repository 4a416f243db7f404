"""The customer's own settings: login, contacts, password and sessions."""

import reflex as rx

from lk_app.state.session import SessionState


class ProfileState(rx.State):
    """What the profile section shows; filled from the session on every load, never from the browser."""

    login: str = ""

    @rx.event
    async def load(self):
        """Require a live session."""
        session_state = await self.get_state(SessionState)
        user = await session_state._current_user()
        if user is None:
            return rx.redirect("/")
        self.login = user.login
        return None
