"""The billing-account section of `/settings`: the LK's accounts with their bill by e-mail, removing one, and the
dialog that adds one."""

import reflex as rx

from lk_app.components.dialogs import RETURN_FOCUS
from lk_app.components.forms import BEFORE_HYDRATION, checkbox, field, form
from lk_app.components.layout import alert
from lk_app.state.accounts import AMOUNT_FIELD, NUMBER_FIELD
from lk_app.state.accounts import AccountsState as S

ADD_BUTTON = "Добавить лицевой счёт"
LIST_LABEL = "Лицевые счета"
EBILL_LABEL = "Получать счёт на e-mail"
EBILL_EMAIL_LABEL = "E-mail для счетов"


def add_account_dialog() -> rx.Component:
    """The dialog of «Добавить лицевой счёт»; its title must not contain «Лицевой счёт», the label of its first field."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Добавление лицевого счёта"),
            rx.dialog.description(
                "Укажите номер лицевого счёта и сумму любого платежа по нему за последние 3 месяца — так мы убедимся, "
                "что счёт ваш.",
                size="2",
                margin_bottom="12px",
            ),
            form(
                rx.vstack(
                    field("Лицевой счёт", NUMBER_FIELD, S.number_error, default_value=S.number, input_mode="numeric",
                          hint="От 6 до 15 цифр, как в квитанции."),
                    field("Сумма последнего платежа", AMOUNT_FIELD, S.amount_error, default_value=S.amount,
                          input_mode="decimal", hint="В рублях с копейками, например 1234,00."),
                    rx.cond(S.form_error != "", alert(S.form_error), rx.fragment()),
                    rx.flex(
                        rx.dialog.close(rx.button("Закрыть", type="button", variant="soft", color_scheme="gray", size="3")),
                        rx.button("Отправить", type="submit", size="3", loading=S.busy),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.add,
                key="add_account",
            ),
            max_width="440px",
            **RETURN_FOCUS,
        ),
        open=S.dialog_open,
        on_open_change=S.set_dialog_open,
    )


def add_account_button() -> rx.Component:
    """«Добавить лицевой счёт», which opens the dialog."""
    return rx.button(ADD_BUTTON, size="3", width="100%", on_click=S.open_dialog, disabled=BEFORE_HYDRATION)


def _ebill_status(ebill) -> rx.Component:
    return rx.cond(
        ebill.active,
        rx.cond(
            ebill.confirmed,
            rx.text("Счета приходят на ", ebill.email, ".", size="2", color_scheme="gray"),
            rx.text("Адрес ", ebill.email, " ещё не подтверждён: откройте ссылку из письма, и счета начнут "
                    "приходить.", size="2", color_scheme="orange"),
        ),
        rx.fragment(),
    )


def _ebill_form(account) -> rx.Component:
    """The account's bill by e-mail: the switch, the address (the LK's e-mail until another is saved), «Сохранить»."""
    ebill = S.ebills[account.number]
    notice = S.ebill_notices.get(account.number, "")
    return form(
        rx.vstack(
            rx.el.input(type="hidden", name="account", value=account.number),
            checkbox(EBILL_LABEL, "ebill_on", rx.Var.create(""), input_id="ebill_on_" + account.number,
                     default_checked=ebill.active),
            field(EBILL_EMAIL_LABEL, "ebill_email", S.ebill_errors.get(account.number, ""), type="email",
                  autocomplete="email", input_id="ebill_email_" + account.number, default_value=ebill.email),
            _ebill_status(ebill),
            rx.cond(notice != "", rx.text(notice, size="2", role="status", color_scheme="green"), rx.fragment()),
            rx.button("Сохранить", type="submit", variant="outline", aria_label="Сохранить счёт на e-mail по счёту "
                      + account.number),
            spacing="2",
            width="100%",
        ),
        on_submit=S.save_ebill,
        # The inputs keep what was typed (a refusal loses nothing) but start afresh whenever the saved setting
        # changes, also when a page opens on the state of an earlier visit and then loads the current one.
        key="ebill_" + account.number + rx.cond(ebill.active, "_on_", "_off_") + ebill.email,
    )


def _account_row(account) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.vstack(
                rx.text(account.number, weight="bold"),
                rx.text(account.address, size="2", color_scheme="gray"),
                spacing="1",
                flex_grow="1",
                min_width="0",
            ),
            rx.cond(
                account.primary,
                rx.badge("Счёт регистрации", color_scheme="gray", size="2"),
                rx.button("Удалить", aria_label="Удалить счёт " + account.number, type="button", variant="outline",
                          color_scheme="red", size="2", on_click=S.ask_remove(account.number)),
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        rx.box(_ebill_form(account), padding_top="8px"),
        style={"padding": "8px 0 12px", "borderBottom": "1px solid var(--gray-4)"},
    )


def _remove_confirmation() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Удаление счёта"),
            rx.alert_dialog.description(
                "Лицевой счёт ", rx.text.strong(S.removing), " исчезнет из вашего Личного кабинета. "
                "Добавить его снова можно по сумме последнего платежа.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Отмена", variant="soft", color_scheme="gray", size="3")),
                # High contrast: white on Radix's solid red reads 3.9:1, under the 4.5 text needs.
                rx.alert_dialog.action(rx.button("Удалить", color_scheme="red", high_contrast=True, size="3",
                                                 on_click=S.remove)),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="440px",
            **RETURN_FOCUS,
        ),
        open=S.removing != "",
        on_open_change=S.set_remove_open,
    )


def account_settings() -> rx.Component:
    """The LK's billing accounts, with «Удалить» by each one it may lose and «Добавить лицевой счёт»."""
    return rx.vstack(
        rx.heading(LIST_LABEL, as_="h2", size="4"),
        rx.cond(S.notice != "", alert(S.notice, color="green"), rx.fragment()),
        rx.cond(S.list_error != "", alert(S.list_error), rx.fragment()),
        rx.cond(
            S.loaded,
            rx.cond(
                S.accounts.length() > 0,
                rx.el.ul(rx.foreach(S.accounts, _account_row), aria_label=LIST_LABEL,
                         style={"listStyle": "none", "margin": "0", "padding": "0", "width": "100%"}),
                rx.text("К Личному кабинету пока не привязан ни один лицевой счёт.", color_scheme="gray"),
            ),
            rx.spinner(),
        ),
        add_account_button(),
        add_account_dialog(),
        _remove_confirmation(),
        spacing="3",
        width="100%",
    )
