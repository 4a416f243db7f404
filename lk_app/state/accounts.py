"""The LK's billing accounts in /settings with each one's bill by e-mail, and the «Добавить лицевой счёт» dialog."""

import asyncio
import dataclasses
import math

import reflex as rx

from lk_app import db
from lk_app.services.accounts import AddOutcome, Refusal, Removal, add_account, linked_accounts, remove_account
from lk_app.services.ebills import SaveOutcome, save_subscription, subscriptions_of
from lk_app.services.registration import ACCOUNT_NUMBER_FORMAT
from lk_app.settings import get_settings
from lk_app.state.cabinet import CabinetState
from lk_app.state.session import SessionState

NUMBER_FIELD = "add_account_number"
AMOUNT_FIELD = "add_account_amount"
# Which field each refusal belongs to ("" for the dialog as a whole) and what it says.
REFUSALS = {
    Refusal.NUMBER_FORMAT: (NUMBER_FIELD, ACCOUNT_NUMBER_FORMAT),
    Refusal.ALREADY_HERE: (NUMBER_FIELD, "Этот лицевой счёт уже есть в вашем Личном кабинете."),
    Refusal.AMOUNT_MISSING: (AMOUNT_FIELD, "Укажите сумму последнего платежа, например 1234,00."),
    Refusal.AMOUNT_WITHOUT_KOPECKS: (AMOUNT_FIELD, "Укажите сумму с копейками, например 1234,00."),
    Refusal.AMOUNT_FORMAT: (AMOUNT_FIELD, "Укажите сумму цифрами, с копейками через запятую или точку: 1234,00."),
    Refusal.AMOUNT_ZERO: (AMOUNT_FIELD, "Сумма платежа должна быть больше нуля."),
    Refusal.MISMATCH: (AMOUNT_FIELD, "Платёж на эту сумму за последние 3 месяца не найден. Проверьте номер счёта и сумму."),
    Refusal.CAP_REACHED: ("", "К одному e-mail можно привязать не более {cap} лицевых счетов. Удалите ненужный счёт, чтобы добавить новый."),
    Refusal.LIMITED: ("", "Слишком много неверных попыток. Попробуйте снова через {wait} или позвоните в контакт-центр."),
}
# Whether each outcome of «Сохранить» under an account is a notice (True) or a refusal by the address field, and its words.
EBILL_OUTCOMES = {
    SaveOutcome.SUBSCRIBED: (True, "Счета по лицевому счёту {number} будут приходить на {email}."),
    SaveOutcome.LINK_SENT: (True, "На {email} отправлена ссылка. Счета начнут приходить после того, как вы подтвердите "
                                  "адрес."),
    SaveOutcome.UNSUBSCRIBED: (True, "Счета по лицевому счёту {number} больше не будут приходить на e-mail."),
    SaveOutcome.EMAIL_MISSING: (False, "Укажите e-mail, на который присылать счета."),
    SaveOutcome.EMAIL_FORMAT: (False, "Укажите e-mail в виде name@example.ru."),
    SaveOutcome.LIMITED: (False, "Слишком много писем с подтверждением за час. Попробуйте позже."),
    SaveOutcome.NOT_LINKED: (False, "Этого лицевого счёта нет в вашем Личном кабинете."),
}
REMOVALS = {
    Removal.REMOVED: "Лицевой счёт {number} удалён из Личного кабинета.",
    Removal.PRIMARY: "Лицевой счёт, с которым зарегистрирован Личный кабинет, удалить нельзя.",
    Removal.NOT_LINKED: "Этого лицевого счёта нет в вашем Личном кабинете.",
}


def wait_phrase(seconds: int) -> str:
    """«3 ч 15 мин», «40 мин»: a wait rounded up to whole minutes."""
    hours, minutes = divmod(max(1, math.ceil(seconds / 60)), 60)
    return " ".join(part for part in (f"{hours} ч" if hours else "", f"{minutes} мин" if minutes else "") if part)


def refusal_messages(outcome: AddOutcome) -> dict[str, str]:
    """Each refusal's message under its field (the key "" for the dialog as a whole)."""
    values = {"cap": get_settings().max_accounts_per_email, "wait": wait_phrase(outcome.retry_after_seconds)}
    return {REFUSALS[refusal][0]: REFUSALS[refusal][1].format(**values) for refusal in outcome.refusals}


@dataclasses.dataclass
class LinkedAccountRow:
    """An account in the settings list, with its bill by e-mail and what its last «Сохранить» came to."""

    number: str = ""
    address: str = ""
    primary: bool = False
    ebill_on: bool = False
    ebill_email: str = ""
    ebill_confirmed: bool = False
    ebill_notice: str = ""
    ebill_error: str = ""


class AccountsState(rx.State):
    """The LK's accounts, the add dialog with what was typed and its refusals, and the removal waiting for «Удалить»."""

    accounts: list[LinkedAccountRow] = []
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
        self.dialog_open = False
        self.removing = self.notice = self.list_error = ""

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
        outcome = await asyncio.to_thread(db.run, add_account, user.user_id, self.number, self.amount)
        self.busy = False
        if not outcome.added:
            self.errors = refusal_messages(outcome)
            yield rx.set_focus(AMOUNT_FIELD if NUMBER_FIELD not in self.errors else NUMBER_FIELD)
            return
        self.errors = {}
        self.number = self.amount = ""
        self.dialog_open = False
        self.notice = f"Лицевой счёт {outcome.number} добавлен."
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
        removal = await asyncio.to_thread(db.run, remove_account, user.user_id, number)
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
        outcome, address = await asyncio.to_thread(db.run, save_subscription, user.user_id, number, wanted, email)
        await self._refresh(user.user_id)
        is_notice, words = EBILL_OUTCOMES[outcome]
        message = words.format(number=number, email=address)
        notice, error = (message, "") if is_notice else ("", message)
        self.accounts = [
            dataclasses.replace(row, ebill_notice=notice, ebill_error=error) if row.number == number else row
            for row in self.accounts
        ]
        if outcome is SaveOutcome.NOT_LINKED:
            self.list_error = message
        return None

    async def _refresh(self, user_id: int) -> None:
        rows, ebills = await asyncio.to_thread(db.run, _accounts_with_ebills, user_id)
        self.accounts = [
            LinkedAccountRow(row.number, row.address, row.primary, ebills[row.number].active, ebills[row.number].email,
                             ebills[row.number].confirmed)
            for row in rows
        ]


def _accounts_with_ebills(user_id: int, *, session):
    """The LK's accounts and their e-bill settings, read in one transaction so that both name the same accounts."""
    return linked_accounts(user_id, session=session), subscriptions_of(user_id, session=session)
