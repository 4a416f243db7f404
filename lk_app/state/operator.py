"""The operator console: LK lookup and the actions on it, tickets, the audit log; every handler re-checks the role."""

import asyncio
import dataclasses

import reflex as rx

from lk_app import db
from lk_app.models import OPERATOR
from lk_app.models.support import TICKET_CLOSED, TICKET_IN_WORK, TICKET_NEW
from lk_app.services.operator import (
    Action,
    Resend,
    audit_log,
    close_ticket,
    end_sessions,
    find_lks,
    lk_card,
    reply_to_ticket,
    resend_confirmation_link,
    set_email,
    take_ticket,
    ticket_detail,
    tickets,
    unlock_login,
)
from lk_app.services.sessions import SessionUser
from lk_app.state.session import SessionState

NEW_EMAIL_FIELD = "operator_new_email"
CALLER_CHECKED_FIELD = "caller_checked"
REPLY_FIELD = "ticket_reply"
NO_SUCH_LK = "Личный кабинет не найден: возможно, его логин изменился. Найдите его снова."
RESENDS = {
    Resend.SENT: "Ссылка подтверждения отправлена на {email}.",
    Resend.CONFIRMED: "E-mail уже подтверждён: новая ссылка не нужна.",
    Resend.NO_EMAIL: "В Личном кабинете нет e-mail: сначала укажите его.",
    Resend.LIMITED: "Ссылок для этого Личного кабинета отправлено слишком много. Попробуйте через час.",
}
STATUS_LABELS = {TICKET_NEW: "Новое", TICKET_IN_WORK: "В работе", TICKET_CLOSED: "Закрыто"}
ACTION_LABELS = {
    Action.SEARCH.value: "Поиск",
    Action.VIEW_LK.value: "Просмотр ЛК",
    Action.SET_EMAIL.value: "Смена e-mail",
    Action.RESEND_CONFIRMATION.value: "Ссылка подтверждения",
    Action.UNLOCK_LOGIN.value: "Снятие блокировки входа",
    Action.END_SESSIONS.value: "Завершение сеансов",
    Action.TAKE_TICKET.value: "Обращение взято в работу",
    Action.REPLY_TICKET.value: "Ответ на обращение",
    Action.CLOSE_TICKET.value: "Обращение закрыто",
}


async def _operator(state: rx.State) -> SessionUser | None:
    """The operator of the tab's session, re-checked in the database; None for anyone else."""
    return await (await state.get_state(SessionState))._current_operator()


async def _refused(state: rx.State) -> rx.event.EventSpec:
    """Wipe what the tab shows and send it to the login page: its session ended or is not an operator's."""
    return await (await state.get_state(SessionState))._turn_away()


@dataclasses.dataclass
class FoundLk:
    """An LK in the search results."""

    login: str = ""
    email: str = ""
    phone: str = ""
    accounts: str = ""


@dataclasses.dataclass
class AccountRow:
    """An account of the open LK."""

    number: str = ""
    holder: str = ""
    address: str = ""
    primary: bool = False


@dataclasses.dataclass
class LoginRow:
    """A session of the open LK: live ones and recent logins."""

    when: str = ""
    ip: str = ""
    device: str = ""
    active: bool = False


@dataclasses.dataclass
class TicketRow:
    """A ticket in the list."""

    number: int = 0
    created: str = ""
    name: str = ""
    contact: str = ""
    preview: str = ""
    operator: str = ""


@dataclasses.dataclass
class ReplyRow:
    """An answer sent to the open ticket."""

    sent: str = ""
    operator: str = ""
    body: str = ""


@dataclasses.dataclass
class AuditRow:
    """An audit entry."""

    at: str = ""
    operator: str = ""
    action: str = ""
    subject: str = ""
    detail: str = ""


