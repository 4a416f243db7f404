"""Outgoing e-mail and SMS, written in the transaction that causes them and sent by the dispatcher."""

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from lk_app.clock import now


class OutboxMessage(SQLModel, table=True):
    """One message: pending → sending → sent, or back to pending for a retry, or abandoned."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_channel_status_due", "channel", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)  # "email" or "sms"
    recipient: str = Field(max_length=254)
    subject: str = Field(default="", max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now)
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    provider_message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=now, index=True)
    sent_at: datetime | None = None
