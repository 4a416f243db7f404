"""Provider backends by channel, built from the settings."""

from lk_app.messaging.outbox import EMAIL, SMS
from lk_app.messaging.senders.base import PermanentSendError, SendError, Sender, TransientSendError
from lk_app.messaging.senders.sendgrid_email import SendGridSender
from lk_app.messaging.senders.smsaero_sms import SmsAeroSender
from lk_app.settings import Settings

__all__ = [
    "PermanentSendError",
    "SendError",
    "SendGridSender",
    "Sender",
    "SmsAeroSender",
    "TransientSendError",
    "senders_from_settings",
]


def senders_from_settings(settings: Settings) -> dict[str, Sender]:
    """The sender of each configured channel; a channel without one keeps its messages in the outbox."""
    senders: dict[str, Sender] = {}
    if settings.sendgrid_api_key:
        senders[EMAIL] = SendGridSender(
            api_key=settings.sendgrid_api_key,
            host=settings.sendgrid_host,
            from_email=settings.email_from,
            from_name=settings.supplier_name,
            timeout=settings.provider_timeout_seconds,
        )
    if settings.smsaero_email and settings.smsaero_api_key:
        senders[SMS] = SmsAeroSender(
            email=settings.smsaero_email,
            api_key=settings.smsaero_api_key,
            gate=settings.smsaero_gate,
            sign=settings.sms_sign,
            timeout=settings.provider_timeout_seconds,
        )
    return senders
