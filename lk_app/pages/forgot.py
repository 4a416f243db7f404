"""`/forgot` and `/reset`: getting back into the LK by an e-mail link or an SMS code."""

import reflex as rx

from lk_app.components.forms import field, form, submit
from lk_app.components.layout import alert, page
from lk_app.settings import get_settings
from lk_app.state.recovery import ForgotState as S
from lk_app.state.recovery import ResetState

TITLE = "Восстановление пароля"
PASSWORD_HINT = "От 8 до 20 символов; не совпадает с логином и e-mail."


def _contact_centre() -> rx.Component:
    settings = get_settings()
    return rx.text(
        "Нет доступа ни к e-mail, ни к телефону? Позвоните в контакт-центр: ",
        rx.link(settings.contact_phone, href="tel:" + "".join(ch for ch in settings.contact_phone if ch.isdigit())),
        f" ({settings.contact_hours}).",
        size="2",
        color_scheme="gray",
    )


def _ask() -> rx.Component:
    return form(
        rx.vstack(
            field("Логин или номер лицевого счёта", "identifier", S.identifier_error, default_value=S.identifier,
                  autocomplete="username"),
            rx.text("Куда прислать", weight="medium", id="channel-label"),
            rx.radio_group.root(
                rx.vstack(
                    rx.el.label(rx.hstack(rx.radio_group.item(value="email"), rx.text("по e-mail"), align="center")),
                    rx.el.label(rx.hstack(rx.radio_group.item(value="sms"), rx.text("по СМС"), align="center")),
                    spacing="2",
                ),
                name="channel",
                default_value=S.channel,
                aria_labelledby="channel-label",
            ),
            submit("Восстановить", S.busy),
            spacing="3",
            width="100%",
        ),
        on_submit=S.recover,
        key="ask",
    )


def new_password_fields(error: rx.Var) -> rx.Component:
    """«Новый пароль» with its error, and «Подтверждение пароля»."""
    return rx.fragment(
        field("Новый пароль", "password", error, type="password", autocomplete="new-password", hint=PASSWORD_HINT),
        field("Подтверждение пароля", "password_confirmation", rx.Var.create(""), type="password", autocomplete="new-password"),
    )


def _code() -> rx.Component:
    return form(
        rx.vstack(
            alert(S.notice, color="blue"),
            field("Код подтверждения", "code", S.errors.get("code", ""), input_mode="numeric", autocomplete="one-time-code"),
            new_password_fields(S.errors.get("password", "")),
            submit("Сохранить", S.busy),
            spacing="3",
            width="100%",
        ),
        on_submit=S.reset_by_code,
        key="code",
    )


def _done() -> rx.Component:
    return rx.vstack(
        alert("Пароль изменён. Все входы в Личный кабинет завершены.", color="green"),
        rx.link(rx.button("Войти", size="3", width="100%"), href="/", width="100%"),
        spacing="3",
        width="100%",
    )


def forgot_page() -> rx.Component:
    """Ask for a link or a code, then (for a code) the new password."""
    return page(
        TITLE,
        rx.match(
            S.step,
            ("sent", alert(S.notice, color="blue")),
            ("code", _code()),
            ("done", _done()),
            _ask(),
        ),
        _contact_centre(),
        # Once done, «Войти» is the way back.
        rx.cond(S.step == "done", rx.fragment(), rx.link("← Вход в Личный кабинет", href="/", size="2")),
        on_visit=S.start,
    )


def reset_page() -> rx.Component:
    """The new password by a reset link."""
    return page(
        TITLE,
        rx.match(
            ResetState.status,
            ("checking", rx.spinner()),
            (
                "valid",
                form(
                    rx.vstack(new_password_fields(ResetState.password_error), submit("Сохранить", ResetState.busy),
                              spacing="3", width="100%"),
                    on_submit=ResetState.save,
                    key="reset",
                ),
            ),
            ("done", _done()),
            ("expired", rx.vstack(alert("Срок действия ссылки истёк."), rx.link("Запросить новую ссылку", href="/forgot"), width="100%")),
            ("used", rx.vstack(alert("Эта ссылка уже использована или заменена новой."),
                               rx.link("Запросить новую ссылку", href="/forgot"), width="100%")),
            rx.vstack(alert("Ссылка недействительна. Проверьте, что она скопирована из письма целиком."),
                      rx.link("Запросить новую ссылку", href="/forgot"), width="100%"),
        ),
        _contact_centre(),
    )
