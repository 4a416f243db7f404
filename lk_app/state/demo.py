"""Demo mode: sample accounts on the login page and the outbox of every message sent."""

import dataclasses

import reflex as rx

from lk_app.services.demo import OutboxView, demo_sample_accounts, recent_messages
from lk_app.settings import get_settings
from lk_app.state.threads import in_transaction


@dataclasses.dataclass
class SampleAccount:
    """A demo account a presenter can type into «Первый вход»."""

    number: str = ""
    surname: str = ""


class DemoState(rx.State):
    """Demo data for the pages; empty unless demo mode is on (LK_DEMO, see Settings.demo_mode)."""

    enabled: bool = False
    samples: list[SampleAccount] = []
    messages: list[OutboxView] = []
    payment_account: str = ""
    payment_amount: str = ""

    @rx.event
    async def load_samples(self):
        """The login page's sample accounts (only in demo mode)."""
        self.enabled = get_settings().demo_mode
        if self.enabled:
            rows = await in_transaction(lambda session: demo_sample_accounts(session=session))
            self.samples = [SampleAccount(number, surname) for number, surname in rows]

    @rx.event
    def load_payment(self):
        """The demo's stand-in for a supplier's payment page: the account and amount «Оплатить» sent here."""
        self.enabled = get_settings().demo_mode
        query = self.router.url.query_parameters
        self.payment_account = str(query.get("account", ""))[:20] if self.enabled else ""
        self.payment_amount = str(query.get("amount", ""))[:20] if self.enabled else ""

    @rx.event
    async def load_outbox(self):
        """Every message the app produced, newest first; a 404-like page outside demo mode."""
        self.enabled = get_settings().demo_mode
        if not self.enabled:
            self.messages = []
            return
        self.messages = await in_transaction(lambda session: recent_messages(session=session))