class OperatorState(rx.State):
    """Finding an LK, what the console shows of it and the actions on it; filled from the server only."""

    ready: bool = False
    denied: bool = False
    operator_login: str = ""
    query: str = ""
    searched: bool = False
    found: list[FoundLk] = []
    login: str = ""  # the open LK; a login, never an id
    email: str = ""
    email_confirmed: bool = False
    phone: str = ""
    phone_confirmed: bool = False
    created: str = ""
    migrated: bool = False
    accounts: list[AccountRow] = []
    sessions: list[LoginRow] = []
    logins: list[LoginRow] = []
    failed_logins: int = 0
    login_state: str = ""
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

    @rx.event
    async def load(self):
        """Operators see the console; customers a calm refusal; no session, the login page."""
        self.reset()
        user = await (await self.get_state(SessionState))._current_user()
        if user is None:
            return await (await self.get_state(SessionState))._turn_away()
        self.denied = user.role != OPERATOR
        self.operator_login = "" if self.denied else user.login
        self.ready = True
        return None if self.denied else [TicketsState.load, AuditState.load]

    @rx.event
    async def search(self, form_data: dict):
        """«Найти»: LKs by account number, login, e-mail or phone."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        self.query = str(form_data.get("lk_query", "")).strip()[:254]
        views = await asyncio.to_thread(db.run, find_lks, operator.user_id, self.query)
        self.found = [FoundLk(v.login, v.email, v.phone, v.accounts) for v in views]
        self.searched = bool(self.query)
        self.login, self.notice, self.errors = "", "", {}
        return AuditState.load

    @rx.event
    async def open_lk(self, login: str):
        """Show one LK of the search results."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        self.notice, self.errors = "", {}
        card = await asyncio.to_thread(db.run, lk_card, operator.user_id, str(login)[:32])
        if card is None:
            self._gone()
            return None
        self.login, self.email, self.email_confirmed = card.login, card.email, card.email_confirmed
        self.phone, self.phone_confirmed = card.phone, card.phone_confirmed
        self.created, self.migrated = card.created, card.migrated
        self.accounts = [AccountRow(a.number, a.holder, a.address, a.primary) for a in card.accounts]
        self.sessions = [LoginRow(s.last_seen, s.ip, s.device, True) for s in card.sessions]
        self.logins = [LoginRow(line.started, line.ip, line.device, line.active) for line in card.logins]
        self.failed_logins = card.failed_logins
        self.login_state = "locked" if card.login_locked else ("delayed" if card.login_delayed else "")
        return AuditState.load

    def _gone(self) -> None:
        """The open LK is no longer there to act on (or never was a customer's)."""
        self.login, self.errors, self.notice = "", {}, NO_SUCH_LK

    @rx.event
    async def change_email(self, form_data: dict):
        """«Сменить e-mail»: set the new address unconfirmed and send it a confirmation link."""
        operator = await _operator(self)
        if operator is None:
            yield await _refused(self)
            return
        new_email = str(form_data.get(NEW_EMAIL_FIELD, "")).strip()[:254]
        checked = bool(form_data.get(CALLER_CHECKED_FIELD))
        self.notice = ""
        outcome = await asyncio.to_thread(db.run, set_email, operator.user_id, self.login, new_email, caller_checked=checked)
        if outcome is None:
            self._gone()
            return
        self.errors, address = outcome
        if self.errors:
            yield rx.set_focus(NEW_EMAIL_FIELD if NEW_EMAIL_FIELD in self.errors else CALLER_CHECKED_FIELD)
            return
        self.email, self.email_confirmed = address, False
        self.notice = f"E-mail изменён на {address}. Туда отправлена ссылка подтверждения, и восстановление пароля уже идёт на этот адрес."
        yield rx.set_value(NEW_EMAIL_FIELD, "")
        yield AuditState.load

    @rx.event
    async def resend_confirmation(self):
        """«Отправить ссылку подтверждения» to the LK's unconfirmed e-mail."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        self.errors = {}
        outcome = await asyncio.to_thread(db.run, resend_confirmation_link, operator.user_id, self.login)
        if outcome is None:
            self._gone()
            return None
        self.notice = RESENDS[outcome].format(email=self.email)
        return AuditState.load

    @rx.event
    async def unlock(self):
        """«Снять блокировку входа»: forget the LK's failed logins."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        self.errors = {}
        forgotten = await asyncio.to_thread(db.run, unlock_login, operator.user_id, self.login)
        if forgotten is None:
            self._gone()
            return None
        self.failed_logins, self.login_state = 0, ""
        self.notice = f"Неудачные попытки входа забыты ({forgotten}): клиент может входить."
        return AuditState.load

    @rx.event
    async def end_all_sessions(self):
        """«Завершить все сеансы» of the LK."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        self.errors = {}
        ended = await asyncio.to_thread(db.run, end_sessions, operator.user_id, self.login)
        if ended is None:
            self._gone()
            return None
        self.sessions = []
        self.notice = f"Завершено сеансов: {ended}."
        return AuditState.load


class TicketsState(rx.State):
    """The tickets of one status and the open ticket; filled from the server only."""

    status: str = TICKET_NEW
    rows: list[TicketRow] = []
    number: int = 0  # the open ticket; 0 when none
    created: str = ""
    ticket_status: str = ""
    name: str = ""
    contact: str = ""
    contact_is_email: bool = False
    account_number: str = ""
    message: str = ""
    operator: str = ""
    replies: list[ReplyRow] = []
    reply_error: str = ""
    notice: str = ""

    @rx.var
    def ticket_status_label(self) -> str:
        """The open ticket's status in words."""
        return STATUS_LABELS.get(self.ticket_status, "")

    @rx.event
    async def load(self):
        """The list of the chosen status."""
        operator = await _operator(self)
        if operator is None:
            self.reset()
            return
        await self._list(operator)
        if self.number:
            await self._show(operator, self.number)

    async def _list(self, operator: SessionUser) -> None:
        views = await asyncio.to_thread(db.run, tickets, operator.user_id, self.status)
        self.rows = [TicketRow(v.number, v.created, v.name, v.contact, v.preview, v.operator) for v in views]

    async def _show(self, operator: SessionUser, number: int) -> None:
        detail = await asyncio.to_thread(db.run, ticket_detail, operator.user_id, number)
        if detail is None:
            self.number = 0
            return
        self.number, self.created, self.ticket_status = detail.number, detail.created, detail.status
        self.name, self.contact, self.contact_is_email = detail.name, detail.contact, detail.contact_is_email
        self.account_number, self.message, self.operator = detail.account_number, detail.message, detail.operator
        self.replies = [ReplyRow(r.sent, r.operator, r.body) for r in detail.replies]

    @rx.event
    async def choose_status(self, status: str):
        """«Новые», «В работе», «Закрытые»."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        self.status = status if status in STATUS_LABELS else TICKET_NEW
        self.number, self.notice = 0, ""
        await self._list(operator)
        return None

    @rx.event
    async def open_ticket(self, number: int):
        """Show one ticket with its replies."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        self.notice = self.reply_error = ""
        try:
            await self._show(operator, int(number))
        except (TypeError, ValueError):
            self.number = 0
        return None

    async def _after(self, operator: SessionUser, notice: str):
        self.notice = notice
        await self._show(operator, self.number)
        await self._list(operator)
        return AuditState.load

    @rx.event
    async def take(self):
        """«Взять в работу»."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        taken = await asyncio.to_thread(db.run, take_ticket, operator.user_id, self.number)
        return await self._after(operator, "Обращение взято в работу." if taken else "Обращение уже взял другой оператор.")

    @rx.event
    async def reply(self, form_data: dict):
        """«Ответить»: the answer goes to the ticket's e-mail."""
        operator = await _operator(self)
        if operator is None:
            yield await _refused(self)
            return
        body = str(form_data.get(REPLY_FIELD, ""))[:20_000]
        errors = await asyncio.to_thread(db.run, reply_to_ticket, operator.user_id, self.number, body)
        if errors is None:
            self.number = 0
            return
        self.reply_error = errors.get("reply", "")
        if self.reply_error:
            yield rx.set_focus(REPLY_FIELD)
            return
        yield rx.set_value(REPLY_FIELD, "")
        yield await self._after(operator, f"Ответ отправлен на {self.contact}.")

    @rx.event
    async def close(self):
        """«Закрыть обращение»."""
        operator = await _operator(self)
        if operator is None:
            return await _refused(self)
        closed = await asyncio.to_thread(db.run, close_ticket, operator.user_id, self.number)
        return await self._after(operator, "Обращение закрыто." if closed else "Обращение уже закрыто.")


class AuditState(rx.State):
    """The newest audit entries: who did what, when, to which LK or ticket."""

    entries: list[AuditRow] = []

    @rx.event
    async def load(self):
        """Read the log afresh."""
        operator = await _operator(self)
        if operator is None:
            self.reset()
            return
        lines = await asyncio.to_thread(db.run, audit_log, operator.user_id)
        self.entries = [
            AuditRow(line.at, line.operator, ACTION_LABELS.get(line.action, line.action),
                     " ".join(part for part in (line.lk and f"ЛК {line.lk}", line.ticket and f"обращение № {line.ticket}") if part),
                     line.detail)
            for line in lines
        ]
