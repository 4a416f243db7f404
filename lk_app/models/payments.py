"""Payments made in LK through the acquirer (YooKassa): what was asked for, and what the acquirer's API says of it."""

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from lk_app.clock import now

# The acquirer's statuses (YooKassa's words): pending and waiting_for_capture may change, the other two are final.
PENDING = "pending"
WAITING_FOR_CAPTURE = "waiting_for_capture"
SUCCEEDED = "succeeded"
CANCELED = "canceled"
FINAL_STATUSES = (SUCCEEDED, CANCELED)


class OnlinePayment(SQLModel, table=True):
    """One payment attempt made through LK: written only once the acquirer has made the payment, never half."""

    __tablename__ = "online_payment"
    __table_args__ = (
        # What reconciliation reads: the payments still open, oldest first.
        Index("ix_online_payment_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The id the return address carries: random, so that it names one payment to whoever was sent there and no other.
    public_id: str = Field(max_length=32, unique=True)
    idempotence_key: str = Field(max_length=64, unique=True)
    acquirer_id: str = Field(max_length=64, unique=True)  # YooKassa's payment id
    user_id: int = Field(foreign_key="lk_user.id", index=True)
    account_id: int = Field(foreign_key="billing_account.id", index=True)
    amount_kop: int
    method: str = Field(max_length=20)  # "bank_card" or "sbp"
    receipt_email: str | None = Field(default=None, max_length=254)
    receipt_phone: str | None = Field(default=None, max_length=16)
    status: str = Field(default=PENDING, max_length=24)
    confirmation_url: str = Field(default="", max_length=2000)
    cancellation_reason: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    paid_at: datetime | None = None  # when the acquirer took the money (UTC)
    paid_on: date | None = None  # that day in LK_TIMEZONE: what the billing import's payment date is matched with
    # The billing system's record of this payment, once its import brought it: from then on it counts only there.
    payment_id: int | None = Field(default=None, foreign_key="payment.id", unique=True, ondelete="SET NULL")
