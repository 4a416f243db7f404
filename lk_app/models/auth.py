"""Sessions, login grants, one-time e-mail tokens, SMS codes and the events that limits count."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from lk_app.clock import now


class AuthSession(SQLModel, table=True):
    """A server-side login session; the browser holds only the id, the table only its hash."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="lk_user.id", index=True)
    epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # the LK's credential epoch at login
    created_at: datetime = Field(default_factory=now)
    last_seen_at: datetime = Field(default_factory=now)
    revoked_at: datetime | None = None
    ip: str = Field(default="", max_length=45)
    user_agent: str = Field(default="", max_length=300)


class LoginGrant(SQLModel, table=True):
    """A short-lived single-use ticket that the cookie route trades for a new session."""

    __tablename__ = "login_grant"

    id: int | None = Field(default=None, primary_key=True)
    grant_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="lk_user.id")
    epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The hash of the nonce the logging-in browser was given: the cookie route redeems the grant only beside it.
    browser_hash: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    expires_at: datetime
    used_at: datetime | None = None


class OneTimeToken(SQLModel, table=True):
    """A link token sent by e-mail (confirmation, reset); stored hashed, single-use."""

    __tablename__ = "one_time_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="lk_user.id", index=True)
    purpose: str = Field(max_length=20)
    email: str = Field(max_length=254)  # where the link went: an address, or a phone for an SMS notice
    epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class SmsCode(SQLModel, table=True):
    """A 6-digit code sent by SMS to prove a phone: stored salted and hashed, bound to phone and purpose."""

    __tablename__ = "sms_code"
    __table_args__ = (Index("ix_sms_code_phone_purpose_created", "phone", "purpose", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(max_length=16)
    purpose: str = Field(max_length=20)
    salt: str = Field(max_length=32)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime
    attempts: int = 0  # every try counts, and a newer code starts from its predecessor's count
    # A code for an existing LK (recovery, a new phone) dies with the LK's credential epoch.
    user_id: int | None = Field(default=None, foreign_key="lk_user.id")
    epoch: int | None = None
    # The hash of the nonce held by the tab that asked for the code: only that tab's tries count against it.
    requester_hash: str | None = Field(default=None, max_length=64)
    verified_at: datetime | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class LimitEvent(SQLModel, table=True):
    """One counted event (a failed login, a wrong surname) under a limit's kind and subject."""

    __tablename__ = "limit_event"
    __table_args__ = (Index("ix_limit_event_kind_subject_at", "kind", "subject", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=now)
