"""Feedback tickets with the operators' replies, and the append-only audit log of the operator console."""

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from lk_app.clock import now

TICKET_NEW = "new"
TICKET_IN_WORK = "in_work"
TICKET_CLOSED = "closed"
TICKET_STATUSES = (TICKET_NEW, TICKET_IN_WORK, TICKET_CLOSED)


class FeedbackTicket(SQLModel, table=True):
    """A message sent with the feedback form by anyone, logged in or not: new → in work → closed."""

    __tablename__ = "feedback_ticket"
    __table_args__ = (Index("ix_feedback_ticket_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)  # the ticket number the customer is shown
    name: str = Field(max_length=100)
    contact: str = Field(max_length=254)  # a normalized e-mail or +7XXXXXXXXXX
    contact_is_email: bool
    account_number: str | None = Field(default=None, max_length=15)
    message: str = Field(sa_column=Column(Text, nullable=False))  # plain text as typed, never markup
    status: str = Field(default=TICKET_NEW, max_length=12)
    ip: str = Field(default="", max_length=45)
    operator_id: int | None = Field(default=None, foreign_key="lk_user.id")  # who took it in work
    created_at: datetime = Field(default_factory=now)
    taken_at: datetime | None = None
    closed_at: datetime | None = None


class TicketReply(SQLModel, table=True):
    """An operator's answer to a ticket, sent to its e-mail."""

    __tablename__ = "ticket_reply"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="feedback_ticket.id", index=True)
    operator_id: int = Field(foreign_key="lk_user.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=now)


class AuditEntry(SQLModel, table=True):
    """One operator action: who, when, what, on which LK or ticket. Rows are only ever added."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=now, index=True)
    operator_id: int = Field(foreign_key="lk_user.id")
    action: str = Field(max_length=40)
    user_id: int | None = Field(default=None, foreign_key="lk_user.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="feedback_ticket.id", index=True)
    detail: str = Field(default="", max_length=500)  # what the operator typed or chose; never a secret
