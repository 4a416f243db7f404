"""`/operator`: the contact centre's console — LKs, tickets and the audit log of every action."""

import reflex as rx

from lk_app.components.forms import checkbox, field, form, phone_number, text_area_field
from lk_app.components.layout import alert, device_text, labelled_row, page
from lk_app.state.audit import AuditState
from lk_app.state.operator_desk import CALLER_CHECKED_FIELD, NEW_EMAIL_FIELD, QUERY_FIELD, OperatorState
from lk_app.state.session import SessionState
from lk_app.state.tickets import REPLY_FIELD, TicketsState
from lk_app.texts.operator import STATUS_TABS
from lk_app.texts.payments import (
    DESK_ACQUIRER_ID,
    DESK_CANCELLATIONS,
    DESK_METHODS,
    DESK_NO_PAYMENTS,
    DESK_PAYMENTS_TITLE,
    DESK_STATUS_COLORS,
    DESK_STATUSES,
)

TITLE = "Операторская консоль"
AUDIT_TITLE = "Журнал действий"
S = OperatorState
C = OperatorState.card
T = TicketsState
D = TicketsState.ticket


def _menu() -> tuple[rx.Component, ...]:
    return (
        rx.text(S.operator_login, color="white", size="2"),
        rx.button("Выход", on_click=SessionState.log_out, variant="surface", color_scheme="gray", size="2"),
    )


def _denied() -> rx.Component:
    return rx.vstack(
        rx.callout("Эта страница — для сотрудников контакт-центра. В вашем Личном кабинете она не нужна.", color_scheme="gray",
                   width="100%"),
        rx.link("Перейти в Личный кабинет", href="/cabinet"),
        spacing="3",
        width="100%",
    )


def _mark(done: rx.Var, yes: str, no: str) -> rx.Component:
    return rx.cond(done, rx.badge(yes, color_scheme="green"), rx.badge(no, color_scheme="orange"))


def _found(lk: rx.Var) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(lk.login, weight="bold"),
            rx.text(lk.email, " ", phone_number(lk.phone), size="2"),
            rx.text("Счета: ", lk.accounts, size="2", color_scheme="gray"),
            spacing="0",
            flex_grow="1",
            min_width="0",
        ),
        rx.button("Открыть", aria_label="Открыть ЛК " + lk.login, type="button", variant="outline",
                  on_click=S.open_lk(lk.login)),
        align="center",
        spacing="3",
        width="100%",
        style={"padding": "8px 0", "borderBottom": "1px solid var(--gray-4)"},
    )


def _search() -> rx.Component:
    return rx.vstack(
        form(
            rx.flex(
                rx.box(field("Номер счёта, логин, e-mail или телефон", QUERY_FIELD, rx.Var.create(""), default_value=S.query),
                       flex_grow="1"),
                rx.button("Найти", type="submit", size="3"),
                align="end",
                spacing="3",
                width="100%",
            ),
            on_submit=S.search,
            key="lk_search",
        ),
        rx.cond(S.searched & (S.found.length() == 0), rx.text("Ничего не найдено.", color_scheme="gray"), rx.fragment()),
        rx.foreach(S.found, _found),
        spacing="2",
        width="100%",
    )


def _account(account: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(account.number, rx.cond(account.primary, " — счёт регистрации", ""), weight="medium"),
        rx.text(account.holder, ", ", account.address, size="2", color_scheme="gray"),
        spacing="0",
        width="100%",
    )


