"""The words of the operator console: its notices and refusals, ticket statuses and the audit log's actions."""

from lk_app.models.support import TICKET_CLOSED, TICKET_IN_WORK, TICKET_NEW
from lk_app.services.audit import Action
from lk_app.services.desk import DeskRefusal, OperatorRefusal, Resend
from lk_app.services.feedback import MESSAGE_MAX
from lk_app.services.tickets import Reply
from lk_app.texts.feedback import grouped

NO_SUCH_LK = "Личный кабинет не найден: возможно, его логин изменился. Найдите его снова."
DESK_REFUSALS = {
    DeskRefusal.CALLER_UNCHECKED: "Сначала проверьте звонящего: ФИО владельца, адрес и сумму последнего платежа.",
}
EMAIL_SET = ("E-mail изменён на {email}. Туда отправлена ссылка подтверждения, и восстановление пароля уже идёт "
             "на этот адрес.")
RESENDS = {
    Resend.SENT: "Ссылка подтверждения отправлена на {email}.",
    Resend.CONFIRMED: "E-mail уже подтверждён: новая ссылка не нужна.",
    Resend.NO_EMAIL: "В Личном кабинете нет e-mail: сначала укажите его.",
    Resend.LIMITED: "Ссылок для этого Личного кабинета отправлено слишком много. Попробуйте через час.",
}
LOGIN_UNLOCKED = "Неудачные попытки входа забыты ({forgotten}): клиент может входить."
SESSIONS_ENDED = "Завершено сеансов: {ended}."
OPERATOR_REFUSALS = {OperatorRefusal.LOGIN_TAKEN: "Логин {login} уже занят."}

STATUS_LABELS = {TICKET_NEW: "Новое", TICKET_IN_WORK: "В работе", TICKET_CLOSED: "Закрыто"}
STATUS_TABS = {TICKET_NEW: "Новые", TICKET_IN_WORK: "В работе", TICKET_CLOSED: "Закрытые"}
TAKEN = {True: "Обращение взято в работу.", False: "Обращение уже взял другой оператор."}
CLOSED = {True: "Обращение закрыто.", False: "Обращение уже закрыто."}
REPLY_SENT = "Ответ отправлен на {contact}."
REPLY_REFUSALS = {
    Reply.CLOSED: "Обращение закрыто: ответить на него нельзя.",
    Reply.BY_PHONE: "В обращении телефон, а не e-mail: позвоните по номеру {contact}.",
    Reply.EMPTY: "Напишите ответ.",
    Reply.TOO_LONG: "Ответ — не длиннее {reply_max} символов.",
}

ACTION_LABELS = {
    Action.SEARCH.value: "Поиск",
    Action.VIEW_LK.value: "Просмотр ЛК",
    Action.SET_EMAIL.value: "Смена e-mail",
    Action.RESEND_CONFIRMATION.value: "Ссылка подтверждения",
    Action.UNLOCK_LOGIN.value: "Снятие блокировки входа",
    Action.END_SESSIONS.value: "Завершение сеансов",
    Action.TAKE_TICKET.value: "Обращение взято в работу",
    Action.REPLY_TICKET.value: "Ответ на обращение",
    Action.CLOSE_TICKET.value: "Обращение закрыто",
}
NO_ADDRESS = "не указан"  # the old address of an LK that had none, in «Смена e-mail»


def reply_refusal(refusal: Reply, *, contact: str) -> str:
    """Why the answer was not sent, with the ticket's phone to call instead."""
    return REPLY_REFUSALS[refusal].format(contact=contact, reply_max=grouped(MESSAGE_MAX))


def operator_refusal(refusal: OperatorRefusal, *, login: str) -> str:
    """Why `python -m lk_app create-operator` made no operator of this login."""
    return OPERATOR_REFUSALS[refusal].format(login=login)


def audit_subject(lk: str, ticket: int | None) -> str:
    """«ЛК 100200300», «обращение № 7»: what an entry was done to."""
    return " ".join(part for part in (lk and f"ЛК {lk}", ticket and f"обращение № {ticket}") if part)


def audit_detail(action: str, detail: str) -> str:
    """An entry's detail as the log shows it: a change of e-mail names the old address, «не указан» when there was none."""
    if action == Action.SET_EMAIL.value and detail.startswith(" → "):
        return NO_ADDRESS + detail
    return detail
