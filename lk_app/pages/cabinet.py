"""`/cabinet`: the customer's home, the chosen account at a glance."""

import reflex as rx

from lk_app.components.layout import customer_menu, labelled_row, page
from lk_app.state.cabinet import CabinetState as S


def _account_card() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.account_numbers.length() > 1,
            rx.select(S.account_numbers, value=S.number, on_change=S.choose, aria_label="Лицевой счёт"),
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
        spacing="3",
        width="100%",
    )


def _no_accounts() -> rx.Component:
    return rx.vstack(
        rx.text("К Личному кабинету пока не привязан ни один лицевой счёт."),
        rx.text("Привяжите счёт, чтобы видеть начисления и платежи: понадобятся его номер и сумма последнего платежа.",
                color_scheme="gray", size="2"),
        rx.link(rx.button("Добавить лицевой счёт", size="3", width="100%"), href="/settings", width="100%"),
        spacing="3",
        width="100%",
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
        menu=customer_menu(),
        width="640px",
    )
