"""The customer's home: the linked accounts, the chosen account's card and its bills."""

import asyncio
import dataclasses

import reflex as rx

from lk_app.services import db
from lk_app.services.accounts import account_card, cabinet_accounts, choose_account
from lk_app.services.ebills import account_bills
from lk_app.state.session import SessionState, backend_url


@dataclasses.dataclass
class PaymentRow:
    """A payment as the page shows it."""

    paid_on: str = ""
    amount: str = ""


@dataclasses.dataclass
class BillRow:
    """A month's bill and where its PDF is downloaded (a backend route, authorised by the session cookie)."""

    title: str = ""
    charged: str = ""
    href: str = ""


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
    bills: list[BillRow] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        """Require a live session, then show the account chosen last (or the first)."""
        self.loaded = False
        session_state = await self.get_state(SessionState)
        user = await session_state._current_user()
        if user is None:
            return rx.redirect("/")
        self.login = user.login
        await self._refresh(user.user_id)
        self.loaded = True
        return None

    @rx.event
    async def choose(self, number: str):
        """Switch to another of the LK's own accounts and remember it for the next visit."""
        session_state = await self.get_state(SessionState)
        user = await session_state._current_user()
        if user is None:
            return rx.redirect("/")
        number = str(number)[:20]
        if await asyncio.to_thread(db.run, choose_account, user.user_id, number):
            await self._show(user.user_id, number)
        return None

    async def _refresh(self, user_id: int) -> None:
        """Read the LK's accounts and its remembered choice again (after a load, an addition or a removal)."""
        accounts = await asyncio.to_thread(db.run, cabinet_accounts, user_id)
        self.account_numbers = accounts.numbers
        await self._show(user_id, accounts.chosen)

    async def _show(self, user_id: int, number: str) -> None:
        card = await asyncio.to_thread(db.run, account_card, user_id, number) if number else None
        if card is None:
            self.number = self.holder = self.address = self.balance = self.balance_note = ""
            self.payments, self.bills = [], []
            return
        self.number, self.holder, self.address = card.number, card.holder, card.address
        self.balance, self.balance_note = card.balance, card.balance_note
        self.payments = [PaymentRow(p.paid_on, p.amount) for p in card.payments]
        bills = await asyncio.to_thread(db.run, account_bills, user_id, number)
        self.bills = [BillRow(b.title, b.charged, backend_url(f"/bills/{b.period}/{number}.pdf")) for b in bills]
