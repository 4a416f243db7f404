"""The monthly bill by e-mail: who wants it at which address, and which bills went out."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from lk_app.clock import now


class EbillSubscription(SQLModel, table=True):
    """One linked account's bill wanted by an LK at an address; mailed only once the address is confirmed."""

    __tablename__ = "ebill_subscription"

    id: int | None = Field(default=None, primary_key=True)
    # Per link, not per account: households share accounts, and each LK chooses for itself. Removing the account
    # from the LK removes its subscription with it.
    link_id: int = Field(foreign_key="account_link.id", unique=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    confirmed_at: datetime | None = None
    # Kept rather than deleted, so that subscribing the same proven address again needs no new link.
    unsubscribed_at: datetime | None = None
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class SentBill(SQLModel, table=True):
    """One month's bill of an account queued to one address: the key that makes every rerun send it only once."""

    __tablename__ = "sent_bill"
    __table_args__ = (UniqueConstraint("account_id", "period", "email", name="uq_sent_bill_account_period_email"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="billing_account.id")
    period: str = Field(max_length=7)  # YYYY-MM
    email: str = Field(max_length=254)
    total_kop: int  # what the bill asked to pay, as its QR code says
    outbox_message_id: int = Field(foreign_key="outbox_message.id", index=True)
    # The one-click unsubscribe link of this e-mail: a random token, kept only as its hash.
    unsubscribe_token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=now)
