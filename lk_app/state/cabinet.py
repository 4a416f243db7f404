"""The customer's home: the linked accounts, the chosen account's card and its bills."""

import asyncio
import dataclasses

import reflex as rx

from lk_app import db
from lk_app.models import OPERATOR
from lk_app.services.accounts import choose_account
from lk_app.services.cabinet import AccountPage, account_page, cabinet_view
from lk_app.services.history import AccountHistory
from lk_app.state.readings import ReadingsState
from lk_app.state.session import SessionState, backend_url


@dataclasses.dataclass
class PaymentRow:
    """A payment as the page shows it."""

    paid_on: str = ""
    amount: str = ""


@dataclasses.dataclass
class MonthRow:
    """A month of the history table and chart."""

    month: str = ""
    kwh: str = ""
    charged: str = ""
    paid: str = ""


@dataclasses.dataclass
class BreakdownRow:
    """A tariff zone of «Почему такая сумма»."""

    zone: str = ""
    kwh: str = ""
    tariff: str = ""
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
    to_pay: str = ""
    payment_url: str = ""
    payment_qr_url: str = ""  # a backend route draws the code: in the state it would be most of every session's bytes
    months: list[MonthRow] = []
    chart: list[dict[str, str | float]] = []  # the months again, in the plain form recharts takes
    breakdown_month: str = ""
    breakdown: list[BreakdownRow] = []
    breakdown_total: str = ""
    bills: list[BillRow] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        """Require a live session, then show the account chosen last (or the first)."""
        self.loaded = False
        session_state = await self.get_state(SessionState)
        user = await session_state._current_user()
        if user is None:
            return await session_state._turn_away()
        if user.role == OPERATOR:
            return rx.redirect("/operator")  # every login lands here; an operator's work is in the console
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
            return await session_state._turn_away()
        number = str(number)[:20]
        if await asyncio.to_thread(db.run, choose_account, user.user_id, number):
            await self._show(number, await asyncio.to_thread(db.run, account_page, user.user_id, number))
        return None

    async def _refresh(self, user_id: int) -> None:
        """Read the LK's accounts and its remembered choice again (after a load, an addition or a removal)."""
        view = await asyncio.to_thread(db.run, cabinet_view, user_id)
        self.account_numbers = view.accounts.numbers
        await self._show(view.accounts.chosen, view.page)

    async def _show(self, number: str, page: AccountPage) -> None:
        """Show the account's page (every section cleared when there is none)."""
        self._show_history(number, page.history)
        (await self.get_state(ReadingsState))._show_form(number, page.readings)
        card = page.card
        if card is None:
            self.number = self.holder = self.address = self.balance = self.balance_note = ""
            self.payments, self.bills = [], []
            return
        self.number, self.holder, self.address = card.number, card.holder, card.address
        self.balance, self.balance_note = card.balance, card.balance_note
        self.payments = [PaymentRow(p.paid_on, p.amount) for p in card.payments]
        self.bills = [BillRow(b.title, b.charged, backend_url(f"/bills/{b.period}/{number}.pdf")) for b in page.bills]

    def _show_history(self, number: str, history: AccountHistory | None) -> None:
        """The amount to pay, the months and the breakdown of the account (cleared for none)."""
        if history is None:
            self.to_pay = self.payment_url = self.payment_qr_url = self.breakdown_month = self.breakdown_total = ""
            self.months, self.chart, self.breakdown = [], [], []
            return
        self.to_pay, self.payment_url = history.to_pay, history.payment_url
        self.payment_qr_url = backend_url(f"/payment-qr/{number}.svg")
        self.months = [
            MonthRow(m.month, m.kwh, m.charged, m.paid) for m in history.months
        ]
        self.chart = [{"month": m.short_month, "charged": m.charged_rubles, "paid": m.paid_rubles} for m in history.months]
        self.breakdown_month, self.breakdown_total = history.breakdown_month, history.breakdown_total
        self.breakdown = [BreakdownRow(b.zone, b.kwh, b.tariff, b.amount) for b in history.breakdown]
