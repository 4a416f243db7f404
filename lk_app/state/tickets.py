"""The console's tickets: the list of one status and the open ticket with its replies; every handler re-checks the role."""

import reflex as rx

from lk_app.models.support import TICKET_CLOSED, TICKET_NEW
from lk_app.services.sessions import SessionUser
from lk_app.services.tickets import (
    Reply,
    TicketDetail,
    TicketLine,
    close_ticket,
    reply_to_ticket,
    take_ticket,
    ticket_detail,
    tickets_in,
)
from lk_app.state.audit import AuditState, console_operator, turned_away
from lk_app.state.threads import in_transaction
from lk_app.texts.operator import CLOSED, REPLY_SENT, STATUS_LABELS, TAKEN, reply_refusal

REPLY_FIELD = "ticket_reply"


class TicketsState(rx.State):
    """The tickets of one status and the open ticket; filled from the server only."""

    status: str = TICKET_NEW
    rows: list[TicketLine] = []
    ticket: TicketDetail | None = None  # the open ticket
    reply_error: str = ""
    notice: str = ""

    @rx.var
    def ticket_status_label(self) -> str:
        """The open ticket's status in words."""
        return STATUS_LABELS.get(self.ticket.status, "") if self.ticket else ""

    @rx.var
    def can_take(self) -> bool:
        """Whether the open ticket is new, for «Взять в работу»."""
        return bool(self.ticket) and self.ticket.status == TICKET_NEW

    @rx.var
    def can_answer(self) -> bool:
        """Whether the open ticket may still be answered and closed."""
        return bool(self.ticket) and self.ticket.status != TICKET_CLOSED

    def _number(self) -> int:
        return self.ticket.number if self.ticket else 0

    @rx.event
    async def load(self):
        """The list of the chosen status."""
        operator = await console_operator(self)
        if operator is None:
            self.reset()
            return
        await self._list(operator)
        if self.ticket:
            await self._show(operator, self.ticket.number)

    async def _list(self, operator: SessionUser) -> None:
        status = self.status
        self.rows = await in_transaction(lambda session: tickets_in(operator.user_id, status, session=session))

    async def _show(self, operator: SessionUser, number: int) -> None:
        self.ticket = await in_transaction(lambda session: ticket_detail(operator.user_id, number, session=session))

    @rx.event
    async def choose_status(self, status: str):
        """«Новые», «В работе», «Закрытые»."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        self.status = status if status in STATUS_LABELS else TICKET_NEW
        self.ticket, self.notice = None, ""
        await self._list(operator)
        return None

    @rx.event
    async def open_ticket(self, number: int):
        """Show one ticket with its replies."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        self.notice = self.reply_error = ""
        try:
            await self._show(operator, int(number))
        except (TypeError, ValueError):
            self.ticket = None
        return None

    async def _after(self, operator: SessionUser, notice: str):
        self.notice = notice
        await self._show(operator, self._number())
        await self._list(operator)
        return AuditState.load

    @rx.event
    async def take(self):
        """«Взять в работу»."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        number = self._number()
        taken = await in_transaction(lambda session: take_ticket(operator.user_id, number, session=session))
        return await self._after(operator, TAKEN[taken])

    @rx.event
    async def reply(self, form_data: dict):
        """«Ответить»: the answer goes to the ticket's e-mail."""
        operator = await console_operator(self)
        if operator is None:
            yield await turned_away(self)
            return
        number, body = self._number(), str(form_data.get(REPLY_FIELD, ""))[:20_000]
        outcome = await in_transaction(lambda session: reply_to_ticket(operator.user_id, number, body, session=session))
        if outcome is None:
            self.ticket = None
            return
        if outcome is not Reply.SENT:
            self.reply_error = reply_refusal(outcome, contact=self.ticket.contact)
            yield rx.set_focus(REPLY_FIELD)
            return
        self.reply_error = ""
        yield rx.set_value(REPLY_FIELD, "")
        yield await self._after(operator, REPLY_SENT.format(contact=self.ticket.contact))

    @rx.event
    async def close(self):
        """«Закрыть обращение»."""
        operator = await console_operator(self)
        if operator is None:
            return await turned_away(self)
        number = self._number()
        closed = await in_transaction(lambda session: close_ticket(operator.user_id, number, session=session))
        return await self._after(operator, CLOSED[closed])
