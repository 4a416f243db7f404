"""Outgoing e-mail and SMS, written in the transaction that causes them and sent by the dispatcher."""

from datetime import datetime

from sqlalchemy import JSON, Index, LargeBinary, Text, false
from sqlmodel import Column, Field, Relationship, SQLModel

from lk_app.clock import now

OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"
OUTBOX_SENT = "sent"
OUTBOX_ABANDONED = "abandoned"


class OutboxMessage(SQLModel, table=True):
    """One message: pending → sending → sent, or back to pending for a retry, or abandoned."""

    __tablename__ = "outbox_message"
    # The dispatcher walks it in the order messages go, so a claim reads a batch, not the whole outbox.
    __table_args__ = (Index("ix_outbox_due", "channel", "status", "bulk", "next_attempt_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)  # "email" or "sms"
    # What the message is, still known once its bodies are gone: the template's name, or "sms".
    kind: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    recipient: str = Field(max_length=254)
    subject: str = Field(default="", max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default=OUTBOX_PENDING, max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now)
    # A mass mailing's message: it goes after every message someone is waiting for.
    bulk: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    provider_message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=now, index=True)
    sent_at: datetime | None = None
    headers: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # e.g. List-Unsubscribe
    # It holds a link token or a code: once sent or abandoned its bodies and headers are wiped (redacted_at), since
    # the provider has it and a copy here would only be a secret to steal.
    carries_secret: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    redacted_at: datetime | None = None
    attachments: list["OutboxAttachment"] = Relationship()


class OutboxAttachment(SQLModel, table=True):
    """A file that goes with an outbox message; its bytes are dropped once the message is sent."""

    __tablename__ = "outbox_attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outbox_message.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
