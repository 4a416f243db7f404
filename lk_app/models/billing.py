"""Billing data imported from the supplier: accounts, payments, charges (money in kopecks)."""

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lk_app.clock import now


class BillingAccount(SQLModel, table=True):
    """A billing account (the customer's personal account number) as the billing system knows it."""

    __tablename__ = "billing_account"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=15, unique=True, index=True)
    surname: str = Field(max_length=100)
    surname_key: str = Field(max_length=100)  # lower-case, yo folded to ye: what first login compares
    first_name: str = Field(default="", max_length=100)
    patronymic: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=500)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=16)
    updated_at: datetime = Field(default_factory=now)


class Payment(SQLModel, table=True):
    """A payment received on an account; `seq` tells apart equal payments on one day."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("account_id", "paid_on", "amount_kop", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="billing_account.id", index=True)
    paid_on: date
    amount_kop: int
    seq: int = 0
    # The acquirer's payment id of a payment made in LK, when the billing system sends it back (payments.csv).
    external_id: str | None = Field(default=None, max_length=64, index=True)


class Charge(SQLModel, table=True):
    """A monthly charge of an account, per tariff zone."""

    __tablename__ = "charge"
    __table_args__ = (
        UniqueConstraint("account_id", "period", "zone"),
        # One account's months lie on as many heap pages; PostgreSQL sums and lists them from this index alone.
        Index("ix_charge_account_period", "account_id", "period",
              postgresql_include=["zone", "kwh", "amount_kop", "tariff_kop", "id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="billing_account.id")
    period: str = Field(max_length=7)  # YYYY-MM
    zone: str = Field(default="", max_length=20)
    kwh: float = 0.0
    amount_kop: int
    tariff_kop: int | None = None
