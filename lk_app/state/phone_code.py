"""Proving a phone by an SMS code: the part that first login and registration by login share."""

import asyncio

import reflex as rx

from lk_app.normal_forms import normalize_phone
from lk_app.services.sms_codes import CONFIRM_PHONE, Check, Issue, check_sms_code, issue_sms_code
from lk_app.services.tokens import new_secret
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.access import CODE_REFUSALS, CODE_SENT, CODE_WAIT, CODES_LIMITED, PHONE_FORMAT, TRIES_LEFT, phone_in_text


class PhoneCodeMixin(rx.State, mixin=True):
    """The phone, the code typed for it, the resend countdown and the verdicts; the proof stays on the server."""

    sms_phone: str = ""
    sms_phone_error: str = ""
    sms_notice: str = ""
    _sms_code: str = ""  # the code behind a verified phone: never sent to the browser
    sms_code_error: str = ""
    resend_in: int = 0
    phone_verified: bool = False
    _verified_phone: str = ""
    _countdown_phone: str = ""  # the countdown holds back resends to this number only
    _countdown_run: int = 0  # a newer countdown ends the older one
    _requester: str = ""  # this tab's claim on the codes it asked for: another tab's tries cannot burn them

    def _code_requester(self) -> str:
        """The tab's code nonce, made at its first use."""
        if not self._requester:
            self._requester = new_secret(128)
        return self._requester

    def _forget_phone_code(self) -> None:
        """A fresh start: no phone, no code, no proof (the countdown runs out by itself)."""
        self.sms_phone = self.sms_phone_error = self.sms_notice = self._sms_code = self.sms_code_error = ""
        self.phone_verified = False
        self._verified_phone = self._countdown_phone = ""
        self.resend_in = 0

    @rx.event
    def set_sms_phone(self, value: str):
        """The phone as typed, on leaving the field: the resend countdown follows the number."""
        self._take_phone(value)

    def _take_phone(self, value: str) -> None:
        """Keep the phone as typed; a changed number needs a new code and has no countdown yet."""
        self.sms_phone = str(value).strip()[:40]
        self.sms_phone_error = ""
        phone = normalize_phone(self.sms_phone)
        if phone != self._verified_phone:
            self.phone_verified = False
        if phone != self._countdown_phone:
            self.resend_in = 0

    @rx.event
    async def send_code(self, phone_text: str):
        """«Отправить СМС» / «Получить код»: a code to the phone in the field, within the limits."""
        self._take_phone(phone_text)
        phone = normalize_phone(self.sms_phone)
        self.sms_notice = ""
        if phone is None:
            self.sms_phone_error = PHONE_FORMAT
            return rx.set_focus("sms_phone")
        ip, requester = (await self.get_state(SessionState))._client_ip(), self._code_requester()
        issued = await in_transaction(
            lambda session: issue_sms_code(phone, CONFIRM_PHONE, ip=ip, requester=requester, session=session)
        )
        if issued.outcome is Issue.SENT:
            self.sms_notice = CODE_SENT.format(phone=phone_in_text(phone))
            self._sms_code = self.sms_code_error = ""
        elif issued.outcome is Issue.WAIT:
            self.sms_phone_error = CODE_WAIT.format(seconds=issued.retry_after_seconds)
        else:
            self.sms_phone_error = CODES_LIMITED.format(minutes=-(-issued.retry_after_seconds // 60))
        if issued.outcome is Issue.LIMITED:
            return None
        self.resend_in = issued.retry_after_seconds
        self._countdown_phone = phone
        self._countdown_run += 1
        return type(self).count_down

    @rx.event(background=True)
    async def count_down(self):
        """Tick the resend countdown once a second until it reaches zero or a newer one starts."""
        async with self:
            run = self._countdown_run
        while True:
            await asyncio.sleep(1)
            async with self:
                if self._countdown_run != run:
                    return
                self.resend_in = max(0, self.resend_in - 1)
                if self.resend_in == 0:
                    return

    @rx.event
    async def confirm_code(self, phone_text: str, code_text: str):
        """«ОК»: judge the code in the field for the phone in the field; on success the server keeps the proof."""
        self._take_phone(phone_text)
        self._sms_code = str(code_text).strip()[:12]
        self.sms_code_error = ""
        phone = normalize_phone(self.sms_phone)
        if phone is None:
            self.sms_phone_error = PHONE_FORMAT
            return None
        code, requester = self._sms_code, self._code_requester()
        verdict = await in_transaction(
            lambda session: check_sms_code(phone, CONFIRM_PHONE, code, requester=requester, session=session)
        )
        if verdict.outcome is not Check.OK:
            self.sms_code_error = CODE_REFUSALS[verdict.outcome]
            if verdict.outcome is Check.WRONG:
                self.sms_code_error += TRIES_LEFT.format(tries=verdict.tries_left)
            self._sms_code = ""
            return rx.set_value("sms_code", "")
        self._verified_phone = phone
        self.phone_verified = True
        return None
