"""Registration by a free login: the form, the SMS code that proves the phone, the e-mail link."""

import reflex as rx

from lk_app.services.email_address import EmailRefusal
from lk_app.services.passwords import PasswordProblem
from lk_app.services.registration import (
    FormRefusal,
    LoginRefusal,
    LoginRegistrationForm,
    RegistrationRefusal,
    RegistrationResult,
    register_by_login,
)
from lk_app.services.sms_codes import Check
from lk_app.state.phone_code import PhoneCodeMixin
from lk_app.state.threads import in_transaction
from lk_app.texts.access import registration_refusal

# The field of both registration forms (by login and «Первый вход») that each kind of refusal stands by.
FIELDS_OF_REFUSALS = {EmailRefusal: "email", PasswordProblem: "password", LoginRefusal: "login", Check: "sms_code"}
FORM_FIELDS = {
    FormRefusal.SURNAME_MISMATCH: "surname",
    FormRefusal.PHONE_FORMAT: "phone",
    FormRefusal.CONSENT_MISSING: "consent",
    FormRefusal.PHONE_UNPROVED: "sms_code",
}

# The fields in the order of the form, with the id of the input that takes the focus for each.
FIELD_IDS = {
    "login": "login",
    "password": "password",
    "email": "email",
    "phone": "sms_phone",
    "sms_code": "sms_code",
    "consent": "consent",
}


def _field(refusal: RegistrationRefusal) -> str:
    return FORM_FIELDS[refusal] if isinstance(refusal, FormRefusal) else FIELDS_OF_REFUSALS[type(refusal)]


def registration_errors(result: RegistrationResult) -> dict[str, str]:
    """Each refusal's words under the field it stands by, in the order the form was checked."""
    return {_field(refusal): registration_refusal(refusal) for refusal in result.refusals}


class RegisterState(PhoneCodeMixin, rx.State):
    """What the customer typed that survives a refusal, the refusals, and where the link went."""

    step: str = "form"  # form → sent
    login: str = ""
    email: str = ""
    errors: dict[str, str] = {}
    sent_to: str = ""
    busy: bool = False

    @rx.var
    def phone_error(self) -> str:
        """The error of «Телефон»: from «Получить код» or from «Регистрация»."""
        return self.sms_phone_error or self.errors.get("phone", "")

    @rx.var
    def code_error(self) -> str:
        """The error of «Код подтверждения»."""
        return self.sms_code_error or self.errors.get("sms_code", "")

    @rx.event
    def start(self):
        """Every visit starts with an empty form."""
        self.step = "form"
        self.login = self.email = self.sent_to = ""
        self.errors = {}
        self.busy = False
        self._forget_phone_code()

    @rx.event
    async def register(self, form_data: dict):
        """«Регистрация»: create the LK when every field and the code pass, then send the e-mail link."""
        self.login = str(form_data.get("login", "")).strip()[:64]
        self.email = str(form_data.get("email", "")).strip()[:254]
        self._take_phone(str(form_data.get("sms_phone", "")))
        form = LoginRegistrationForm(
            login=self.login,
            password=str(form_data.get("password", ""))[:200],
            confirmation=str(form_data.get("password_confirmation", ""))[:200],
            email=self.email,
            phone=self.sms_phone,
            code=str(form_data.get("sms_code", "")).strip()[:12],
            consent=bool(form_data.get("consent")),
            requester=self._code_requester(),
        )
        self.busy = True
        yield
        result = await in_transaction(lambda session: register_by_login(form, session=session))
        self.busy = False
        self.errors = registration_errors(result)
        if self.errors:
            if "sms_code" in self.errors:
                yield rx.set_value("sms_code", "")
            first = next(name for name in FIELD_IDS if name in self.errors)
            yield rx.set_value("password", "")
            yield rx.set_value("password_confirmation", "")
            yield rx.set_focus(FIELD_IDS[first])
            return
        self.sent_to = result.email
        self.step = "sent"
