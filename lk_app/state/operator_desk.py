"""The console's desk: finding an LK, what the console shows of it and the actions on it; every handler re-checks the role."""

import dataclasses
from collections.abc import Callable
from typing import TypeVar

import reflex as rx

from lk_app.models import OPERATOR
from lk_app.services.desk import (
    DeskRefusal,
    EmailSet,
    LkCard,
    LkSummary,
    end_sessions,
    find_lks,
    lk_card,
    resend_confirmation_link,
    set_email,
    unlock_login,
)
from lk_app.services.email_address import EmailRefusal
from lk_app.services.sessions import SessionUser
from lk_app.state.audit import AuditState, console_operator, turned_away
from lk_app.state.session import SessionState
from lk_app.state.threads import in_transaction
from lk_app.state.tickets import TicketsState
from lk_app.texts.common import email_refusal
from lk_app.texts.operator import DESK_REFUSALS, EMAIL_SET, LOGIN_UNLOCKED, NO_SUCH_LK, RESENDS, SESSIONS_ENDED

QUERY_FIELD = "lk_query"
NEW_EMAIL_FIELD = "operator_new_email"
CALLER_CHECKED_FIELD = "caller_checked"
# The field each refusal of «Сменить e-mail» is shown by; a refusal of the address itself goes by NEW_EMAIL_FIELD.
DESK_REFUSAL_FIELDS = {DeskRefusal.CALLER_UNCHECKED: CALLER_CHECKED_FIELD}
T = TypeVar("T")


def _field_and_words(refusal: EmailRefusal | DeskRefusal) -> tuple[str, str]:
    if isinstance(refusal, EmailRefusal):
        return NEW_EMAIL_FIELD, email_refusal(refusal)
    return DESK_REFUSAL_FIELDS[refusal], DESK_REFUSALS[refusal]


def email_set_errors(outcome: EmailSet) -> dict[str, str]:
    """Each refusal of «Сменить e-mail» in words, under the field it concerns."""
    return dict(map(_field_and_words, outcome.refusals))


class OperatorState(rx.State):
    """Finding an LK, what the console shows of it and the actions on it; filled from the server only."""

    ready: bool = False
    denied: bool = False
    operator_login: str = ""
    query: str = ""
    searched: bool = False
    found: list[LkSummary] = []
    card: LkCard | None = None  # the open LK, known by its login, never by an id
    errors: dict[str, str] = {}
    notice: str = ""

    @rx.var
    def new_email_error(self) -> str:
        """The error of «Новый e-mail клиента»."""
        return self.errors.get(NEW_EMAIL_FIELD, "")

    @rx.var
    def caller_checked_error(self) -> str:
        """The error of the caller check box."""
        return self.errors.get(CALLER_CHECKED_FIELD, "")

    def _open_login(self) -> str:
        return self.card.login if self.card else ""

    @rx.event
    async def load(self):
        """Operators see the console; customers a calm refusal; no session, the login page."""
        self.reset()
        user = await (await self.get_state(SessionState))._current_user()
        if user is None:
            return await turned_away(self)
        self.denied = user.role != OPERATOR
        self.operator_login = "" if self.denied else user.login
        self.ready = True
        return None if self.denied else [TicketsState.load, AuditState.load]

    @rx.event
    async def search(self, form_data: dict):
        """«Найти»: LKs by account number, login, e-mail or phone."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        query = self.query = str(form_data.get(QUERY_FIELD, "")).strip()[:254]
        self.found = await in_transaction(lambda session: find_lks(operator.user_id, query, session=session))
        self.searched = bool(query)
        self.card, self.notice, self.errors = None, "", {}
        return AuditState.load

    @rx.event
    async def open_lk(self, login: str):
        """Show one LK of the search results."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        self.notice, self.errors = "", {}
        login = str(login)[:32]
        card = await in_transaction(lambda session: lk_card(operator.user_id, login, session=session))
        if card is None:
            self._gone()
            return None
        self.card = card
        return AuditState.load

    def _gone(self) -> None:
        """The open LK is no longer there to act on (or never was a customer's)."""
        self.card, self.errors, self.notice = None, {}, NO_SUCH_LK

    @rx.event
    async def change_email(self, form_data: dict):
        """«Сменить e-mail»: set the new address unconfirmed and send it a confirmation link."""
        operator = await console_operator(self)
        if operator is None:
            yield await turned_away(self)
            return
        login = self._open_login()
        typed = str(form_data.get(NEW_EMAIL_FIELD, "")).strip()[:254]
        checked = bool(form_data.get(CALLER_CHECKED_FIELD))
        self.notice = ""
        outcome = await in_transaction(
            lambda session: set_email(operator.user_id, login, typed, caller_checked=checked, session=session))
        if outcome is None:
            self._gone()
            return
        self.errors = email_set_errors(outcome)
        if self.errors:
            yield rx.set_focus(NEW_EMAIL_FIELD if NEW_EMAIL_FIELD in self.errors else CALLER_CHECKED_FIELD)
            return
        self.card = dataclasses.replace(self.card, email=outcome.email, email_confirmed=False)
        self.notice = EMAIL_SET.format(email=outcome.email)
        yield rx.set_value(NEW_EMAIL_FIELD, "")
        yield AuditState.load

    async def _on_open_lk(self, operator: SessionUser, action: Callable[..., T]) -> T | None:
        """Run a desk action on the open LK; None, and the LK closed with a notice, when it is no longer there."""
        self.errors = {}
        login = self._open_login()
        result = await in_transaction(lambda session: action(operator.user_id, login, session=session))
        if result is None:
            self._gone()
        return result

    @rx.event
    async def resend_confirmation(self):
        """«Отправить ссылку подтверждения» to the LK's unconfirmed e-mail."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        outcome = await self._on_open_lk(operator, resend_confirmation_link)
        if outcome is None:
            return None
        self.notice = RESENDS[outcome].format(email=self.card.email)
        return AuditState.load

    @rx.event
    async def unlock(self):
        """«Снять блокировку входа»: forget the LK's failed logins."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        forgotten = await self._on_open_lk(operator, unlock_login)
        if forgotten is None:
            return None
        self.card = dataclasses.replace(self.card, failed_logins=0, login_delayed=False, login_locked=False)
        self.notice = LOGIN_UNLOCKED.format(forgotten=forgotten)
        return AuditState.load

    @rx.event
    async def end_all_sessions(self):
        """«Завершить все сеансы» of the LK."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        ended = await self._on_open_lk(operator, end_sessions)
        if ended is None:
            return None
        self.card = dataclasses.replace(self.card, sessions=[])
        self.notice = SESSIONS_ENDED.format(ended=ended)
        return AuditState.load
