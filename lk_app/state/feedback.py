"""«Обратная связь» on the login page and at /feedback: no login needed, limited per IP and per contact."""

import reflex as rx

from lk_app.services.feedback import FeedbackForm, FeedbackRefusal, FeedbackResult, submit_feedback
from lk_app.settings import get_settings
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.common import wait_phrase
from lk_app.texts.feedback import TOO_MANY_TICKETS, feedback_refusal

# The form's field ids, in the order a refusal moves the focus.
FIELD_IDS = {
    "name": "feedback_name",
    "contact": "feedback_contact",
    "account_number": "feedback_account_number",
    "message": "feedback_message",
    "consent": "consent",
}
# The field each refusal is shown by.
REFUSAL_FIELDS = {
    FeedbackRefusal.NAME_MISSING: "name",
    FeedbackRefusal.NAME_TOO_LONG: "name",
    FeedbackRefusal.CONTACT_FORMAT: "contact",
    FeedbackRefusal.ACCOUNT_NUMBER_FORMAT: "account_number",
    FeedbackRefusal.MESSAGE_MISSING: "message",
    FeedbackRefusal.MESSAGE_TOO_LONG: "message",
    FeedbackRefusal.CONSENT_MISSING: "consent",
}


def refusal_messages(result: FeedbackResult) -> dict[str, str]:
    """Each refusal's words under its field, in the form's order."""
    return {REFUSAL_FIELDS[refusal]: feedback_refusal(refusal, result) for refusal in result.refusals}


class FeedbackState(rx.State):
    """What was typed (kept across refusals), the refusals and the number of the ticket sent."""

    name: str = ""
    contact: str = ""
    account_number: str = ""
    message: str = ""
    errors: dict[str, str] = {}
    form_error: str = ""
    number: int = 0  # the ticket sent; 0 while the form is being filled
    busy: bool = False

    @rx.var
    def name_error(self) -> str:
        """The error of «Имя»."""
        return self.errors.get("name", "")

    @rx.var
    def contact_error(self) -> str:
        """The error of «E-mail или телефон»."""
        return self.errors.get("contact", "")

    @rx.var
    def account_number_error(self) -> str:
        """The error of «Номер лицевого счёта»."""
        return self.errors.get("account_number", "")

    @rx.var
    def message_error(self) -> str:
        """The error of «Сообщение»."""
        return self.errors.get("message", "")

    @rx.var
    def consent_error(self) -> str:
        """The error of the consent checkbox."""
        return self.errors.get("consent", "")

    @rx.event
    def start(self):
        """A fresh form: on opening /feedback, and after a sent ticket's dialog closes."""
        self.reset()

    @rx.event
    def dialog_toggled(self, is_open: bool):
        """Closing the dialog after a sent ticket makes room for the next one; what was typed otherwise stays."""
        if not is_open and self.number:
            self.reset()

    @rx.event
    async def send(self, form_data: dict):
        """«Отправить»: the ticket is stored and mailed to the support address, or each refusal is named."""
        self.name = str(form_data.get(FIELD_IDS["name"], ""))[:200]
        self.contact = str(form_data.get(FIELD_IDS["contact"], ""))[:254]
        self.account_number = str(form_data.get(FIELD_IDS["account_number"], ""))[:40]
        # Far over the 10,000 allowed, so the refusal can say how long it was; beyond that nobody types.
        self.message = str(form_data.get(FIELD_IDS["message"], ""))[:100_000]
        form = FeedbackForm(self.name, self.contact, self.account_number, self.message, bool(form_data.get("consent")))
        self.busy, self.form_error = True, ""
        yield
        ip = (await self.get_state(SessionState))._client_ip()
        result = await in_transaction(lambda session: submit_feedback(form, ip=ip, session=session))
        self.busy = False
        self.errors = refusal_messages(result)
        if self.errors:
            yield rx.set_focus(next(FIELD_IDS[name] for name in FIELD_IDS if name in self.errors))
            return
        if result.retry_after_seconds:
            self.form_error = TOO_MANY_TICKETS.format(wait=wait_phrase(result.retry_after_seconds),
                                                      phone=get_settings().contact_phone)
            return
        self.number = result.number
