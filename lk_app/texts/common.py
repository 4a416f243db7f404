"""Words several areas share: the refusals of an e-mail address."""

import math

from lk_app.services.email_address import EmailRefusal
from lk_app.settings import get_settings

EMAIL_REFUSALS = {
    EmailRefusal.MALFORMED: "Укажите e-mail в виде name@example.ru.",
    EmailRefusal.CURRENT: "Это и есть текущий адрес.",
    EmailRefusal.OVER_CAP: "К одному e-mail можно привязать не более {cap} лицевых счетов.",
}


def email_refusal(refusal: EmailRefusal) -> str:
    """The words for why an address cannot be the LK's, with the cap the supplier set."""
    return EMAIL_REFUSALS[refusal].format(cap=get_settings().max_accounts_per_email)


# Refusals of fields several forms have (registration, «Первый вход», adding an account, feedback).
ACCOUNT_NUMBER_FORMAT = "Номер лицевого счёта состоит из 6–15 цифр."
CONSENT_MISSING = "Нужно согласие на обработку персональных данных."


def wait_phrase(seconds: int) -> str:
    """«3 ч 15 мин», «40 мин»: a wait rounded up to whole minutes (adding an account, feedback)."""
    hours, minutes = divmod(max(1, math.ceil(seconds / 60)), 60)
    return " ".join(part for part in (f"{hours} ч" if hours else "", f"{minutes} мин" if minutes else "") if part)
