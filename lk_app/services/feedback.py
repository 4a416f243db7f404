"""Feedback: a ticket anyone may send, stored as plain text and mailed to the support address."""

import enum
import re
from dataclasses import dataclass

from sqlmodel import Session

from lk_app.messaging.outbox import queue_email
from lk_app.models import FeedbackTicket
from lk_app.normal_forms import normalize_account_number, normalize_email, normalize_phone
from lk_app.services import limits
from lk_app.settings import get_settings

NAME_MAX = 100
MESSAGE_MAX = 10_000
# Control characters other than tab and newline: PostgreSQL refuses NUL in text, and none of them is meant.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class FeedbackRefusal(enum.Enum):
    """What is wrong with a field of the form."""

    NAME_MISSING = "name_missing"
    NAME_TOO_LONG = "name_too_long"  # longer than NAME_MAX
    CONTACT_FORMAT = "contact_format"  # neither an e-mail nor a Russian mobile phone
    ACCOUNT_NUMBER_FORMAT = "account_number_format"
    MESSAGE_MISSING = "message_missing"
    MESSAGE_TOO_LONG = "message_too_long"  # longer than MESSAGE_MAX
    CONSENT_MISSING = "consent_missing"


@dataclass
class FeedbackForm:
    """What the sender typed."""

    name: str
    contact: str
    account_number: str
    message: str
    consent: bool


@dataclass(frozen=True)
class FeedbackResult:
    """The refusals (in the form's order), the new ticket's number, or how long until a limit lets it through."""

    refusals: tuple[FeedbackRefusal, ...] = ()
    number: int | None = None
    retry_after_seconds: int = 0
    message_length: int = 0  # as it would be stored, for the refusal of a message too long


def plain_text(text: str) -> str:
    """Text as it will be stored: Windows line ends made plain, control characters dropped, ends trimmed."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def normalize_contact(text: str) -> tuple[str, bool] | None:
    """The normalized e-mail or Russian mobile phone, and whether it is an e-mail; None when it is neither."""
    if "@" in text:
        email = normalize_email(text)
        return (email, True) if email else None
    phone = normalize_phone(text)
    return (phone, False) if phone else None


def _name_refusal(name: str) -> FeedbackRefusal | None:
    if not name:
        return FeedbackRefusal.NAME_MISSING
    return FeedbackRefusal.NAME_TOO_LONG if len(name) > NAME_MAX else None


def _message_refusal(message: str) -> FeedbackRefusal | None:
    if not message:
        return FeedbackRefusal.MESSAGE_MISSING
    return FeedbackRefusal.MESSAGE_TOO_LONG if len(message) > MESSAGE_MAX else None


def submit_feedback(form: FeedbackForm, *, ip: str, session: Session) -> FeedbackResult:
    """Store the ticket and mail it to the support address; limited per IP and per contact."""
    name, message = plain_text(form.name), plain_text(form.message)
    contact = normalize_contact(plain_text(form.contact))
    typed_number = form.account_number.strip()
    number = normalize_account_number(typed_number) if typed_number else None
    refusals = tuple(r for r in (
        _name_refusal(name),
        None if contact else FeedbackRefusal.CONTACT_FORMAT,
        FeedbackRefusal.ACCOUNT_NUMBER_FORMAT if typed_number and number is None else None,
        _message_refusal(message),
        None if form.consent else FeedbackRefusal.CONSENT_MISSING,
    ) if r)
    if refusals:
        return FeedbackResult(refusals=refusals, message_length=len(message))
    address, is_email = contact
    subject = address.casefold()  # ANNA@ and anna@ are one sender to a limit, whatever mail servers say
    wait = limits.admit([(limits.FEEDBACK_PER_IP, ip), (limits.FEEDBACK_PER_CONTACT, subject)], session=session)
    if wait:
        return FeedbackResult(retry_after_seconds=wait)
    ticket = FeedbackTicket(name=name, contact=address, contact_is_email=is_email, account_number=number,
                            message=message, ip=ip[:45])
    session.add(ticket)
    session.flush()
    # No copy goes to the sender: anyone can type any address here, and the form must not mail strangers.
    queue_email(session=session, to=get_settings().support_email, template="feedback_received", number=ticket.id,
                name=ticket.name, contact=ticket.contact, account_number=ticket.account_number or "",
                message=ticket.message)
    return FeedbackResult(number=ticket.id)
