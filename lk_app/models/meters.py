"""Electricity meters of billing accounts and their readings, from the billing system and from LK."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

SOURCE_BILLING = "billing"
SOURCE_LK = "lk"


class Meter(SQLModel, table=True):
    """A meter of an account: its number and how many tariff zones it counts."""

    __tablename__ = "meter"
    __table_args__ = (
        UniqueConstraint("account_id", "number"),
        CheckConstraint("zones BETWEEN 1 AND 3", name="ck_meter_zones"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="billing_account.id", index=True)
    number: str = Field(max_length=30)
    zones: int = 1


class MeterReading(SQLModel, table=True):
    """A meter's reading of one month: one value per zone; a customer's LK reading is corrected in place."""

    __tablename__ = "meter_reading"
    __table_args__ = (UniqueConstraint("meter_id", "period", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    meter_id: int = Field(foreign_key="meter.id", index=True)
    period: str = Field(max_length=7)  # YYYY-MM
    source: str = Field(max_length=10)  # SOURCE_BILLING or SOURCE_LK
    value1: float
    value2: float | None = None
    value3: float | None = None
    read_on: date | None = None  # billing readings: the day the meter was read
    submitted_at: datetime | None = None  # LK readings: when the customer last sent or corrected it
    user_id: int | None = Field(default=None, foreign_key="lk_user.id", ondelete="SET NULL")
