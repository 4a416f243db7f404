"""The unsubscribe link of a bill e-mail: shows what it stops, and stops it only when the button is pressed."""

import reflex as rx

from lk_app.services.ebill_subscriptions import unsubscribe_by_token, unsubscribe_view
from lk_app.state.threads import in_transaction


class UnsubscribeState(rx.State):
    """What the link stands for; the token stays in the URL, never in a var."""

    status: str = "checking"  # checking | active | done | unknown
    account: str = ""  # masked: the page needs no login
    email: str = ""
    busy: bool = False

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    async def inspect(self):
        """On load: look the link up without using it (mail scanners open links too)."""
        token = self._token()
        view = await in_transaction(lambda session: unsubscribe_view(token, session=session))
        self.account, self.email = (view.account, view.email) if view else ("", "")
        self.status = "unknown" if view is None else ("active" if view.active else "done")

    @rx.event
    async def unsubscribe(self):
        """«Отписаться»: no more bills of that account to that address."""
        self.busy = True
        yield
        token = self._token()
        view = await in_transaction(lambda session: unsubscribe_by_token(token, session=session))
        self.busy = False
        self.status = "unknown" if view is None else "done"
