"""The billing-account section of `/settings`: the LK's accounts and adding one."""

import reflex as rx


def account_settings() -> rx.Component:
    """The LK's billing accounts."""
    return rx.vstack(
        rx.heading("Лицевые счета", as_="h2", size="4"),
        rx.button("Добавить лицевой счёт", size="3", width="100%"),
        spacing="3",
        width="100%",
    )
