"""The login form: credentials checked in a thread, a grant traded for the session cookie."""

import asyncio

import reflex as rx

from lk_app.services import db
from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.registration import resend_confirmation
from lk_app.state.session import SessionState, navigate_to_backend

MESSAGES = {
    LoginStatus.INVALID: "Неверный логин или пароль.",
    LoginStatus.UNCONFIRMED: "Регистрация ещё не подтверждена. Перейдите по ссылке из письма или получите новую ссылку.",
    LoginStatus.LOCKED: "Слишком много неудачных попыток: вход заблокирован на час. Восстановите пароль по ссылке «Забыли пароль?».",
    LoginStatus.IP_LIMITED: "Слишком много неудачных попыток с вашего адреса. Попробуйте через час.",
}


class LoginState(rx.State):
    """Errors and notices of the login form; the unconfirmed LK's id stays on the server."""

    error: str = ""
    notice: str = ""
    unconfirmed: bool = False
    busy: bool = False
    _unconfirmed_user_id: int | None = None

    @rx.event
    def reset_form(self):
        """A fresh form whenever the page opens."""
        self.error = self.notice = ""
        self.unconfirmed = self.busy = False
        self._unconfirmed_user_id = None

    @rx.event
    async def log_in(self, form_data: dict):
        """Check the credentials; on success the browser goes to the cookie route."""
        identifier = str(form_data.get("identifier", "")).strip()[:100]
        password = str(form_data.get("password", ""))[:200]
        self.notice = ""
        if not identifier or not password:
            self.error = "Введите логин или номер лицевого счёта и пароль."
            yield rx.set_focus("identifier" if not identifier else "password")
            return
        self.busy = True
        yield
        session_state = await self.get_state(SessionState)
        outcome = await asyncio.to_thread(db.run, log_in, identifier, password, ip=session_state._client_ip())
        self.busy = False
        self.unconfirmed = outcome.status is LoginStatus.UNCONFIRMED
        self._unconfirmed_user_id = outcome.user_id if self.unconfirmed else None
        if outcome.status is LoginStatus.OK:
            self.error = ""
            yield navigate_to_backend("/auth/session", grant=outcome.grant)
            return
        if outcome.status is LoginStatus.WAIT:
            self.error = f"Слишком много неудачных попыток. Повторите через {outcome.retry_after_seconds} с."
        else:
            self.error = MESSAGES[outcome.status]
        yield rx.set_value("password", "")

    @rx.event
    async def resend_link(self):
        """A new confirmation link for the LK whose password was just proved."""
        if self._unconfirmed_user_id is None:
            return
        session_state = await self.get_state(SessionState)
        address = await asyncio.to_thread(
            db.run, resend_confirmation, self._unconfirmed_user_id, ip=session_state._client_ip()
        )
        if address:
            self.error = ""
            self.notice = f"Новая ссылка отправлена на {address}. Если письма нет, проверьте папку «Спам»."
        else:
            self.error = "Ссылок запрошено слишком много. Попробуйте позже."
