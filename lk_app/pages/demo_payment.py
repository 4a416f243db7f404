"""`/dev/pay`: in demo mode, where «Оплатить» leads when no supplier's payment page (LK_PAYMENT_URL) is set."""

import reflex as rx

from lk_app.components.layout import customer_menu, labelled_row, page
from lk_app.state.demo import DemoState

TITLE = "Оплата (демо)"


def demo_payment_page() -> rx.Component:
    """The account and amount a supplier's payment page would be given; nothing is paid."""
    return page(
        TITLE,
        rx.cond(
            DemoState.enabled & (DemoState.payment_account != ""),
            rx.vstack(
                rx.text("Здесь откроется страница оплаты поставщика (LK_PAYMENT_URL) с лицевым счётом и суммой:"),
                labelled_row("Лицевой счёт", DemoState.payment_account),
                labelled_row("Сумма, ₽", DemoState.payment_amount),
                rx.text("В демо-режиме ничего не оплачивается.", color_scheme="gray", size="2"),
                spacing="3",
                width="100%",
            ),
            rx.text("Страница есть только в демо-режиме.", color_scheme="gray"),
        ),
        rx.link("← Личный кабинет", href="/cabinet"),
        menu=customer_menu(),
    )
