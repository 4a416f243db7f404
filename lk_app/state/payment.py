"""The dialog «Оплата» of the cabinet: the form for the chosen account, its refusals, and the way to the acquirer."""

import asyncio
import json

import reflex as rx

from lk_app.services.online_payments import (
    PaymentRefusal,
    PaymentRequest,
    Refusal,
    amount_field,
    check_request,
    configured_acquirer,
    new_attempt,
    parse_amount,
    payment_form,
    start_payment,
)
from lk_app.settings import get_settings
from lk_app.state.cabinet import CabinetState
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.payments import (
    AMOUNT_SHOWN,
    DEFAULT_METHOD,
    METHOD_OPTIONS,
    amount_hint,
    payment_refusal,
)

# The dialog's inputs; the refusals of the service name its own fields, mapped onto these.
AMOUNT_FIELD = "payment_amount"
METHOD_FIELD = "payment_method"
EMAIL_FIELD = "receipt_email"
PHONE_FIELD = "receipt_phone"
FIELD_OF = {"amount": AMOUNT_FIELD, "method": METHOD_FIELD, "receipt_email": EMAIL_FIELD, "receipt_phone": PHONE_FIELD}
# The fields the focus goes to, first refused first (a method is refused only when a script sent its own).
FOCUS_ORDER = (AMOUNT_FIELD, EMAIL_FIELD, PHONE_FIELD)
AMOUNT_LENGTH, EMAIL_LENGTH, PHONE_LENGTH = 40, 254, 40


def _form_text(form_data: dict, name: str, length: int) -> str:
    value = form_data.get(name, "")
    return value.strip()[:length] if isinstance(value, str) else ""


