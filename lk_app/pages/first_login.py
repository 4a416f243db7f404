"""`/first-login`: prove the account (step 1), then the registration form (step 2)."""

import reflex as rx

from lk_app.components.forms import consent_checkbox, field, form, input_text, phone_with_code_button, submit
from lk_app.components.layout import alert, page
from lk_app.state.first_login import FirstLoginState as S
from lk_app.texts.access import PHONE_HINT

TITLE = "Первый вход"


def _prove_step() -> rx.Component:
    return form(
        rx.vstack(
            rx.text("Укажите номер лицевого счёта и фамилию владельца, как в квитанции."),
            field("Номер лицевого счёта", "account_number", S.number_error, default_value=S.account_number, input_mode="numeric"),
            field("Фамилия", "surname", S.surname_error, default_value=S.surname, autocomplete="family-name"),
            rx.cond(S.form_error != "", alert(S.form_error), rx.fragment()),
            rx.cond(S.already_registered, rx.link("Забыли пароль?", href="/forgot"), rx.fragment()),
            submit("Продолжить"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.prove,
        key="prove",
    )


def _sms_panel() -> rx.Component:
    return rx.vstack(
        phone_with_code_button(S, "Телефон", S.sms_phone_error, "Отправить СМС"),
        rx.hstack(
            rx.box(
                field("Код подтверждения", "sms_code", S.code_field_error, input_mode="numeric", autocomplete="one-time-code"),
                flex_grow="1",
            ),
            rx.button("ОК", type="button", on_click=S.confirm_code(input_text("sms_phone"), input_text("sms_code")),
                      size="3", margin_top="26px"),
            align="start",
            width="100%",
        ),
        rx.cond(S.phone_verified, rx.badge("Подтверждено", color_scheme="green", size="3"), rx.fragment()),
        spacing="2",
        width="100%",
    )


def _proved_account() -> rx.Component:
    """What step 1 proved, read-only, and the way back to change it: the surname is asked once."""
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.text("Лицевой счёт ", rx.text.strong(S.account_number)),
                rx.button("Изменить", type="button", variant="ghost", on_click=S.change_account(input_text("email"))),
                justify="between",
                align="center",
                spacing="3",
                width="100%",
            ),
            field("Фамилия", "surname", S.errors.get("surname", ""), value=S.surname, read_only=True, variant="soft",
                  color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _confirmation_choice() -> rx.Component:
    """«Подтверждение по e-mail» or «… по СМС»: a radio group named by its label (arrow keys move the choice)."""
    return rx.vstack(
        rx.text("Способ подтверждения", id="method-label", weight="medium"),
        rx.radio_cards.root(
            rx.radio_cards.item("Подтверждение по e-mail", value="email"),
            rx.radio_cards.item("Подтверждение по СМС", value="sms"),
            value=S.method,
            on_value_change=S.set_method,
            columns="1",  # one option a line: each name whole in the 440-px card and on a 320-px phone
            aria_labelledby="method-label",
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def _register_step() -> rx.Component:
    return form(
        rx.vstack(
            _proved_account(),
            rx.text("Заполните данные для входа."),
            field("Новый пароль", "password", S.errors.get("password", ""), type="password", autocomplete="new-password",
                  hint="От 8 до 20 символов; не совпадает с номером счёта и e-mail."),
            field("Подтверждение пароля", "password_confirmation", rx.Var.create(""), type="password", autocomplete="new-password"),
            field("E-mail", "email", S.errors.get("email", ""), type="email", default_value=S.email, autocomplete="email"),
            _confirmation_choice(),
            # By SMS the panel's own «Телефон» takes over, prefilled from this one.
            rx.cond(
                S.method == "email",
                rx.vstack(
                    rx.text("Мы отправим ссылку для подтверждения на указанный адрес.", size="2"),
                    field("Телефон", "phone", S.errors.get("phone", ""), type="tel", default_value=S.phone,
                          autocomplete="tel", hint="Необязательно. " + PHONE_HINT, on_blur=S.remember_phone),
                    spacing="3",
                    width="100%",
                ),
                _sms_panel(),
            ),
            rx.cond(S.form_error != "", alert(S.form_error), rx.fragment()),
            rx.cond(S.already_registered, rx.link("Забыли пароль?", href="/forgot"), rx.fragment()),
            consent_checkbox(S.errors.get("consent", "")),
            submit("Сохранить", S.busy),
            spacing="3",
            width="100%",
        ),
        on_submit=S.register,
        key="register",
    )


def _sent_step() -> rx.Component:
    return rx.vstack(
        alert(rx.fragment("Ссылка для подтверждения отправлена на ", rx.text.strong(S.sent_to), "."), color="green"),
        rx.text("Откройте письмо и нажмите на ссылку. Если письма нет, проверьте папку «Спам»."),
        spacing="3",
        width="100%",
    )


def first_login_page() -> rx.Component:
    """Step 1, step 2 or the «link sent» notice."""
    return page(
        TITLE,
        rx.match(S.step, ("register", _register_step()), ("sent", _sent_step()), _prove_step()),
        rx.link("← Вход в Личный кабинет", href="/", size="2"),
        on_visit=S.start,
    )
