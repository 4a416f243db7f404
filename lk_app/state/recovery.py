"""Password recovery: asking for a link or a code, then setting the new password."""

import asyncio
import time

import reflex as rx

from lk_app.services.email_links import LinkState
from lk_app.services.recovery import (
    Channel,
    CodeRefusal,
    ResetResult,
    request_recovery,
    reset_by_link,
    reset_by_sms,
    reset_link_state,
)
from lk_app.services.tokens import new_secret
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.texts.access import IDENTIFIER_MISSING, RECOVERY_SENT, RESET_CODE_REFUSALS, password_refusal

# Every answer of `/forgot` takes at least this long, whatever was found, so its timing tells nothing.
ANSWER_SECONDS = 0.4


def reset_errors(result: ResetResult) -> dict[str, str]:
    """The refusal's words under «Код из СМС» (code) or «Новый пароль» (password); nothing when done."""
    if result.refusal is None:
        return {}
    if isinstance(result.refusal, CodeRefusal):
        return {"code": RESET_CODE_REFUSALS[result.refusal]}
    return {"password": password_refusal(result.refusal)}


class ForgotState(rx.State):
    """The identifier as typed, the chosen channel and the step; nothing here says whether the LK exists."""

    step: str = "ask"  # ask → sent (e-mail) | code (SMS) → done
    identifier: str = ""
    channel: str = "email"
    notice: str = ""
    identifier_error: str = ""
    errors: dict[str, str] = {}
    busy: bool = False
    _requester: str = ""  # this tab's claim on the code it asks for: only its tries count against the code

    @rx.event
    def start(self):
        """Every visit starts by asking."""
        self.step, self.notice, self.identifier_error, self.errors, self.busy = "ask", "", "", {}, False

    async def _answer_after(self, started: float) -> None:
        """Pad an answer to ANSWER_SECONDS from `started`."""
        await asyncio.sleep(max(0.0, started + ANSWER_SECONDS - time.monotonic()))

    @rx.event
    async def recover(self, form_data: dict):
        """«Восстановить»: the same words after the same time whether or not the LK exists."""
        self.identifier = str(form_data.get("identifier", "")).strip()[:100]
        channel = str(form_data.get("channel", "email"))
        self.channel = channel if channel in RECOVERY_SENT else "email"
        if not self.identifier:
            self.identifier_error = IDENTIFIER_MISSING
            yield rx.set_focus("identifier")
            return
        self.identifier_error = ""
        self.busy = True
        yield
        started = time.monotonic()
        ip = (await self.get_state(SessionState))._client_ip()
        identifier, channel, requester = self.identifier, Channel(self.channel), new_secret(128)
        self._requester = requester
        await in_transaction(
            lambda session: request_recovery(identifier, channel, ip=ip, requester=requester, session=session)
        )
        await self._answer_after(started)
        self.busy = False
        self.notice = RECOVERY_SENT[self.channel]
        self.errors = {}
        self.step = "sent" if self.channel == "email" else "code"

    @rx.event
    async def reset_by_code(self, form_data: dict):
        """«Сохранить» after an SMS code: the new password, when the code fits the LK's confirmed phone."""
        if self.step != "code":
            return
        self.busy = True
        yield
        started = time.monotonic()
        ip, identifier, requester = (await self.get_state(SessionState))._client_ip(), self.identifier, self._requester
        code = str(form_data.get("code", ""))[:12]
        password = str(form_data.get("password", ""))[:200]
        confirmation = str(form_data.get("password_confirmation", ""))[:200]
        result = await in_transaction(lambda session: reset_by_sms(
            identifier, code, password, confirmation, ip=ip, requester=requester, session=session
        ))
        await self._answer_after(started)
        self.busy = False
        self.errors = reset_errors(result)
        yield rx.set_value("code", "")
        yield rx.set_value("password", "")
        yield rx.set_value("password_confirmation", "")
        if result.done:
            self.step = "done"
        else:
            yield rx.set_focus("code" if "code" in self.errors else "password")


class ResetState(rx.State):
    """The `/reset?token=…` page: what the link is, then the new password."""

    status: str = "checking"  # checking | valid | done | used | expired | unknown
    password_error: str = ""
    busy: bool = False

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    async def inspect(self):
        """On load: look at the link without using it."""
        self.password_error = ""
        token = self._token()
        self.status = (await in_transaction(lambda session: reset_link_state(token, session=session))).value

    @rx.event
    async def save(self, form_data: dict):
        """«Сохранить»: the new password; the link is spent only when the password is accepted."""
        self.busy = True
        yield
        token = self._token()
        password = str(form_data.get("password", ""))[:200]
        confirmation = str(form_data.get("password_confirmation", ""))[:200]
        outcome = await in_transaction(lambda session: reset_by_link(token, password, confirmation, session=session))
        self.busy = False
        yield rx.set_value("password", "")
        yield rx.set_value("password_confirmation", "")
        if isinstance(outcome, LinkState):
            self.status = outcome.value
        elif isinstance(outcome, ResetResult) and outcome.done:
            self.status = "done"
        else:
            self.password_error = reset_errors(outcome)["password"]
            yield rx.set_focus("password")
