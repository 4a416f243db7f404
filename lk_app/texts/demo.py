"""The words of `/dev/outbox`: a message's channel, what it is (its template) and where it stands."""

from lk_app.messaging.outbox import EMAIL, SMS
from lk_app.models.outbox import OUTBOX_ABANDONED, OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT

CHANNEL_LABELS = {EMAIL: "Письмо", SMS: "СМС"}
# An e-mail's kind is its template's name; an SMS's is the channel's, which its badge says already.
KIND_LABELS = {
    "account_access_added": "Доступ к счёту в другом ЛК",
    "confirm_ebill_email": "Адрес для счетов",
    "confirm_new_email": "Новый e-mail",
    "confirm_registration": "Подтверждение регистрации",
    "credentials_changed": "Изменение входа",
    "ebill": "Счёт",
    "feedback_received": "Обращение",
    "readings_accepted": "Показания приняты",
    "payment_accepted": "Платёж принят",
    "reset_password": "Восстановление пароля",
    "ticket_reply": "Ответ на обращение",
}
STATUS_LABELS = {
    OUTBOX_PENDING: "ждёт отправки",
    OUTBOX_SENDING: "отправляется",
    OUTBOX_SENT: "отправлено",
    OUTBOX_ABANDONED: "не отправлено",
}
STATUS_COLORS = {OUTBOX_PENDING: "gray", OUTBOX_SENDING: "amber", OUTBOX_SENT: "green", OUTBOX_ABANDONED: "red"}
