"""The customer's own settings: contacts, password and sessions; every change re-checks the session."""

import reflex as rx

from lk_app.normal_forms import normalize_phone
from lk_app.services.email_address import EmailRefusal
from lk_app.services.passwords import PasswordProblem
from lk_app.services.profile import (
    CurrentPassword,
    SessionView,
    active_sessions,
    change_password,
    change_phone,
    log_out_everywhere,
    profile_of,
    request_email_change,
)
from lk_app.services.registration import PhoneProof
from lk_app.services.sessions import SessionUser
from lk_app.services.sms_codes import Check
from lk_app.state.phone_code import PhoneCodeMixin
from lk_app.state.session import SessionState, post_to_logout
from lk_app.state.threads import in_transaction
from lk_app.texts.access import (
    CODE_REFUSALS,
    CURRENT_PASSWORD,
    EMAIL_LINK_SENT,
    PASSWORD_CHANGED,
    PHONE_CHANGED,
    PHONE_FORMAT,
    password_refusal,
    phone_in_text,
)
from lk_app.texts.common import email_refusal

# Each form's field of the current password; the other refusals stand by the field they judge.
PASSWORD_FIELDS = {"password": "current_password", "email": "email_password", "phone": "phone_password"}


def field_errors(form: str, outcome: object) -> dict[str, str]:
    """The refusal of a change under its field in the form `form` (password | email | phone); nothing when done."""
    if isinstance(outcome, CurrentPassword):
        return {PASSWORD_FIELDS[form]: CURRENT_PASSWORD[outcome]}
    if isinstance(outcome, PasswordProblem):
        return {"new_password": password_refusal(outcome)}
    if isinstance(outcome, EmailRefusal):
        return {"new_email": email_refusal(outcome)}
    if isinstance(outcome, Check):
        return {"sms_code": CODE_REFUSALS[outcome]}
    return {}


class ProfileState(PhoneCodeMixin, rx.State):
    """What the profile section shows and the verdicts on its forms; filled from the session, never from the browser."""

    login: str = ""
    email: str = ""
    email_confirmed: bool = False
    phone: str = ""
    phone_confirmed: bool = False
    sessions: list[SessionView] = []
    errors: dict[str, str] = {}
    notice: str = ""
    notice_about: str = ""  # which form the notice belongs to: password | email | phone

    @rx.var
    def code_error(self) -> str:
        """The error of «Код подтверждения»."""
        return self.sms_code_error or self.errors.get("sms_code", "")

    async def _user(self) -> SessionUser | None:
        return await (await self.get_state(SessionState))._current_user()

    async def _refresh(self, user: SessionUser) -> None:
        """Read the LK's contacts and live sessions afresh."""
        current = (await self.get_state(SessionState))._session_id()
        view = await in_transaction(lambda session: profile_of(user.user_id, session=session))
        self.login, self.email, self.email_confirmed = view.login, view.email, view.email_confirmed
        self.phone, self.phone_confirmed = view.phone, view.phone_confirmed
        self.sessions = await in_transaction(lambda session: active_sessions(user.user_id, current, session=session))

    def _say(self, about: str, notice: str, errors: dict[str, str]) -> None:
        self.errors, self.notice_about = errors, about
        self.notice = "" if errors else notice

    @rx.event
    def start(self):
        """A visit starts with no messages and no phone code under way."""
        self.errors, self.notice = {}, ""
        self._forget_phone_code()

    @rx.event
    async def load(self):
        """Require a live session, then show the profile (again after a reconnect: the code under way stays)."""
        user = await self._user()
        if user is None:
            return await (await self.get_state(SessionState))._turn_away()
        await self._refresh(user)
        return None

    @rx.event
    async def change_password(self, form_data: dict):
        """«Сменить пароль»: the current password, then the new one; other sessions end at once."""
        user = await self._user()
        if user is None:
            yield await (await self.get_state(SessionState))._turn_away()
            return
        keep = (await self.get_state(SessionState))._session_id()
        current = str(form_data.get("current_password", ""))[:200]
        new = str(form_data.get("new_password", ""))[:200]
        confirmation = str(form_data.get("new_password_confirmation", ""))[:200]
        refusal = await in_transaction(
            lambda session: change_password(user.user_id, current, new, confirmation, keep_session=keep, session=session)
        )
        errors = field_errors("password", refusal)
        self._say("password", PASSWORD_CHANGED, errors)
        for name in ("current_password", "new_password", "new_password_confirmation"):
            yield rx.set_value(name, "")
        if errors:
            yield rx.set_focus(next(iter(errors)))
        await self._refresh(user)

    @rx.event
    async def change_email(self, form_data: dict):
        """«Сменить e-mail»: a link to the new address; the old one stays until it is followed."""
        user = await self._user()
        if user is None:
            yield await (await self.get_state(SessionState))._turn_away()
            return
        typed = str(form_data.get("new_email", "")).strip()[:254]
        password = str(form_data.get("email_password", ""))[:200]
        outcome = await in_transaction(
            lambda session: request_email_change(user.user_id, typed, password, session=session)
        )
        errors = field_errors("email", outcome)
        self._say("email", "" if errors else EMAIL_LINK_SENT.format(email=outcome), errors)
        yield rx.set_value("email_password", "")
        if errors:
            yield rx.set_focus(next(iter(errors)))

    @rx.event
    async def change_phone(self, form_data: dict):
        """«Сменить телефон»: the new number, proved by the code sent to it."""
        user = await self._user()
        if user is None:
            yield await (await self.get_state(SessionState))._turn_away()
            return
        self._take_phone(str(form_data.get("sms_phone", "")))
        phone = normalize_phone(self.sms_phone)
        if phone is None:
            self._say("phone", "", {"phone": PHONE_FORMAT})
            self.sms_phone_error = PHONE_FORMAT
            yield rx.set_focus("sms_phone")
            return
        proof = PhoneProof(phone, str(form_data.get("sms_code", "")).strip()[:12], self._code_requester())
        keep = (await self.get_state(SessionState))._session_id()
        password = str(form_data.get("phone_password", ""))[:200]
        refusal = await in_transaction(
            lambda session: change_phone(user.user_id, proof, password, keep_session=keep, session=session)
        )
        errors = field_errors("phone", refusal)
        self._say("phone", PHONE_CHANGED.format(phone=phone_in_text(phone)), errors)
        yield rx.set_value("phone_password", "")
        if errors:
            yield rx.set_focus(next(iter(errors)))
            return
        yield rx.set_value("sms_code", "")
        self._forget_phone_code()
        yield rx.set_value("sms_phone", "")
        await self._refresh(user)

    @rx.event
    async def log_out_everywhere(self):
        """«Выйти на всех устройствах»: every session of the LK ends, this one too."""
        user = await self._user()
        if user is None:
            return await (await self.get_state(SessionState))._turn_away()
        await in_transaction(lambda session: log_out_everywhere(user.user_id, session=session))
        await (await self.get_state(SessionState))._forget_lk()
        return post_to_logout()
