"""The profile section of `/settings`: login, contacts, password, sessions."""

import reflex as rx

from lk_app.components.layout import labelled_row
from lk_app.state.profile import ProfileState as S


def profile_settings() -> rx.Component:
    """The LK's own data and the ways to change it."""
    return rx.vstack(
        rx.heading("Профиль", as_="h2", size="4"),
        rx.cond(S.login != "", labelled_row("Логин", S.login), rx.spinner()),
        spacing="3",
        width="100%",
    )
