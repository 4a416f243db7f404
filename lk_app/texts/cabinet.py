"""The words of the cabinet, its readings, the LK's accounts and their bills by e-mail."""

from datetime import date

from lk_app.clock import shown
from lk_app.services.accounts import AddOutcome, LinkedAccount, Refusal, Removal
from lk_app.services.cabinet import Standing
from lk_app.services.ebill_subscriptions import SaveOutcome
from lk_app.services.email_address import EmailRefusal
from lk_app.services.history import kwh_text
from lk_app.services.readings import (
    FieldProblem,
    ReadingsForm,
    ReadingSlot,
    ReadingWindow,
    Submission,
    SubmissionOutcome,
    reading_text,
)
from lk_app.settings import get_settings
from lk_app.texts.common import ACCOUNT_NUMBER_FORMAT, EMAIL_REFUSALS, wait_phrase

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь")
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


def month_name(period: str) -> str:
    """«Ноябрь 2026»."""
    return f"{MONTHS[int(period[5:7]) - 1].capitalize()} {period[:4]}"


def month_name_lower(period: str) -> str:
    """«ноябрь 2026», inside a sentence."""
    return f"{MONTHS[int(period[5:7]) - 1]} {period[:4]}"


def short_month(period: str) -> str:
    """«ноя 26», for a chart's axis."""
    return f"{MONTHS_SHORT[int(period[5:7]) - 1]} {period[2:4]}"


def account_choice(account: LinkedAccount) -> str:
    """«40010001 — г. Кострома, ул. Ленина, д. 1»: an account in the cabinet's switcher."""
    return f"{account.number} — {account.address}" if account.address else account.number


def day_and_month(day: date) -> str:
    """«15 декабря»."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


# The account card and «Почему такая сумма».
STANDINGS = {Standing.DEBT: "Задолженность", Standing.OVERPAID: "Переплата", Standing.SETTLED: "Задолженности нет"}
STANDING_NOTES = {
    Standing.DEBT: "Сумма к оплате: всё начисленное за вычетом оплаченного.",
    Standing.OVERPAID: "Переплата учтётся в следующих начислениях.",
    Standing.SETTLED: "Все начисления оплачены.",
}
SINGLE_RATE = "Электроэнергия"  # a charge the billing system sent without a tariff zone
# What screen readers say for the bank app's QR code and for the chart (its figures are the list of months beside it).
PAYMENT_QR_ALT = "QR-код для оплаты по лицевому счёту {number} в приложении банка"
HISTORY_CHART_LABEL = "График начислений и платежей по месяцам"

# «Передать показания».
ZONE_NAMES = {1: ("",), 2: ("день", "ночь"), 3: ("пик", "полупик", "ночь")}
WINDOW_OPEN = "Показания принимаются с {first} по {last} число. Приём открыт до {closes}."
WINDOW_CLOSED = "Показания принимаются с {first} по {last} число. Следующий приём — с {opens}."
SENT = "Показания за {month} переданы {moment}."  # moment: clock.shown, in the supplier's zone
FIELD_REFUSALS = {
    FieldProblem.EMPTY: "Укажите показание.",
    FieldProblem.NOT_A_NUMBER: "Укажите число, например 12345 или 12345,6.",
    FieldProblem.LOWER: "Меньше последнего принятого показания ({last}).",
}
SUBMISSIONS = {
    Submission.ACCEPTED: "Показания за {month} приняты. Исправить их можно до {closes}.",
    Submission.CORRECTED: "Исправленные показания за {month} приняты. Исправить их снова можно до {closes}.",
    Submission.REFUSED: "",  # the refusals stand by their fields
    Submission.NOTHING_GIVEN: "Укажите показания хотя бы одного счётчика.",
    Submission.JUMP: "Расход получается {consumption} кВт·ч в месяц — больше чем втрое выше обычного ({usual} кВт·ч). "
                     "Проверьте показания; если они верны, отметьте «Да, показания верны» и передайте их ещё раз.",
    Submission.NOT_LINKED: "Сейчас показания не принимаются.",
}


def reading_label(slot: ReadingSlot) -> str:
    """«Счётчик M-1, ночь»: a field of the form, by its meter and zone."""
    zone = ZONE_NAMES[slot.zones][slot.zone - 1]
    return f"Счётчик {slot.meter_number}" + (f", {zone}" if zone else "")


def window_note(window: ReadingWindow, today: date) -> str:
    """«Показания принимаются с 15 по 26 число…» with when the window closes or opens next."""
    if window.is_open(today):
        return WINDOW_OPEN.format(first=window.first_day, last=window.last_day, closes=day_and_month(window.closes(today)))
    return WINDOW_CLOSED.format(first=window.first_day, last=window.last_day, opens=day_and_month(window.next_opening(today)))


def sent_note(form: ReadingsForm) -> str:
    """When this month's readings were sent; "" when not yet."""
    return "" if form.sent_at is None else SENT.format(month=month_name_lower(form.period), moment=shown(form.sent_at))


