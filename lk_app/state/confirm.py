"""The e-mail link page (registration, a new address, a bill address): confirms only on «Подтвердить»."""

import asyncio

import reflex as rx

from lk_app import db
from lk_app.services.ebills import CONFIRM_EBILL_EMAIL, confirm_ebill_address
from lk_app.services.email_links import CONFIRM_REGISTRATION, NOT_ME_EMAIL, NOT_ME_PHONE, LinkState, find_link_token
from lk_app.services.profile import CONFIRM_NEW_EMAIL, confirm_new_email
from lk_app.services.recovery import Disowned, disown_change
from lk_app.services.registration import confirm_registration, resend_confirmation, user_of_link
from lk_app.state.session import SessionState

# What each kind of link confirms, by the purpose of its token.
KINDS = {CONFIRM_REGISTRATION: "registration", CONFIRM_NEW_EMAIL: "new_email", CONFIRM_EBILL_EMAIL: "ebill",
         NOT_ME_EMAIL: "not_me", NOT_ME_PHONE: "not_me"}
CONFIRMERS = {"registration": confirm_registration, "ebill": confirm_ebill_address}
# After «Это не я»: where the way back to the LK went.
DISOWNED = {
    Disowned.RESET_LINK_SENT: "Все входы в Личный кабинет завершены, прежний e-mail возвращён. На него отправлена "
    "ссылка для нового пароля: она действует 1 час.",
    Disowned.PHONE_RESTORED: "Все входы в Личный кабинет завершены, прежний телефон возвращён. Задайте новый пароль "
    "через «Забыли пароль?» — по СМС.",
}


class ConfirmState(rx.State):
    """What the link turned out to be: valid, done, used, expired or unknown."""

    status: str = "checking"  # checking | valid | confirmed | used | expired | unknown
    # registration | new_email (a changed LK address) | ebill (an address for bills) | not_me (a change disowned)
    kind: str = "registration"
    notice: str = ""
    busy: bool = False

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    async def inspect(self):
        """On load: look at the token without using it (mail scanners open links too)."""
        self.notice = ""
        verdict = await asyncio.to_thread(db.run, find_link_token, self._token(), tuple(KINDS))
        self.kind = KINDS[verdict.token.purpose] if verdict.token is not None else "registration"
        self.status = verdict.state.value

    @rx.event
    async def confirm(self):
        """The press of «Подтвердить»: spend the token and confirm the e-mail."""
        self.busy = True
        yield
        if self.kind == "not_me":
            outcome = await asyncio.to_thread(db.run, disown_change, self._token())
            self.notice = DISOWNED.get(outcome, "")
            state = LinkState.VALID if isinstance(outcome, Disowned) else outcome
        elif self.kind == "new_email":
            keep = (await self.get_state(SessionState))._session_id()
            state = await asyncio.to_thread(db.run, confirm_new_email, self._token(), keep_session=keep)
        else:
            state = await asyncio.to_thread(db.run, CONFIRMERS[self.kind], self._token())
        self.busy = False
        self.status = "confirmed" if state is LinkState.VALID else state.value

    @rx.event
    async def send_new_link(self):
        """A fresh link to the address of an expired or spent one, while the LK is unconfirmed."""
        user_id = await asyncio.to_thread(db.run, user_of_link, self._token())
        if user_id is None:
            self.notice = "Эта ссылка недействительна. Пройдите регистрацию через «Первый вход»."
            return
        session_state = await self.get_state(SessionState)
        address = await asyncio.to_thread(db.run, resend_confirmation, user_id, ip=session_state._client_ip())
        if address:
            self.notice = f"Новая ссылка отправлена на {address}. Если письма нет, проверьте папку «Спам»."
        else:
            self.notice = "Новую ссылку отправить нельзя: регистрация уже подтверждена или ссылок запрошено слишком много. Попробуйте войти."
