"""The words of «Обратная связь»: each refusal of the form, and the limit's."""

from lk_app.services.feedback import MESSAGE_MAX, NAME_MAX, FeedbackRefusal, FeedbackResult
from lk_app.texts.access import PHONE_EXAMPLE
from lk_app.texts.common import ACCOUNT_NUMBER_FORMAT, CONSENT_MISSING

FEEDBACK_REFUSALS = {
    FeedbackRefusal.NAME_MISSING: "Укажите, как к вам обращаться.",
    FeedbackRefusal.NAME_TOO_LONG: "Имя — не длиннее {name_max} символов.",
    FeedbackRefusal.CONTACT_FORMAT: f"Укажите e-mail (name@example.ru) или мобильный телефон ({PHONE_EXAMPLE}).",
    FeedbackRefusal.ACCOUNT_NUMBER_FORMAT: ACCOUNT_NUMBER_FORMAT,
    FeedbackRefusal.MESSAGE_MISSING: "Напишите сообщение.",
    FeedbackRefusal.MESSAGE_TOO_LONG: "Сообщение — не длиннее {message_max} символов, сейчас {length}.",
    FeedbackRefusal.CONSENT_MISSING: CONSENT_MISSING,
}
TOO_MANY_TICKETS = "Слишком много обращений. Попробуйте снова через {wait} или позвоните в контакт-центр: {phone}."


def grouped(count: int) -> str:
    """«10 000»: a count with its thousands apart, as Russians write it."""
    return f"{count:,}".replace(",", "\u00a0")


def feedback_refusal(refusal: FeedbackRefusal, result: FeedbackResult) -> str:
    """The words of one refusal of the form, with the limits and what the sender typed."""
    return FEEDBACK_REFUSALS[refusal].format(name_max=NAME_MAX, message_max=grouped(MESSAGE_MAX),
                                             length=grouped(result.message_length))
