"""«Обратная связь»: a ticket anyone may send, stored as plain text and mailed to the support address."""

import re
from dataclasses import dataclass, field

from sqlmodel import Session

from lk_app.messaging.outbox import queue_email
from lk_app.models import FeedbackTicket
from lk_app.normal_forms import normalize_account_number, normalize_email, normalize_phone
from lk_app.services import limits
from lk_app.services.registration import ACCOUNT_NUMBER_FORMAT, CONSENT_MISSING
from lk_app.settings import get_settings

NAME_MAX = 100
MESSAGE_MAX = 10_000
# Control characters other than tab and newline: PostgreSQL refuses NUL in text, and none of them is meant.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
    """Field errors (field name → Russian reason), the new ticket's number, or how long until a limit lets it through."""

    errors: dict[str, str] = field(default_factory=dict)
    number: int | None = None
    retry_after_seconds: int = 0


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


def grouped(count: int) -> str:
    """«10 000»: a count with its thousands apart, as Russians write it."""
    return f"{count:,}".replace(",", "\u00a0")


def _check(form: FeedbackForm) -> tuple[dict[str, str], tuple[str, bool] | None, str | None]:
    """The field errors, the normalized contact and the account number (None when not given)."""
    errors: dict[str, str] = {}
    name = plain_text(form.name)
    if not name:
        errors["name"] = "Укажите, как к вам обращаться."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Имя — не длиннее {NAME_MAX} символов."
    contact = normalize_contact(plain_text(form.contact))
    if contact is None:
        errors["contact"] = "Укажите e-mail (name@example.ru) или мобильный телефон (+7 912 345-67-89)."
    number = None
    if form.account_number.strip():
        number = normalize_account_number(form.account_number.strip())
        if number is None:
            errors["account_number"] = ACCOUNT_NUMBER_FORMAT
    message = plain_text(form.message)
    if not message:
        errors["message"] = "Напишите сообщение."
    elif len(message) > MESSAGE_MAX:
        errors["message"] = f"Сообщение — не длиннее {grouped(MESSAGE_MAX)} символов, сейчас {grouped(len(message))}."
    if not form.consent:
        errors["consent"] = CONSENT_MISSING
    return errors, contact, number


def submit_feedback(form: FeedbackForm, *, ip: str, session: Session) -> FeedbackResult:
    """Store the ticket and mail it to the support address; limited per IP and per contact."""
    errors, contact, number = _check(form)
    if errors:
        return FeedbackResult(errors=errors)
    address, is_email = contact
    subject = address.casefold()  # ANNA@ and anna@ are one sender to a limit, whatever mail servers say
    wait = limits.admit([(limits.FEEDBACK_PER_IP, ip), (limits.FEEDBACK_PER_CONTACT, subject)], session=session)
    if wait:
        return FeedbackResult(retry_after_seconds=wait)
    ticket = FeedbackTicket(name=plain_text(form.name), contact=address, contact_is_email=is_email, account_number=number,
                            message=plain_text(form.message), ip=ip[:45])
    session.add(ticket)
    session.flush()
    # No copy goes to the sender: anyone can type any address here, and the form must not mail strangers.
    queue_email(session=session, to=get_settings().support_email, template="feedback_received", number=ticket.id,
                name=ticket.name, contact=ticket.contact, account_number=ticket.account_number or "не указан",
                message=ticket.message)
    return FeedbackResult(number=ticket.id)
