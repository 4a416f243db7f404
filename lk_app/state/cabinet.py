"""The customer's home: the linked accounts and the chosen account's card."""

import asyncio
import dataclasses

import reflex as rx

from lk_app.services import db
from lk_app.services.accounts import account_card, linked_account_numbers
from lk_app.state.session import SessionState


@dataclasses.dataclass
class PaymentRow:
    """A payment as the page shows it."""

    paid_on: str = ""
    amount: str = ""


class CabinetState(rx.State):
    """What the cabinet shows; filled from the session on every load, never from the browser."""

    login: str = ""
    account_numbers: list[str] = []
    number: str = ""
    holder: str = ""
    address: str = ""
    balance: str = ""
    balance_note: str = ""
    payments: list[PaymentRow] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        """Require a live session, then show its first account (or the chosen one)."""
        self.loaded = False
        session_state = await self.get_state(SessionState)
        user = await session_state._current_user()
        if user is None:
            return rx.redirect("/")
        self.login = user.login
        self.account_numbers = await asyncio.to_thread(db.run, linked_account_numbers, user.user_id)
        wanted = self.number if self.number in self.account_numbers else next(iter(self.account_numbers), "")
        await self._show(user.user_id, wanted)
        self.loaded = True
        return None

    @rx.event
    async def choose(self, number: str):
        """Switch to another of the LK's own accounts."""
        session_state = await self.get_state(SessionState)
        user = await session_state._current_user()
        if user is None:
            return rx.redirect("/")
        await self._show(user.user_id, str(number)[:20])
        return None

    async def _show(self, user_id: int, number: str) -> None:
        card = await asyncio.to_thread(db.run, account_card, user_id, number) if number else None
        if card is None:
            self.number = self.holder = self.address = self.balance = self.balance_note = ""
            self.payments = []
            return
        self.number, self.holder, self.address = card.number, card.holder, card.address
        self.balance, self.balance_note = card.balance, card.balance_note
        self.payments = [PaymentRow(p.paid_on, p.amount) for p in card.payments]
