"""`/`: the login page, with the links to first login and registration and the contact centre."""

import reflex as rx

from lk_app.components.dialogs import RETURN_FOCUS
from lk_app.components.forms import BEFORE_HYDRATION, field, form, submit
from lk_app.components.layout import alert, contact_phone_link, page
from lk_app.pages.feedback import TITLE as FEEDBACK_TITLE
from lk_app.pages.feedback import feedback_form
from lk_app.settings import get_settings
from lk_app.state.demo import DemoState
from lk_app.state.feedback import FeedbackState
from lk_app.state.login import LoginState

TITLE = "Вход в Личный кабинет"
LOGIN_ERROR_ID = "login-error"


def _feedback_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(FEEDBACK_TITLE, variant="soft", type="button", width="100%",
                                    disabled=BEFORE_HYDRATION)),
        rx.dialog.content(
            rx.dialog.title(FEEDBACK_TITLE),
            rx.dialog.description("Вопрос, жалоба или предложение — войти для этого не нужно.", size="2",
                                  margin_bottom="12px"),
            rx.vstack(
                feedback_form(),
                rx.text("Или позвоните в контакт-центр: ", contact_phone_link(), f" ({get_settings().contact_hours}).",
                        size="2", color_scheme="gray"),
                rx.dialog.close(rx.button("Закрыть", variant="soft", color_scheme="gray", type="button")),
                spacing="3",
                width="100%",
            ),
            max_width="520px",
        ),
        on_open_change=FeedbackState.dialog_toggled,
    )


def _email_popup() -> rx.Component:
    """An old portal's LK without an e-mail gives one here before it enters."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Укажите адрес электронной почты"),
            rx.dialog.description("На него придут ссылка для подтверждения, счета и восстановление пароля.", size="2"),
            form(
                rx.vstack(
                    field("E-mail", "first_email", LoginState.email_error, type="email", autocomplete="email"),
                    rx.hstack(
                        rx.button("Отмена", type="button", variant="soft", color_scheme="gray", on_click=LoginState.reset_form),
                        rx.button("Сохранить", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LoginState.save_email,
                key="first-email",
            ),
            **RETURN_FOCUS,
        ),
        open=LoginState.asking_email,
    )


def _demo_samples() -> rx.Component:
    # The callout's root, not rx.callout: that puts its content in a <p>, where the lines' own <p>s may not go.
    return rx.cond(
        DemoState.enabled & (DemoState.samples.length() > 0),
        rx.callout.root(
            rx.vstack(
                rx.text("Демо-режим. Лицевые счета для «Первого входа»:", weight="bold"),
                rx.foreach(DemoState.samples, lambda s: rx.text(s.number, " — ", s.surname, size="2")),
                rx.link("Исходящие письма и СМС", href="/dev/outbox", size="2"),
                spacing="1",
            ),
            color_scheme="amber",
            width="100%",
        ),
        rx.fragment(),
    )


def login_page() -> rx.Component:
    """The login form."""
    credentials_error = rx.cond(LoginState.credentials_refused, LoginState.error, "")
    return page(
        TITLE,
        form(
            rx.vstack(
                # One refusal of the pair (never which of the two is wrong), shown once and describing both.
                field("Логин или номер лицевого счёта", "identifier", credentials_error, autocomplete="username",
                      error_id=LOGIN_ERROR_ID),
                field("Пароль", "password", credentials_error, type="password", autocomplete="current-password",
                      error_id=LOGIN_ERROR_ID),
                rx.cond(LoginState.error != "", alert(LoginState.error, id=LOGIN_ERROR_ID), rx.fragment()),
                rx.cond(
                    LoginState.unconfirmed,
                    rx.button("Получить новую ссылку", type="button", variant="outline", on_click=LoginState.resend_link, width="100%"),
                    rx.fragment(),
                ),
                rx.cond(LoginState.notice != "", alert(LoginState.notice, color="green"), rx.fragment()),
                submit("Войти", LoginState.busy),
                spacing="3",
                width="100%",
            ),
            on_submit=LoginState.log_in,
        ),
        rx.flex(
            rx.link("Забыли пароль?", href="/forgot"),
            rx.link("Первый вход", href="/first-login"),
            rx.link("Регистрация", href="/register"),
            justify="between",
            wrap="wrap",
            spacing="3",
            width="100%",
        ),
        _feedback_dialog(),
        _email_popup(),
        _demo_samples(),
        on_visit=[LoginState.reset_form, FeedbackState.start],
    )
