"""The words of paying in LK: the dialog «Оплата», its refusals, the return page, the cabinet's lines, the console."""

from lk_app.models.payments import CANCELED, PENDING, SUCCEEDED, WAITING_FOR_CAPTURE
from lk_app.payments.receipt import BANK_CARD, SBP
from lk_app.services.online_payments import MIN_PAYMENT_KOP, OnlineState, PaymentRefusal, ReturnStatus, amount_field
from lk_app.settings import get_settings

OPEN_BUTTON = "Оплатить"
DIALOG_TITLE = "Оплата"
DIALOG_ACCOUNT = "Лицевой счёт "
CLOSE_BUTTON = "Закрыть"
AMOUNT_LABEL = "Сумма, ₽"
METHOD_LABEL = "Способ оплаты"
EMAIL_LABEL = "E-mail для чека"
PHONE_LABEL = "Телефон для чека"
PAY_BUTTON = "Перейти к оплате"
# The acquirer's method codes (YooKassa's `payment_method_data.type`) and how the dialog names them.
METHOD_OPTIONS = {BANK_CARD: "Банковская карта", SBP: "СБП"}
DEFAULT_METHOD = BANK_CARD
AMOUNT_SHOWN = "К оплате: {amount}\u00a0₽"
RECEIPT_NOTE = "Чек по 54-ФЗ пришлёт ЮKassa."
# Demo mode, or an LK without the acquirer's keys: the dialog says what is missing and leaves the QR code.
NOT_ONLINE = (
    "Оплата картой и через СБП заработает, когда поставщик укажет ключи ЮKassa (LK_YOOKASSA_SHOP_ID, "
    "LK_YOOKASSA_SECRET_KEY). А пока оплатить можно по QR-коду в приложении банка: реквизиты и сумма заполнятся сами."
)
SUPPLIER_PAGE_LINK = "Страница оплаты поставщика"

REFUSALS = {
    PaymentRefusal.AMOUNT_MISSING: "Укажите сумму.",
    PaymentRefusal.AMOUNT_FORMAT: "Сумма — числом, например 1 234,56.",
    PaymentRefusal.AMOUNT_DECIMALS: "Не больше двух знаков после запятой.",
    PaymentRefusal.AMOUNT_TOO_SMALL: "Сумма — не меньше {min}\u00a0₽.",
    PaymentRefusal.AMOUNT_TOO_LARGE: "Сумма — не больше {max}\u00a0₽.",
    PaymentRefusal.METHOD_UNKNOWN: "Выберите способ оплаты.",
    PaymentRefusal.EMAIL_MISSING: "Укажите e-mail, на который прислать чек.",
    PaymentRefusal.EMAIL_INVALID: "Проверьте адрес e-mail.",
    PaymentRefusal.PHONE_MISSING: "Укажите телефон, на который прислать чек.",
    PaymentRefusal.PHONE_INVALID: "Проверьте номер телефона.",
    PaymentRefusal.NOT_OWN_ACCOUNT: "Этот лицевой счёт не привязан к вашему Личному кабинету.",
    PaymentRefusal.LIMITED: "Слишком много попыток оплаты за час. Попробуйте позже.",
    PaymentRefusal.ACQUIRER_UNAVAILABLE: (
        "ЮKassa сейчас не отвечает. Попробуйте ещё раз через минуту — повторное нажатие не создаст второй платёж."
    ),
    PaymentRefusal.ACQUIRER_REFUSED: (
        "ЮKassa не приняла платёж. Попробуйте позже или оплатите по QR-коду в приложении банка."
    ),
}


def payment_refusal(refusal: PaymentRefusal) -> str:
    """The words of one refusal of the dialog, with the range the supplier set."""
    return REFUSALS[refusal].format(min=amount_field(MIN_PAYMENT_KOP), max=amount_field(get_settings().payment_max_kop))


def amount_hint() -> str:
    """«От 1,00 до 500 000,00 ₽»: the range of «Сумма, ₽» before anything is typed."""
    return f"От {amount_field(MIN_PAYMENT_KOP)} до {amount_field(get_settings().payment_max_kop)}\u00a0₽"


# `/payment/return`: the heading is where the payment stands, as the acquirer's API says.
RETURN_TITLE = "Оплата"
RETURN_CHECKING = "Проверяем платёж"
RETURN_NOT_FOUND = "Платёж не найден"
RETURN_HEADINGS = {
    ReturnStatus.ACCEPTED: "Платёж принят",
    ReturnStatus.PROCESSING: "Платёж обрабатывается",
    ReturnStatus.FAILED: "Платёж не прошёл",
}
RETURN_NOTES = {
    ReturnStatus.ACCEPTED: "Спасибо! Платёж уже виден в Личном кабинете, а чек придёт на e-mail или телефон, "
                           "указанный при оплате.",
    ReturnStatus.PROCESSING: "ЮKassa ещё не сообщила, чем закончилась оплата. Страница обновится сама, "
                             "как только станет известно.",
    ReturnStatus.FAILED: "Платёж отменён, деньги не списаны. Можно попробовать ещё раз — другой картой или через СБП.",
}
RETURN_NOT_FOUND_NOTE = ("Такого платежа нет среди ваших. Проверьте ссылку или откройте Личный кабинет: "
                         "там видны все платежи.")
RETURN_STILL_PROCESSING = ("Если статус не изменится, загляните в Личный кабинет позже: платёж появится там, "
                           "когда ЮKassa его подтвердит.")
BACK_TO_CABINET = "Вернуться в Личный кабинет"
TRY_AGAIN = "Попробовать ещё раз"


def masked_account(number: str) -> str:
    """«л/с ••••0001»: enough for the customer to know the account, not for a passer-by to read it off a screen."""
    return f"л/с ••••{number[-4:]}"


# The cabinet's «Платежи»: a payment made in LK, before and after the billing import brought it.
ONLINE_LINE = "через Личный кабинет"
ONLINE_STATES = {OnlineState.ACCEPTED.value: "принят", OnlineState.POSTED.value: "зачислен"}

# The console's list of an LK's payments (the acquirer's statuses and method codes).
DESK_PAYMENTS_TITLE = "Платежи через Личный кабинет"
DESK_NO_PAYMENTS = "Платежей через Личный кабинет не было."
DESK_STATUSES = {
    PENDING: "ожидает оплаты",
    WAITING_FOR_CAPTURE: "ожидает подтверждения",
    SUCCEEDED: "принят",
    CANCELED: "отменён",
}
DESK_STATUS_COLORS = {PENDING: "gray", WAITING_FOR_CAPTURE: "amber", SUCCEEDED: "green", CANCELED: "red"}
DESK_METHODS = {BANK_CARD: "карта", SBP: "СБП"}
DESK_ACQUIRER_ID = "ЮKassa: "
# YooKassa's cancellation reasons an operator is asked about most; any other is shown as YooKassa names it.
DESK_CANCELLATIONS = {
    "general_decline": "отказ банка",
    "insufficient_funds": "недостаточно средств",
    "expired_on_confirmation": "не оплачен вовремя",
    "canceled_by_merchant": "отменён магазином",
    "3d_secure_failed": "не пройдена проверка 3-D Secure",
    "card_expired": "истёк срок карты",
    "permission_revoked": "клиент отозвал разрешение",
    "fraud_suspected": "подозрение на мошенничество",
}
