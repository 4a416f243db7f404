"""The LK's billing accounts in /settings with each one's bill by e-mail, and the «Добавить лицевой счёт» dialog."""

import reflex as rx

from lk_app.services.accounts import (
    AddOutcome,
    LinkedAccount,
    Refusal,
    Removal,
    add_account,
    linked_accounts,
    remove_account,
)
from lk_app.services.ebill_subscriptions import SaveOutcome, SubscriptionView, save_subscription, subscriptions_of
from lk_app.state.cabinet import CabinetState
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.cabinet import ACCOUNT_ADDED, EBILL_OUTCOMES, REMOVALS, add_refusal

NUMBER_FIELD = "add_account_number"
AMOUNT_FIELD = "add_account_amount"
# The field each refusal stands by; the rest (the cap, the failure limits) belong to the dialog as a whole.
REFUSAL_FIELDS = {
    Refusal.NUMBER_FORMAT: NUMBER_FIELD,
    Refusal.ALREADY_HERE: NUMBER_FIELD,
    Refusal.AMOUNT_MISSING: AMOUNT_FIELD,
    Refusal.AMOUNT_WITHOUT_KOPECKS: AMOUNT_FIELD,
    Refusal.AMOUNT_FORMAT: AMOUNT_FIELD,
    Refusal.AMOUNT_ZERO: AMOUNT_FIELD,
    Refusal.MISMATCH: AMOUNT_FIELD,
}
# What «Сохранить» under an account shows as a notice; its other outcomes are refusals by the address field.
EBILL_NOTICES = {SaveOutcome.SUBSCRIBED, SaveOutcome.LINK_SENT, SaveOutcome.UNSUBSCRIBED}


def refusal_messages(outcome: AddOutcome) -> dict[str, str]:
    """Each refusal's message under its field (the key "" for the dialog as a whole)."""
    return {REFUSAL_FIELDS.get(refusal, ""): add_refusal(refusal, outcome) for refusal in outcome.refusals}