class PaymentState(rx.State):
    """The open dialog: its account, what was typed, the refusals by field; the attempt's secret stays on the server."""

    dialog_open: bool = False
    ready: bool = False  # the form of the account is loaded (its fields start from it)
    online: bool = False  # payments go through the acquirer; else the dialog explains and shows the QR code
    number: str = ""
    amount: str = ""
    amount_shown: str = ""  # «К оплате: 1 234,56 ₽», what the amount field was read as when it was left
    amount_range: str = ""  # «От 1,00 до 500 000,00 ₽», LK_PAYMENT_MAX as the process has it
    method: str = DEFAULT_METHOD
    email: str = ""
    phone: str = ""
    by_email: bool = True  # the receipt goes to «E-mail для чека»; else to «Телефон для чека»
    errors: dict[str, str] = {}
    busy: bool = False
    # The tab's secret of this opening of the dialog: pressing again with the same fields makes the same payment.
    _attempt: str = ""
    _user_id: int = 0

    @rx.var
    def amount_error(self) -> str:
        """The error of «Сумма, ₽»."""
        return self.errors.get(AMOUNT_FIELD, "")

    @rx.var
    def method_error(self) -> str:
        """The error of «Способ оплаты»."""
        return self.errors.get(METHOD_FIELD, "")

    @rx.var
    def email_error(self) -> str:
        """The error of «E-mail для чека»."""
        return self.errors.get(EMAIL_FIELD, "")

    @rx.var
    def phone_error(self) -> str:
        """The error of «Телефон для чека»."""
        return self.errors.get(PHONE_FIELD, "")

    @rx.var
    def form_error(self) -> str:
        """A refusal of the payment as a whole: the acquirer, the limit, an account no longer the LK's."""
        return self.errors.get("", "")

    @rx.event
    def start(self):
        """A visit to the cabinet starts with the dialog closed (also after «Назад» from the acquirer's page)."""
        self.reset()

    @rx.event
    async def open_dialog(self):
        """«Оплатить»: the dialog for the account the cabinet shows, its fields filled from the LK and the bill."""
        session_state = await self.get_state(SessionState)
        user = await session_state._current_user()
        if user is None:
            yield await session_state._turn_away()
            return
        if self.busy:
            return
        number = (await self.get_state(CabinetState)).number
        if not number:
            return
        self.reset()
        self.number, self.dialog_open = number, True
        yield
        form = await in_transaction(lambda session: payment_form(user.user_id, number, session=session))
        if form is None:  # the account left the LK meanwhile: the cabinet says what it has now
            self.reset()
            yield CabinetState.load
            return
        self._user_id = user.user_id
        self._attempt = new_attempt()
        self.number, self.amount, self.email, self.phone = form.number, form.amount, form.email, form.phone
        self.online = form.online
        self.by_email = bool(form.email) or not form.phone
        self.amount_shown = self._shown(form.amount) if form.amount else ""
        self.amount_range = amount_hint()
        self.ready = True

    @rx.event
    def set_dialog_open(self, is_open: bool):
        """The dialog closed by «Закрыть», Escape or a click outside: everything of it is forgotten."""
        if is_open is not True:
            self.reset()

    @rx.event
    def show_amount(self, text: str):
        """The amount field left: what it was read as, or why it cannot be paid, beside it."""
        if not isinstance(text, str) or not self.ready:
            return
        self.amount = text.strip()[:AMOUNT_LENGTH]
        kopecks = parse_amount(self.amount, max_kop=get_settings().payment_max_kop)
        errors = {name: words for name, words in self.errors.items() if name not in (AMOUNT_FIELD, "")}
        if isinstance(kopecks, PaymentRefusal):
            self.amount_shown = ""
            # An empty field is not scolded on the way past; «Перейти к оплате» says it.
            if kopecks is not PaymentRefusal.AMOUNT_MISSING:
                errors[AMOUNT_FIELD] = payment_refusal(kopecks)
        else:
            self.amount_shown = AMOUNT_SHOWN.format(amount=amount_field(kopecks))
        self.errors = errors

    @staticmethod
    def _shown(amount: str) -> str:
        kopecks = parse_amount(amount, max_kop=get_settings().payment_max_kop)
        return "" if isinstance(kopecks, PaymentRefusal) else AMOUNT_SHOWN.format(amount=amount_field(kopecks))

    @staticmethod
    def _refused(refusals: list[Refusal]) -> dict[str, str]:
        """Each refusal's words by the field the dialog shows it at."""
        return {FIELD_OF.get(refusal.field, ""): payment_refusal(refusal.reason) for refusal in reversed(refusals)}

    @rx.event(background=True)
    async def pay(self, form_data: dict):
        """«Перейти к оплате»: make the payment at the acquirer (once per attempt) and send the browser to confirm it.

        A background event: the acquirer may take seconds to answer, and the tab's state is not held meanwhile.
        A second press while the first is under way does nothing; one after a refusal is the same attempt.
        """
        if not isinstance(form_data, dict):
            return None
        async with self:
            if self.busy or not (self.dialog_open and self.ready and self.online):
                return None
            session_state = await self.get_state(SessionState)
            user = await session_state._current_user()
            if user is None or user.user_id != self._user_id:
                return await session_state._turn_away()
            self.amount = _form_text(form_data, AMOUNT_FIELD, AMOUNT_LENGTH)
            method = _form_text(form_data, METHOD_FIELD, 20)
            self.method = method if method in METHOD_OPTIONS else DEFAULT_METHOD
            if self.by_email:
                self.email = _form_text(form_data, EMAIL_FIELD, EMAIL_LENGTH)
            else:
                self.phone = _form_text(form_data, PHONE_FIELD, PHONE_LENGTH)
            checked = check_request(self.amount, method, self.email if self.by_email else self.phone,
                                    by_email=self.by_email)
            if not isinstance(checked, PaymentRequest):
                self.errors = self._refused(checked)
                self.amount_shown = "" if AMOUNT_FIELD in self.errors else self._shown(self.amount)
                first = next((name for name in FOCUS_ORDER if name in self.errors), None)
                return rx.set_focus(first) if first else None
            self.errors = {}
            self.amount_shown = self._shown(self.amount)
            self.busy = True
            attempt, number, user_id = self._attempt, self.number, user.user_id
        acquirer = configured_acquirer()
        if acquirer is None:
            started = Refusal(PaymentRefusal.ACQUIRER_UNAVAILABLE)
        else:
            started = await asyncio.to_thread(start_payment, user_id, number, checked, attempt, acquirer=acquirer)
        async with self:
            if self._attempt != attempt:  # the dialog was closed meanwhile: the customer changed their mind
                return None
            if isinstance(started, Refusal):
                self.busy = False
                self.errors = {"": payment_refusal(started.reason)}
                return None
            # The dialog is closed as the browser leaves: the tab's state outlives the page, and a dialog left open
            # would open again, for a moment, on the way back to the cabinet.
            self.reset()
            return rx.call_script(f"window.location.assign({json.dumps(started.confirmation_url)})")
