"""The console's tickets: the list of one status, one ticket with its replies, taking, answering and closing it."""

import enum
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from lk_app.clock import now, shown
from lk_app.messaging.outbox import queue_email
from lk_app.models import FeedbackTicket, LkUser, TicketReply
from lk_app.models.support import TICKET_CLOSED, TICKET_IN_WORK, TICKET_NEW, TICKET_STATUSES
from lk_app.services.audit import Action, logins_of, record_action, require_operator
from lk_app.services.feedback import MESSAGE_MAX, plain_text

PREVIEW_LENGTH = 80


class Reply(enum.Enum):
    """How an answer to a ticket ended."""

    SENT = "sent"
    CLOSED = "closed"
    BY_PHONE = "by_phone"  # the sender left a phone: the answer is a call, not a mail
    EMPTY = "empty"
    TOO_LONG = "too_long"  # longer than MESSAGE_MAX


@dataclass(frozen=True)
class TicketLine:
    """A ticket in the list of one status."""

    number: int
    created: str
    name: str
    contact: str
    preview: str
    operator: str


@dataclass(frozen=True)
class ReplyLine:
    """An answer sent to a ticket."""

    sent: str
    operator: str
    body: str


@dataclass(frozen=True)
class TicketDetail:
    """A ticket as the console opens it; the message is plain text."""

    number: int
    created: str
    status: str
    name: str
    contact: str
    contact_is_email: bool
    account_number: str
    message: str
    operator: str
    replies: list[ReplyLine]


def tickets_in(operator_id: int, status: str, *, session: Session, limit: int = 100) -> list[TicketLine]:
    """Tickets of one status: new and in work the oldest first (they wait), closed the newest first."""
    require_operator(operator_id, session=session)
    if status not in TICKET_STATUSES:
        return []
    order = col(FeedbackTicket.id).desc() if status == TICKET_CLOSED else col(FeedbackTicket.id)
    rows = session.exec(select(FeedbackTicket).where(FeedbackTicket.status == status).order_by(order).limit(limit)).all()
    operators = logins_of((row.operator_id for row in rows), session=session)
    return [
        TicketLine(row.id, shown(row.created_at), row.name, row.contact,
                   " ".join(row.message.split())[:PREVIEW_LENGTH], operators.get(row.operator_id, ""))
        for row in rows
    ]


def ticket_detail(operator_id: int, number: int, *, session: Session) -> TicketDetail | None:
    """One ticket with its replies; None when there is no such ticket."""
    require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None:
        return None
    replies = session.exec(select(TicketReply).where(TicketReply.ticket_id == ticket.id).order_by(TicketReply.id)).all()
    operators = logins_of([ticket.operator_id, *(reply.operator_id for reply in replies)], session=session)
    return TicketDetail(
        number=ticket.id,
        created=shown(ticket.created_at),
        status=ticket.status,
        name=ticket.name,
        contact=ticket.contact,
        contact_is_email=ticket.contact_is_email,
        account_number=ticket.account_number or "",
        message=ticket.message,
        operator=operators.get(ticket.operator_id, ""),
        replies=[ReplyLine(shown(r.created_at), operators.get(r.operator_id, ""), r.body) for r in replies],
    )


def _take(ticket_id: int, operator: LkUser, *, session: Session) -> bool:
    """Move a new ticket to work under this operator; of two operators taking it at once, one wins."""
    taken = session.exec(
        update(FeedbackTicket).where(FeedbackTicket.id == ticket_id, FeedbackTicket.status == TICKET_NEW)
        .values(status=TICKET_IN_WORK, operator_id=operator.id, taken_at=now())
    )
    return taken.rowcount == 1


def take_ticket(operator_id: int, number: int, *, session: Session) -> bool:
    """Take a new ticket into work: whether this operator took it (of two at once, one does)."""
    operator = require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None or not _take(ticket.id, operator, session=session):
        return False
    record_action(operator, Action.TAKE_TICKET, session=session, ticket=ticket)
    return True


def reply_to_ticket(operator_id: int, number: int, text: str, *, session: Session) -> Reply | None:
    """Mail an answer to the ticket's e-mail (a new ticket goes to work with it); None for no such ticket."""
    operator = require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None:
        return None
    body = plain_text(text)
    if ticket.status == TICKET_CLOSED:
        return Reply.CLOSED
    if not ticket.contact_is_email:
        return Reply.BY_PHONE
    if not body:
        return Reply.EMPTY
    if len(body) > MESSAGE_MAX:
        return Reply.TOO_LONG
    _take(ticket.id, operator, session=session)
    session.add(TicketReply(ticket_id=ticket.id, operator_id=operator.id, body=body))
    queue_email(session=session, to=ticket.contact, template="ticket_reply", number=ticket.id, name=ticket.name, reply=body)
    record_action(operator, Action.REPLY_TICKET, session=session, ticket=ticket, detail=ticket.contact)
    return Reply.SENT


def close_ticket(operator_id: int, number: int, *, session: Session) -> bool:
    """Close the ticket: whether this call closed it."""
    operator = require_operator(operator_id, session=session)
    ticket = session.get(FeedbackTicket, number)
    if ticket is None:
        return False
    closed = session.exec(
        update(FeedbackTicket).where(FeedbackTicket.id == ticket.id, FeedbackTicket.status != TICKET_CLOSED)
        .values(status=TICKET_CLOSED, closed_at=now(), operator_id=func.coalesce(FeedbackTicket.operator_id, operator.id))
    )
    if closed.rowcount != 1:
        return False
    record_action(operator, Action.CLOSE_TICKET, session=session, ticket=ticket)
    return True