class AccountsState(rx.State):
    """The LK's accounts, the add dialog with what was typed and its refusals, and the removal waiting for «Удалить»."""

    accounts: list[LinkedAccount] = []
    ebills: dict[str, SubscriptionView] = {}  # each account's bill by e-mail, by number
    ebill_notices: dict[str, str] = {}  # what the last «Сохранить» came to, under its account
    ebill_errors: dict[str, str] = {}
    loaded: bool = False
    dialog_open: bool = False
    number: str = ""
    amount: str = ""
    errors: dict[str, str] = {}
    busy: bool = False
    notice: str = ""
    list_error: str = ""
    removing: str = ""

    @rx.var
    def number_error(self) -> str:
        """The error of «Лицевой счёт»."""
        return self.errors.get(NUMBER_FIELD, "")

    @rx.var
    def amount_error(self) -> str:
        """The error of «Сумма последнего платежа»."""
        return self.errors.get(AMOUNT_FIELD, "")

    @rx.var
    def form_error(self) -> str:
        """A refusal of the dialog as a whole: the cap or the failure limits."""
        return self.errors.get("", "")

    @rx.event
    def start(self):
        """A visit starts with the dialog closed and no message."""
        self._start()

    def _start(self) -> None:
        self.dialog_open = False
        self.removing = self.notice = self.list_error = ""

    @rx.event
    async def visit_cabinet(self):
        """The cabinet opens with no dialog left from «Настройки»; for an LK without an account, with the dialog.

        One event decides both: a dialog opened on mount and closed by the visit's start would race on a reload.
        """
        self._start()
        user = await (await self.get_state(SessionState))._current_user()
        if user is not None and not await in_transaction(lambda session: linked_accounts(user.user_id, session=session)):
            self._open()

    @rx.event
    async def load(self):
        """Require a live session, then list the LK's accounts (again after a reconnect: an open dialog stays)."""
        user = await (await self.get_state(SessionState))._current_user()
        if user is None:
            return await (await self.get_state(SessionState))._turn_away()
        await self._refresh(user.user_id)
        self.loaded = True
        return None

    @rx.event
    def open_dialog(self):
        """«Добавить лицевой счёт»: an empty dialog."""
        self._open()

    def _open(self) -> None:
        self.number = self.amount = ""
        self.errors = {}
        self.busy = False
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, is_open: bool):
        """The dialog opened or closed by «Закрыть», Escape or a click outside."""
        self.dialog_open = bool(is_open)

    @rx.event
    async def add(self, form_data: dict):
        """«Отправить»: link the account when its number and a recent payment match."""
        user = await (await self.get_state(SessionState))._current_user()
        if user is None:
            yield await (await self.get_state(SessionState))._turn_away()
            return
        self.number = str(form_data.get(NUMBER_FIELD, "")).strip()[:40]
        self.amount = str(form_data.get(AMOUNT_FIELD, "")).strip()[:40]
        self.busy = True
        yield
        number, amount = self.number, self.amount
        outcome = await in_transaction(lambda session: add_account(user.user_id, number, amount, session=session))
        self.busy = False
        if not outcome.added:
            self.errors = refusal_messages(outcome)
            yield rx.set_focus(AMOUNT_FIELD if NUMBER_FIELD not in self.errors else NUMBER_FIELD)
            return
        self.errors = {}
        self.number = self.amount = ""
        self.dialog_open = False
        self.notice = ACCOUNT_ADDED.format(number=outcome.number)
        self.list_error = ""
        await self._refresh(user.user_id)
        # The cabinet behind the dialog, or the one the customer opens next, shows the new account at once.
        await (await self.get_state(CabinetState))._refresh(user.user_id)

    @rx.event
    def ask_remove(self, number: str):
        """«Удалить» by an account: ask for confirmation first."""
        number = str(number)[:20]
        if any(row.number == number and not row.primary for row in self.accounts):
            self.removing = number

    @rx.event
    def set_remove_open(self, is_open: bool):
        """The confirmation closed by «Отмена» or Escape."""
        if not is_open:
            self.removing = ""

    @rx.event
    async def remove(self):
        """The confirmed removal; the number is looked up among the LK's own accounts only."""
        user = await (await self.get_state(SessionState))._current_user()
        if user is None:
            return await (await self.get_state(SessionState))._turn_away()
        number, self.removing = self.removing, ""
        removal = await in_transaction(lambda session: remove_account(user.user_id, number, session=session))
        message = REMOVALS[removal].format(number=number)
        self.notice, self.list_error = (message, "") if removal is Removal.REMOVED else ("", message)
        await self._refresh(user.user_id)
        await (await self.get_state(CabinetState))._refresh(user.user_id)
        return None

    @rx.event
    async def save_ebill(self, form_data: dict):
        """«Сохранить» under an account: its bill by e-mail on or off, at the address in the field."""
        user = await (await self.get_state(SessionState))._current_user()
        if user is None:
            return await (await self.get_state(SessionState))._turn_away()
        number = str(form_data.get("account", ""))[:20]
        wanted = bool(form_data.get("ebill_on"))
        email = str(form_data.get("ebill_email", "")).strip()[:254]
        outcome, address = await in_transaction(
            lambda session: save_subscription(user.user_id, number, wanted, email, session=session)
        )
        await self._refresh(user.user_id)
        message = EBILL_OUTCOMES[outcome].format(number=number, email=address)
        if outcome in EBILL_NOTICES:
            self.ebill_notices = {number: message}
        else:
            self.ebill_errors = {number: message}
        if outcome is SaveOutcome.NOT_LINKED:
            self.list_error = message
        return None

    async def _refresh(self, user_id: int) -> None:
        """The accounts and their bills by e-mail read again; what an earlier «Сохранить» came to is cleared."""
        self.accounts, self.ebills = await in_transaction(lambda session: _accounts_with_ebills(user_id, session=session))
        self.ebill_notices, self.ebill_errors = {}, {}


def _accounts_with_ebills(user_id: int, *, session):
    """The LK's accounts and their e-bill settings, read in one transaction so that both name the same accounts."""
    return linked_accounts(user_id, session=session), subscriptions_of(user_id, session=session)
