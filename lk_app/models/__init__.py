"""SQLModel tables of LK; importing this package registers them all in the metadata."""

from sqlmodel import SQLModel

from lk_app.models.auth import AuthSession, LimitEvent, LoginGrant, OneTimeToken, SmsCode
from lk_app.models.billing import BillingAccount, Charge, Payment
from lk_app.models.ebills import EbillSubscription, SentBill
from lk_app.models.meters import Meter, MeterReading
from lk_app.models.outbox import OutboxAttachment, OutboxMessage
from lk_app.models.payments import OnlinePayment
from lk_app.models.support import AuditEntry, FeedbackTicket, TicketReply
from lk_app.models.users import OPERATOR, AccountLink, LkUser

metadata = SQLModel.metadata

__all__ = [
    "OPERATOR",
    "AccountLink",
    "AuditEntry",
    "AuthSession",
    "BillingAccount",
    "Charge",
    "EbillSubscription",
    "FeedbackTicket",
    "LimitEvent",
    "LkUser",
    "LoginGrant",
    "Meter",
    "MeterReading",
    "OneTimeToken",
    "OnlinePayment",
    "OutboxAttachment",
    "OutboxMessage",
    "Payment",
    "SentBill",
    "SmsCode",
    "TicketReply",
    "metadata",
]
