"""Writing messages to the outbox in the caller's transaction."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from lk_app.messaging.templates import render
from lk_app.models import OutboxAttachment, OutboxMessage

EMAIL = "email"
SMS = "sms"


@dataclass(frozen=True)
class Attachment:
    """A file to send with an e-mail."""

    filename: str
    content_type: str
    content: bytes


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