def field_messages(outcome: SubmissionOutcome) -> dict[str, str]:
    """Each refused field's message, by the field's key."""
    return {key: FIELD_REFUSALS[refusal.problem].format(last=reading_text(refusal.last))
            for key, refusal in outcome.errors.items()}


def submission_message(outcome: SubmissionOutcome) -> str:
    """The answer to the form as a whole: accepted, the window closed, the jump's question, or "" with field refusals."""
    if outcome.result is Submission.WINDOW_CLOSED:
        return window_note(outcome.window, outcome.today)
    closes = day_and_month(outcome.window.closes(outcome.today)) if outcome.accepted else ""
    return SUBMISSIONS[outcome.result].format(
        month=month_name_lower(outcome.period) if outcome.period else "", closes=closes,
        consumption=kwh_text(outcome.consumption_kwh), usual=kwh_text(outcome.usual_kwh),
    )


# The LK's accounts in «Настройки» and the «Добавить лицевой счёт» dialog.
NOT_LINKED = "Этого лицевого счёта нет в вашем Личном кабинете."
ACCOUNT_ADDED = "Лицевой счёт {number} добавлен."
ADD_REFUSALS = {
    Refusal.NUMBER_FORMAT: ACCOUNT_NUMBER_FORMAT,
    Refusal.ALREADY_HERE: "Этот лицевой счёт уже есть в вашем Личном кабинете.",
    Refusal.AMOUNT_MISSING: "Укажите сумму последнего платежа, например 1234,00.",
    Refusal.AMOUNT_WITHOUT_KOPECKS: "Укажите сумму с копейками, например 1234,00.",
    Refusal.AMOUNT_FORMAT: "Укажите сумму цифрами, с копейками через запятую или точку: 1234,00.",
    Refusal.AMOUNT_ZERO: "Сумма платежа должна быть больше нуля.",
    Refusal.MISMATCH: "Платёж на эту сумму за последние 3 месяца не найден. Проверьте номер счёта и сумму.",
    Refusal.CAP_REACHED: EMAIL_REFUSALS[EmailRefusal.OVER_CAP] + " Удалите ненужный счёт, чтобы добавить новый.",
    Refusal.LIMITED: "Слишком много неверных попыток. Попробуйте снова через {wait} или позвоните в контакт-центр.",
}
REMOVALS = {
    Removal.REMOVED: "Лицевой счёт {number} удалён из Личного кабинета.",
    Removal.PRIMARY: "Лицевой счёт, с которым зарегистрирован Личный кабинет, удалить нельзя.",
    Removal.NOT_LINKED: NOT_LINKED,
}
# «Сохранить» under an account: its bill by e-mail.
EBILL_OUTCOMES = {
    SaveOutcome.SUBSCRIBED: "Счета по лицевому счёту {number} будут приходить на {email}.",
    SaveOutcome.LINK_SENT: "На {email} отправлена ссылка. Счета начнут приходить после того, как вы подтвердите адрес.",
    SaveOutcome.UNSUBSCRIBED: "Счета по лицевому счёту {number} больше не будут приходить на e-mail.",
    SaveOutcome.EMAIL_MISSING: "Укажите e-mail, на который присылать счета.",
    SaveOutcome.EMAIL_FORMAT: EMAIL_REFUSALS[EmailRefusal.MALFORMED],
    SaveOutcome.LIMITED: "Слишком много писем с подтверждением за час. Попробуйте позже.",
    SaveOutcome.NOT_LINKED: NOT_LINKED,
}


def add_refusal(refusal: Refusal, outcome: AddOutcome) -> str:
    """The words of one refusal of the add dialog, with the cap and the wait it names."""
    return ADD_REFUSALS[refusal].format(cap=get_settings().max_accounts_per_email,
                                        wait=wait_phrase(outcome.retry_after_seconds))
