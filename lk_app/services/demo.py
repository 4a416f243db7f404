"""What demo mode shows: a few accounts to try first login with, and every message the app produced."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from lk_app.clock import shown
from lk_app.models import AccountLink, BillingAccount, OutboxMessage
from lk_app.settings import get_settings


@dataclass(frozen=True)
class OutboxView:
    """One message as `/dev/outbox` shows it."""

    id: int
    channel: str
    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str  # "" for an SMS
    status: str
    created_at: str
    redacted: bool  # its bodies were wiped once it was sent: they held a link or a code


def demo_sample_accounts(limit: int = 5, *, session: Session) -> list[tuple[str, str]]:
    """(number, surname) of a few accounts that have no LK yet, for the login page in demo mode."""
    rows = session.exec(
        select(BillingAccount.number, BillingAccount.surname)
        .outerjoin(AccountLink, AccountLink.account_id == BillingAccount.id)
        .where(AccountLink.id.is_(None))
        .order_by(BillingAccount.id)
        .limit(limit)
    ).all()
    return [(number, surname) for number, surname in rows]


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
            body_html=row.body_html or "",
            status=row.status,
            created_at=shown(row.created_at),
            redacted=row.redacted_at is not None,
        )
        for row in rows
    ]
