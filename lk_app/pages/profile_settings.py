"""The profile section of `/settings`: login, contacts, password, sessions."""

import reflex as rx

from lk_app.components.forms import field, form, phone_number, phone_with_code_button
from lk_app.components.layout import alert, device_text, labelled_row
from lk_app.state.profile import ProfileState as S


def _notice(about: str) -> rx.Component:
    return rx.cond((S.notice != "") & (S.notice_about == about), alert(S.notice, color="green"), rx.fragment())


def _password() -> rx.Component:
    return form(
        rx.vstack(
            rx.heading("Смена пароля", as_="h3", size="3"),
            field("Текущий пароль", "current_password", S.errors.get("current_password", ""), type="password", autocomplete="current-password"),
            field("Новый пароль", "new_password", S.errors.get("new_password", ""), type="password", autocomplete="new-password",
                  hint="От 8 до 20 символов; не совпадает с логином и e-mail."),
            field("Подтверждение нового пароля", "new_password_confirmation", rx.Var.create(""), type="password",
                  autocomplete="new-password"),
            _notice("password"),
            rx.button("Сменить пароль", type="submit", variant="outline"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.change_password,
        key="password",
    )


def _email() -> rx.Component:
    return form(
        rx.vstack(
            rx.heading("E-mail", as_="h3", size="3"),
            labelled_row("Сейчас", rx.cond(S.email != "", S.email, "не указан")),
            rx.cond((S.email != "") & ~S.email_confirmed, rx.text("Адрес ещё не подтверждён.", size="2", color_scheme="orange"),
                    rx.fragment()),
            field("Новый e-mail", "new_email", S.errors.get("new_email", ""), type="email", autocomplete="email"),
            field("Пароль для смены e-mail", "email_password", S.errors.get("email_password", ""), type="password",
                  autocomplete="current-password"),
            _notice("email"),
            rx.button("Сменить e-mail", type="submit", variant="outline"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.change_email,
        key="email",
    )


def _phone() -> rx.Component:
    return form(
        rx.vstack(
            rx.heading("Телефон", as_="h3", size="3"),
            labelled_row("Сейчас", rx.cond(S.phone != "", phone_number(S.phone), "не указан")),
            phone_with_code_button(S, "Новый телефон", S.sms_phone_error, "Получить код"),
            field("Код подтверждения", "sms_code", S.code_error, input_mode="numeric", autocomplete="one-time-code"),
            field("Пароль для смены телефона", "phone_password", S.errors.get("phone_password", ""), type="password",
                  autocomplete="current-password"),
            _notice("phone"),
            rx.button("Сменить телефон", type="submit", variant="outline"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.change_phone,
        key="phone",
    )


def _session(row) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(device_text(row.device), rx.cond(row.current, " — этот сеанс", ""), weight="medium"),
            rx.text("IP ", row.ip, ", последняя активность ", row.last_seen, size="1", color_scheme="gray"),
            spacing="0",
        ),
        width="100%",
    )


def _sessions() -> rx.Component:
    return rx.vstack(
        rx.heading("Активные сеансы", as_="h3", size="3"),
        rx.foreach(S.sessions, _session),
        rx.button("Выйти на всех устройствах", type="button", color_scheme="red", variant="soft", on_click=S.log_out_everywhere),
        spacing="2",
        width="100%",
    )


def profile_settings() -> rx.Component:
    """The LK's own data and the ways to change it."""
    return rx.vstack(
        rx.heading("Профиль", as_="h2", size="4"),
        rx.cond(S.login != "", labelled_row("Логин", S.login), rx.spinner()),
        _password(),
        rx.divider(),
        _email(),
        rx.divider(),
        _phone(),
        rx.divider(),
        _sessions(),
        spacing="4",
        width="100%",
    )
