"""`/register`: registration by a free login, with the phone proved by SMS and the e-mail by a link."""

import reflex as rx

from lk_app.components.forms import consent_checkbox, field, form, phone_with_code_button, submit
from lk_app.components.layout import alert, page
from lk_app.state.register import RegisterState as S

TITLE = "Регистрация"


def _form() -> rx.Component:
    return form(
        rx.vstack(
            field("Логин", "login", S.errors.get("login", ""), default_value=S.login, autocomplete="username",
                  hint="От 3 до 32 символов: буквы, цифры, точка, дефис, подчёркивание."),
            field("Пароль", "password", S.errors.get("password", ""), type="password", autocomplete="new-password",
                  hint="От 8 до 20 символов; не совпадает с логином и e-mail."),
            field("Подтверждение пароля", "password_confirmation", rx.Var.create(""), type="password", autocomplete="new-password"),
            field("Адрес e-mail", "email", S.errors.get("email", ""), type="email", default_value=S.email, autocomplete="email"),
            phone_with_code_button(S, "Телефон", S.phone_error, "Получить код"),
            field("Код подтверждения", "sms_code", S.code_error, input_mode="numeric", autocomplete="one-time-code"),
            consent_checkbox(S.errors.get("consent", "")),
            rx.cond(S.errors.get("login", "") != "", rx.link("Забыли пароль?", href="/forgot"), rx.fragment()),
            submit("Регистрация", S.busy),
            spacing="3",
            width="100%",
        ),
        on_submit=S.register,
        key="register",
    )


def _sent() -> rx.Component:
    return rx.vstack(
        alert(rx.fragment("Ссылка для подтверждения отправлена на ", rx.text.strong(S.sent_to), "."), color="green"),
        rx.text("Откройте письмо и нажмите на ссылку, затем войдите с логином и паролем. "
                "Если письма нет, проверьте папку «Спам»."),
        spacing="3",
        width="100%",
    )


def register_page() -> rx.Component:
    """The form, then the «link sent» notice."""
    return page(
        TITLE,
        rx.cond(S.step == "sent", _sent(), _form()),
        rx.link("← Вход в Личный кабинет", href="/", size="2"),
        on_visit=S.start,
    )
