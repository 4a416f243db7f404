"""LK users and the billing accounts linked to them."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from lk_app.clock import now


class LkUser(SQLModel, table=True):
    """A Личный кабинет: its login, password hash and contacts."""

    __tablename__ = "lk_user"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=32)  # as typed; a free login or the account number
    login_key: str = Field(max_length=32, unique=True, index=True)  # case-folded, for lookups
    password_hash: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, index=True)
    email_confirmed: bool = False
    phone: str | None = Field(default=None, max_length=16)
    phone_confirmed: bool = False
    role: str = Field(default="customer", max_length=20)
    created_at: datetime = Field(default_factory=now)


class AccountLink(SQLModel, table=True):
    """An LK user ↔ a billing account; an account belongs to one LK at most."""

    __tablename__ = "account_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="lk_user.id", index=True)
    account_id: int = Field(foreign_key="billing_account.id", unique=True)
    created_at: datetime = Field(default_factory=now)
