"""The customer's home: the linked accounts, the chosen account's card and its bills."""

import dataclasses

import reflex as rx

from lk_app.models import OPERATOR
from lk_app.services.accounts import choose_account
from lk_app.services.cabinet import AccountPage, PaymentLine, account_page, cabinet_view
from lk_app.services.history import AccountHistory, BreakdownLine
from lk_app.settings import get_settings
from lk_app.state.readings import ReadingsState
from lk_app.state.session import SessionState, backend_url
from lk_app.state.threads import in_transaction
from lk_app.texts.cabinet import STANDING_NOTES, STANDINGS, account_choice, month_name, month_name_lower, short_month


@dataclasses.dataclass
class AccountChoice:
    """An account of the switcher: its number, and the words that name it (number and address)."""

    number: str = ""
    label: str = ""


@dataclasses.dataclass
class MonthRow:
    """A month of «Начисления», named in words."""

    month: str = ""
    kwh: str = ""
    charged: str = ""


@dataclasses.dataclass
class ChartMonth:
    """A month of the chart: its short name, each bar's height as a share of the tallest, and what each bar says."""

    month: str = ""
    charged_height: str = ""  # a CSS percentage; "" draws no bar
    paid_height: str = ""
    charged: str = ""
    paid: str = ""


def bar_height(rubles: float, tallest: float) -> str:
    """A bar's height as a CSS percentage of the tallest bar; "" for nothing to draw."""
    return f"{100 * rubles / tallest:.1f}%" if rubles > 0 and tallest > 0 else ""


@dataclasses.dataclass
class BillRow:
    """A month's bill of «Счета»: the month in words and the period its PDF is filed under."""

    month: str = ""
    period: str = ""


class CabinetState(rx.State):
    """What the cabinet shows; filled from the session on every load, never from the browser."""

    login: str = ""
    accounts: list[AccountChoice] = []
    number: str = ""
    holder: str = ""
    address: str = ""
    balance: str = ""
    standing: str = ""  # the Standing's value: the pay card's colour
    standing_label: str = ""
    standing_note: str = ""
    payments: list[PaymentLine] = []
    payment_url: str = ""
    # «Оплатить» opens the dialog «Оплата» (through YooKassa, or in demo mode to say what it needs); else the link.
    pays_in_lk: bool = False
    payment_qr_url: str = ""  # a backend route draws the code: in the state it would be most of every session's bytes
    bills_url: str = ""  # where the account's bill PDFs are downloaded: a backend route, authorised by the session cookie
    months: list[MonthRow] = []  # the newest first
    chart: list[ChartMonth] = []  # the months oldest first, with payments
    breakdown_month: str = ""
    breakdown: list[BreakdownLine] = []
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
        settings = get_settings()
        self.pays_in_lk = settings.has_acquirer or settings.demo_mode
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
        if await in_transaction(lambda session: choose_account(user.user_id, number, session=session)):
            await self._show(number, await in_transaction(lambda session: account_page(user.user_id, number, session=session)))
        return None

    async def _refresh(self, user_id: int) -> None:
        """Read the LK's accounts and its remembered choice again (after a load, an addition or a removal)."""
        view = await in_transaction(lambda session: cabinet_view(user_id, session=session))
        self.accounts = [AccountChoice(account.number, account_choice(account)) for account in view.accounts.accounts]
        await self._show(view.accounts.chosen, view.page)

    async def _show(self, number: str, page: AccountPage) -> None:
        """Show the account's page (every section cleared when there is none)."""
        self._show_history(number, page.history)
        (await self.get_state(ReadingsState))._show_form(number, page.readings)
        card = page.card
        if card is None:
            self.number = self.holder = self.address = self.balance = self.bills_url = ""
            self.standing = self.standing_label = self.standing_note = ""
            self.payments, self.bills = [], []
            return
        self.number, self.holder, self.address = card.number, card.holder, card.address
        self.balance, self.standing = card.balance, card.standing.value
        self.standing_label, self.standing_note = STANDINGS[card.standing], STANDING_NOTES[card.standing]
        self.payments = card.payments
        self.bills = [BillRow(month_name(bill.period), bill.period) for bill in page.bills]
        self.bills_url = backend_url("/bills/")

    def _show_history(self, number: str, history: AccountHistory | None) -> None:
        """The payment link, the months and the breakdown of the account (cleared for none)."""
        if history is None:
            self.payment_url = self.payment_qr_url = self.breakdown_month = self.breakdown_total = ""
            self.months, self.chart, self.breakdown = [], [], []
            return
        self.payment_url = history.payment_url
        self.payment_qr_url = backend_url(f"/payment-qr/{number}.svg")
        self.months = [MonthRow(month_name(m.period), m.kwh, m.charged) for m in reversed(history.months)]
        tallest = max((max(m.charged_rubles, m.paid_rubles) for m in history.months), default=0)
        self.chart = [ChartMonth(short_month(m.period), bar_height(m.charged_rubles, tallest),
                                 bar_height(m.paid_rubles, tallest), m.charged, m.paid) for m in history.months]
        self.breakdown_month = month_name_lower(history.breakdown_period) if history.breakdown_period else ""
        self.breakdown_total, self.breakdown = history.breakdown_total, history.breakdown
