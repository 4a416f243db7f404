"""LK users and the billing accounts linked to them."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from lk_app.clock import now

CUSTOMER = "customer"
OPERATOR = "operator"  # the contact centre: made by `create-operator`, works in /operator


class LkUser(SQLModel, table=True):
    """A personal cabinet (LK): its login, password hash and contacts."""

    __tablename__ = "lk_user"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=32)  # as typed; a free login or the account number
    login_key: str = Field(max_length=32, unique=True, index=True)  # case-folded, for lookups
    password_hash: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, index=True)
    email_confirmed: bool = False
    phone: str | None = Field(default=None, max_length=16)
    phone_confirmed: bool = False
    role: str = Field(default=CUSTOMER, max_length=20)
    # Bumped by every change of password, e-mail or phone, a reset, "sign out everywhere" and an operator's
    # change: every session, grant, link and code of an older epoch is refused where it is redeemed.
    credential_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The account the cabinet showed last, so the next visit from any browser opens on it.
    chosen_account_id: int | None = Field(default=None, foreign_key="billing_account.id", ondelete="SET NULL")
    # Set for LKs carried over from the old portal: they enter without a new confirmation.
    migrated_at: datetime | None = None
    created_at: datetime = Field(default_factory=now)


class AccountLink(SQLModel, table=True):
    """An LK user ↔ a billing account; households share accounts, so one account may sit in several LKs."""

    __tablename__ = "account_link"
    __table_args__ = (
        UniqueConstraint("user_id", "account_id", name="uq_account_link_user_account"),
        # First login registers an account once: at most one link per account is the LK's own.
        Index("uq_account_link_primary_account", "account_id", unique=True,
              sqlite_where=text('"primary"'), postgresql_where=text('"primary"')),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="lk_user.id", index=True)
    account_id: int = Field(foreign_key="billing_account.id", index=True)
    # The account the LK was registered with by first login: its login, never removed from it.
    primary: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=now)
