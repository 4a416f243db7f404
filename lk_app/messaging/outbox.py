"""Writing messages to the outbox in the caller's transaction, and reading it back for the demo page."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from lk_app.messaging.templates import render
from lk_app.models import OutboxAttachment, OutboxMessage
from lk_app.settings import get_settings

EMAIL = "email"
SMS = "sms"


@dataclass(frozen=True)
class Attachment:
    """A file to send with an e-mail."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class OutboxView:
    """One message as `/dev/outbox` shows it."""

    id: int
    channel: str
    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    status: str
    created_at: str
    redacted: bool  # its bodies were wiped once it was sent: they held a link or a code


def queue_email(
    *,
    session: Session,
    to: str,
    template: str,
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[Attachment] = (),
    bulk: bool = False,
    secret: bool = False,
    **context: object,
) -> OutboxMessage:
    """Render a template for `to` and add it to the outbox; the caller's commit sends it, a rollback drops it.

    A `bulk` message (a mass mailing's) goes only when no message someone is waiting for is due. A message that
    carries a secret (`secret`, or a template with a link token) is wiped once a provider has sent it.
    """
    if not to:
        raise ValueError("an e-mail needs a recipient")
    rendered = render(template, **context)
    message = OutboxMessage(
        channel=EMAIL, kind=template, recipient=to, subject=rendered.subject, body_text=rendered.text,
        body_html=rendered.html, headers=dict(headers) if headers else None, bulk=bulk,
        carries_secret=secret or rendered.carries_secret,
        attachments=[OutboxAttachment(filename=a.filename, content_type=a.content_type, content=a.content)
                     for a in attachments],
    )
    session.add(message)
    return message


def queue_sms(*, session: Session, to: str, text: str) -> OutboxMessage:
    """Add an SMS to the outbox in the caller's transaction; it is wiped once sent, as every SMS carries a code or a
    link."""
    if not to or not text:
        raise ValueError("an SMS needs a recipient and a text")
    message = OutboxMessage(channel=SMS, kind=SMS, recipient=to, body_text=text, carries_secret=True)
    session.add(message)
    return message


def recent_messages(*, session: Session, limit: int = 100) -> list[OutboxView]:
    """The newest messages first, as display objects; none outside demo mode, where the bodies are live links."""
    if not get_settings().demo_mode:
        return []
    rows = session.exec(
        select(OutboxMessage)
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .limit(limit)
    ).all()
    return [
        OutboxView(
            id=row.id,
            channel=row.channel,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            status=row.status,
            created_at=f"{row.created_at:%d.%m.%Y %H:%M:%S} UTC",
            redacted=row.redacted_at is not None,
        )
        for row in rows
    ]