def _payment_row(payment: rx.Var) -> rx.Component:
    """A payment made in LK: when, which account, how much and how, where it stands, and YooKassa's id of it."""
    reason = rx.match(payment.cancellation_reason, *DESK_CANCELLATIONS.items(), payment.cancellation_reason)
    return rx.vstack(
        rx.flex(
            rx.text(payment.created, " · ", payment.account, " · ", rx.text.strong(payment.amount), " · ",
                    rx.match(payment.method, *DESK_METHODS.items(), payment.method), size="2"),
            rx.badge(rx.match(payment.status, *DESK_STATUSES.items(), payment.status),
                     color_scheme=rx.match(payment.status, *DESK_STATUS_COLORS.items(), "gray")),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.text(DESK_ACQUIRER_ID, payment.acquirer_id, rx.cond(payment.cancellation_reason != "", rx.fragment(" · ", reason),
                                                        rx.fragment()),
                size="1", color_scheme="gray", overflow_wrap="anywhere"),
        spacing="0",
        width="100%",
        style={"padding": "4px 0", "borderBottom": "1px solid var(--gray-4)"},
    )


def _session_row(live: rx.Var) -> rx.Component:
    return rx.text(live.last_seen, " · ", device_text(live.device), " · IP ", live.ip, " · активен", size="2")


def _login_row(line: rx.Var) -> rx.Component:
    return rx.text(line.started, " · ", device_text(line.device), " · IP ", line.ip, rx.cond(line.active, " · активен", ""),
                   size="2")


def _email_form() -> rx.Component:
    return form(
        rx.vstack(
            rx.heading("Новый e-mail", as_="h3", size="3"),
            rx.text("Когда клиент потерял доступ к прежнему адресу. Адрес меняется сразу, без подтверждения; туда уходит "
                    "ссылка подтверждения, и «Забыли пароль?» по e-mail сразу работает через него. "
                    "Все ссылки, отправленные на прежний адрес, перестают действовать.", size="2", color_scheme="gray"),
            field("Новый e-mail клиента", NEW_EMAIL_FIELD, S.new_email_error, type="email"),
            checkbox("Звонящий проверен: назвал ФИО владельца, адрес и сумму последнего платежа", CALLER_CHECKED_FIELD,
                     S.caller_checked_error),
            rx.button("Сменить e-mail", type="submit", variant="outline"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.change_email,
        key="operator_email",
    )


def _card() -> rx.Component:
    return rx.vstack(
        rx.heading("ЛК ", C.login, as_="h2", size="4"),
        labelled_row("E-mail", rx.cond(C.email != "", C.email, "не указан")),
        rx.cond(C.email != "", _mark(C.email_confirmed, "e-mail подтверждён", "e-mail не подтверждён"), rx.fragment()),
        labelled_row("Телефон", rx.cond(C.phone != "", phone_number(C.phone), "не указан")),
        rx.cond(C.phone != "", _mark(C.phone_confirmed, "телефон подтверждён", "телефон не подтверждён"), rx.fragment()),
        labelled_row("Создан", C.created),
        rx.cond(C.migrated, rx.text("Перенесён из старого Личного кабинета.", size="2"), rx.fragment()),
        rx.heading("Лицевые счета", as_="h3", size="3"),
        rx.cond(C.accounts.length() > 0, rx.foreach(C.accounts, _account), rx.text("Нет привязанных счетов.", size="2")),
        rx.heading(DESK_PAYMENTS_TITLE, as_="h3", size="3"),
        rx.cond(C.payments.length() > 0, rx.el.div(rx.foreach(C.payments, _payment_row), id="lk-payments", width="100%"),
                rx.text(DESK_NO_PAYMENTS, size="2")),
        rx.heading("Вход", as_="h3", size="3"),
        rx.text("Неудачных попыток входа за час: ", C.failed_logins, size="2"),
        rx.cond(
            C.login_locked,
            rx.badge("Вход заблокирован на час", color_scheme="red"),
            rx.cond(C.login_delayed, rx.badge("Вход с задержкой", color_scheme="orange"), rx.fragment()),
        ),
        rx.heading("Активные сеансы", as_="h3", size="3"),
        rx.cond(C.sessions.length() > 0, rx.foreach(C.sessions, _session_row), rx.text("Нет активных сеансов.", size="2")),
        rx.heading("Последние входы", as_="h3", size="3"),
        rx.cond(C.logins.length() > 0, rx.foreach(C.logins, _login_row), rx.text("Входов не было.", size="2")),
        rx.divider(),
        _email_form(),
        rx.flex(
            rx.button("Отправить ссылку подтверждения", type="button", variant="outline", on_click=S.resend_confirmation,
                      disabled=(C.email == "") | C.email_confirmed),
            rx.button("Снять блокировку входа", type="button", variant="outline", on_click=S.unlock),
            rx.button("Завершить все сеансы", type="button", variant="outline", color_scheme="red", on_click=S.end_all_sessions),
            wrap="wrap",
            spacing="2",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _lks() -> rx.Component:
    return rx.vstack(
        _search(),
        rx.cond(S.notice != "", alert(S.notice, color="blue"), rx.fragment()),
        rx.cond(S.card, _card(), rx.fragment()),
        spacing="4",
        width="100%",
    )


def _ticket_row(ticket: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.button("Обращение № ", ticket.number, type="button", variant="ghost", on_click=T.open_ticket(ticket.number)),
        rx.text(ticket.created, " · ", ticket.name, " · ", ticket.contact,
                rx.cond(ticket.operator != "", " · " + ticket.operator, ""), size="2", color_scheme="gray"),
        rx.text(ticket.preview, size="2"),
        spacing="0",
        width="100%",
        style={"padding": "8px 0", "borderBottom": "1px solid var(--gray-4)"},
    )


def _reply(reply: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(reply.sent, " · ", reply.operator, size="1", color_scheme="gray"),
        rx.text(reply.body, white_space="pre-wrap", size="2"),
        width="100%",
        padding_left="12px",
        border_left="3px solid var(--gray-5)",
    )


def _ticket() -> rx.Component:
    return rx.vstack(
        rx.heading("Обращение № ", D.number, as_="h2", size="4"),
        labelled_row("Статус", T.ticket_status_label),
        labelled_row("Поступило", D.created),
        labelled_row("Имя", D.name),
        labelled_row("Контакт", D.contact),
        labelled_row("Лицевой счёт", rx.cond(D.account_number != "", D.account_number, "не указан")),
        rx.cond(D.operator != "", labelled_row("Оператор", D.operator), rx.fragment()),
        # Plain text as the sender typed it: React escapes it, nothing in it is ever markup.
        rx.text(D.message, id="ticket-message", white_space="pre-wrap", overflow_wrap="anywhere", width="100%",
                padding="12px", background="var(--gray-3)", border_radius="6px"),
        rx.foreach(D.replies, _reply),
        rx.cond(T.can_take,
                rx.button("Взять в работу", type="button", on_click=T.take), rx.fragment()),
        rx.cond(
            T.can_answer,
            rx.cond(
                D.contact_is_email,
                form(
                    rx.vstack(
                        text_area_field("Ответ", REPLY_FIELD, T.reply_error, rows="5",
                                        hint="Уйдёт письмом на e-mail из обращения."),
                        rx.button("Ответить", type="submit"),
                        spacing="2",
                        width="100%",
                    ),
                    on_submit=T.reply,
                    key="ticket_reply",
                ),
                rx.text("В обращении телефон: ответьте звонком.", size="2"),
            ),
            rx.fragment(),
        ),
        rx.cond(T.can_answer,
                rx.button("Закрыть обращение", type="button", variant="outline", color_scheme="gray", on_click=T.close),
                rx.fragment()),
        spacing="2",
        width="100%",
    )


def _tickets() -> rx.Component:
    return rx.vstack(
        rx.flex(
            *(rx.button(label, type="button", variant=rx.cond(T.status == status, "solid", "outline"),
                        on_click=T.choose_status(status)) for status, label in STATUS_TABS.items()),
            wrap="wrap",
            spacing="2",
        ),
        rx.cond(T.notice != "", alert(T.notice, color="blue"), rx.fragment()),
        rx.cond(T.ticket, _ticket(), rx.fragment()),
        rx.cond(T.rows.length() > 0, rx.foreach(T.rows, _ticket_row), rx.text("Обращений нет.", color_scheme="gray")),
        spacing="3",
        width="100%",
    )


def _audit_row(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry.at),
        rx.table.cell(entry.operator),
        rx.table.cell(entry.action),
        rx.table.cell(entry.subject),
        rx.table.cell(entry.detail, overflow_wrap="anywhere"),
    )


def _audit() -> rx.Component:
    return rx.vstack(
        rx.text("Каждое действие в консоли записывается сюда; записи нельзя изменить или удалить.", size="2",
                color_scheme="gray"),
        rx.button("Обновить", type="button", variant="outline", on_click=AuditState.load),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*(rx.table.column_header_cell(name) for name in
                                               ("Когда", "Оператор", "Действие", "ЛК / обращение", "Подробности")))),
                # Focusable: on a narrow screen the table scrolls sideways in Radix's scroll area, by arrow keys too.
                rx.table.body(rx.foreach(AuditState.entries, _audit_row), tab_index=0, aria_label=AUDIT_TITLE),
                width="100%",
                size="1",
            ),
            overflow_x="auto",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _console() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            rx.tabs.trigger("Личные кабинеты", value="lks"),
            rx.tabs.trigger("Обращения", value="tickets"),
            rx.tabs.trigger(AUDIT_TITLE, value="audit"),
        ),
        rx.tabs.content(_lks(), value="lks", padding_top="16px"),
        rx.tabs.content(_tickets(), value="tickets", padding_top="16px"),
        rx.tabs.content(_audit(), value="audit", padding_top="16px"),
        default_value="lks",
        width="100%",
    )


def operator_page() -> rx.Component:
    """The console for operators; a calm refusal for anyone else."""
    return page(
        TITLE,
        rx.cond(S.ready, rx.cond(S.denied, _denied(), _console()), rx.spinner()),
        menu=_menu(),
        width="960px",
    )
