"""SQLModel tables of LK; importing this package registers them all in the metadata."""

from sqlmodel import SQLModel

from lk_app.models.auth import AuthSession, LimitEvent, LoginGrant, OneTimeToken, SmsCode
from lk_app.models.billing import BillingAccount, Charge, Payment
from lk_app.models.ebills import EbillSubscription, SentBill
from lk_app.models.outbox import OutboxAttachment, OutboxMessage
from lk_app.models.users import AccountLink, LkUser

metadata = SQLModel.metadata

__all__ = [
    "AccountLink",
    "AuthSession",
    "BillingAccount",
    "Charge",
    "EbillSubscription",
    "LimitEvent",
    "LkUser",
    "LoginGrant",
    "OneTimeToken",
    "OutboxAttachment",
    "OutboxMessage",
    "Payment",
    "SentBill",
    "SmsCode",
    "metadata",
]
