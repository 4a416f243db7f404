"""First login: prove the account by number + surname, then register the LK with e-mail confirmation."""

import reflex as rx

from lk_app.normal_forms import normalize_account_number
from lk_app.services.registration import PhoneProof, Proof, RegistrationForm, prove_account, register_by_account
from lk_app.state.phone_code import PhoneCodeMixin
from lk_app.state.register import registration_errors
from lk_app.state.session import SessionState, enter_with
from lk_app.state.threads import in_transaction
from lk_app.texts.access import PHONE_NOT_CONFIRMED, PROOFS, SURNAME_MISSING
from lk_app.texts.common import ACCOUNT_NUMBER_FORMAT

REGISTRATION_FIELDS = ("surname", "password", "email", "phone", "consent", "sms_code")


class FirstLoginState(PhoneCodeMixin, rx.State):
    """Which step the customer is on, what they typed that survives a refusal, and the errors."""

    step: str = "prove"  # prove → register → sent
    account_number: str = ""
    surname: str = ""  # as typed in step 1; from step 2 on, the holder's as the proof found it
    email: str = ""
    phone: str = ""
    method: str = "email"
    form_error: str = ""
    already_registered: bool = False
    number_error: str = ""
    surname_error: str = ""
    errors: dict[str, str] = {}
    sent_to: str = ""
    busy: bool = False
    _account_id: int | None = None

    @rx.var
    def code_field_error(self) -> str:
        """The error of «Код подтверждения»: the code's own, or the one «Сохранить» found."""
        return self.sms_code_error or self.errors.get("sms_code", "")

    @rx.event
    def start(self):
        """Every visit starts at step 1 with nothing proved."""
        self.step = "prove"
        self._account_id = None
        self.form_error = self.number_error = self.surname_error = ""
        self.already_registered = False
        self.errors = {}
        self.busy = False
        self._forget_phone_code()

    @rx.event
    def change_account(self, email: str):
        """«Изменить»: back to step 1 with the number and surname as they were, and the e-mail typed so far."""
        self.email = str(email).strip()[:254]
        self._account_id = None
        self.errors = {}
        self.form_error = ""
        self.already_registered = False
        self.step = "prove"
        return rx.set_focus("account_number")

    @rx.event
    def set_method(self, method: str):
        """The chosen way of confirmation: «по e-mail» or «по СМС»."""
        if method in ("email", "sms"):
            self.method = method

    @rx.event
    def remember_phone(self, value: str):
        """The optional phone of the form, which prefills the SMS tab's."""
        self.phone = str(value).strip()[:40]
        if not self.sms_phone:
            self.sms_phone = self.phone

    @rx.event
    async def prove(self, form_data: dict):
        """Step 1: the account number and the holder's surname."""
        self._account_id = None  # a new pair is judged afresh, whatever was proved before
        self.account_number = str(form_data.get("account_number", "")).strip()[:40]
        self.surname = str(form_data.get("surname", "")).strip()[:100]
        self.form_error = ""
        self.already_registered = False
        self.number_error = "" if normalize_account_number(self.account_number) else ACCOUNT_NUMBER_FORMAT
        self.surname_error = "" if self.surname else SURNAME_MISSING
        if self.number_error or self.surname_error:
            return rx.set_focus("account_number" if self.number_error else "surname")
        ip = (await self.get_state(SessionState))._client_ip()
        number, surname = self.account_number, self.surname
        result = await in_transaction(lambda session: prove_account(number, surname, ip=ip, session=session))
        if result.proof is Proof.PROVED:
            self._account_id = result.account_id
            self.account_number, self.surname = result.account_number, result.surname
            self.step = "register"
            self.errors = {}
            return rx.set_focus("password")
        self.already_registered = result.proof is Proof.REGISTERED
        self.form_error = PROOFS[result.proof]
        return None

    @rx.event
    async def register(self, form_data: dict):
        """Step 2: create the LK for the proved account and send the confirmation link."""
        if self._account_id is None:
            self.start()
            return
        self.email = str(form_data.get("email", "")).strip()[:254]
        by_sms = self.method == "sms"
        if by_sms:
            self._take_phone(str(form_data.get("sms_phone", "")))  # a number changed after «ОК» needs a new code
        else:
            self.phone = str(form_data.get("phone", "")).strip()[:40]
        self.form_error = ""
        if by_sms and not self.phone_verified:
            self.errors = {"sms_code": PHONE_NOT_CONFIRMED}
            yield rx.set_focus("sms_phone" if not self.sms_phone else "sms_code")
            return
        form = RegistrationForm(
            surname=self.surname,  # the proved one, not the form's: the service checks it against the account again
            password=str(form_data.get("password", ""))[:200],
            confirmation=str(form_data.get("password_confirmation", ""))[:200],
            email=self.email,
            phone="" if by_sms else self.phone,
            consent=bool(form_data.get("consent")),
        )
        proof = PhoneProof(self._verified_phone, self._sms_code, self._code_requester()) if by_sms else None
        self.busy = True
        yield
        account_id = self._account_id
        result = await in_transaction(
            lambda session: register_by_account(account_id, form, phone_proof=proof, session=session)
        )
        self.busy = False
        if result.already_registered:
            self.already_registered = True
            self.form_error = PROOFS[Proof.REGISTERED]
            return
        self.errors = registration_errors(result)
        if self.errors:
            if "sms_code" in self.errors:
                self.phone_verified = False
            first = next(name for name in REGISTRATION_FIELDS if name in self.errors)
            yield rx.set_value("password", "")
            yield rx.set_value("password_confirmation", "")
            yield rx.set_focus(first)
            return
        self._account_id = None
        self.sent_to = result.email
        if result.grant:
            yield enter_with(result.grant)
            return
        self.step = "sent"
