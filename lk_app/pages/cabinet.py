"""`/cabinet`: the customer's home, the chosen account at a glance, and its bills as PDF."""

import reflex as rx

from lk_app.components.layout import customer_menu, labelled_row, page
from lk_app.pages.account_settings import add_account_button, add_account_dialog
from lk_app.state.accounts import AccountsState
from lk_app.state.cabinet import BillRow
from lk_app.state.cabinet import CabinetState as S

# Not «Лицевой счёт»: that is the label of the add dialog's number field.
SWITCHER_LABEL = "Выбор лицевого счёта"


def _account_card() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.account_numbers.length() > 1,
            rx.select.root(
                rx.select.trigger(aria_label=SWITCHER_LABEL, width="100%"),
                rx.select.content(rx.foreach(S.account_numbers, lambda number: rx.select.item(number, value=number))),
                value=S.number,
                on_change=S.choose,
                size="3",
            ),
            rx.fragment(),
        ),
        labelled_row("Лицевой счёт", S.number),
        labelled_row("Владелец", S.holder),
        labelled_row("Адрес", S.address),
        labelled_row(S.balance_note, S.balance),
        rx.heading("Последние платежи", as_="h2", size="4"),
        rx.cond(
            S.payments.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Дата"), rx.table.column_header_cell("Сумма"))),
                rx.table.body(rx.foreach(S.payments, lambda p: rx.table.row(rx.table.cell(p.paid_on), rx.table.cell(p.amount)))),
                width="100%",
            ),
            rx.text("Платежей пока нет.", color_scheme="gray"),
        ),
        _bills(),
        spacing="3",
        width="100%",
    )


def _bill_row(bill: BillRow) -> rx.Component:
    # A plain link: the PDF comes from the backend, which may be another origin than the page's router knows.
    return rx.table.row(
        rx.table.cell(bill.title),
        rx.table.cell(bill.charged),
        rx.table.cell(rx.el.a("PDF", href=bill.href, aria_label="Скачать счёт за " + bill.title,
                              style={"color": "var(--accent-11)", "textDecoration": "underline"})),
    )


def _bills() -> rx.Component:
    return rx.fragment(
        rx.heading("Счета", as_="h2", size="4"),
        rx.cond(
            S.bills.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Месяц"),
                                             rx.table.column_header_cell("Начислено"),
                                             rx.table.column_header_cell("Счёт"))),
                rx.table.body(rx.foreach(S.bills, _bill_row)),
                width="100%",
            ),
            rx.text("Счетов пока нет.", color_scheme="gray"),
        ),
    )


def _no_accounts() -> rx.Component:
    # An LK without an account has nothing else to do here: the dialog opens by itself.
    return rx.vstack(
        rx.text("К Личному кабинету пока не привязан ни один лицевой счёт."),
        rx.text("Привяжите счёт, чтобы видеть начисления и платежи: понадобятся его номер и сумма последнего платежа.",
                color_scheme="gray", size="2"),
        add_account_button(),
        spacing="3",
        width="100%",
        on_mount=AccountsState.open_dialog,
    )


def cabinet_page() -> rx.Component:
    """The chosen account's number, holder, address, balance and recent payments."""
    return page(
        "Личный кабинет",
        rx.cond(
            S.loaded,
            rx.cond(S.number != "", _account_card(), _no_accounts()),
            rx.spinner(),
        ),
        add_account_dialog(),
        menu=customer_menu(),
        width="640px",
    )
