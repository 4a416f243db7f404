"""`/confirm?token=…`: the target of the confirmation link."""

import reflex as rx

from lk_app.components.layout import alert, page
from lk_app.state.confirm import ConfirmState as S

TITLE = "Подтверждение регистрации"


def _new_link() -> rx.Component:
    return rx.match(
        S.kind,
        ("new_email", rx.vstack(rx.text("Запросите смену e-mail ещё раз в «Настройках»."), rx.link("Войти", href="/"),
                                width="100%")),
        ("ebill", rx.vstack(rx.text("Сохраните адрес для счетов ещё раз в «Настройках» — придёт новая ссылка."),
                            rx.link("Войти", href="/"), width="100%")),
        ("not_me", rx.vstack(rx.text("Если войти не получается, восстановите пароль или позвоните в контакт-центр."),
                             rx.link("Забыли пароль?", href="/forgot"), width="100%")),
        _new_registration_link(),
    )


def _new_registration_link() -> rx.Component:
    return rx.vstack(
        rx.button("Отправить новую ссылку", on_click=S.send_new_link, variant="outline", width="100%"),
        rx.cond(S.notice != "", alert(S.notice, color="blue"), rx.fragment()),
        rx.link("Войти", href="/"),
        spacing="3",
        width="100%",
    )


def confirm_page() -> rx.Component:
    """The «Подтвердить» button, then the result."""
    return page(
        TITLE,
        rx.match(
            S.status,
            ("checking", rx.spinner()),
            (
                "valid",
                rx.vstack(
                    rx.text(rx.match(S.kind,
                                     ("new_email", "Чтобы получать письма на новый адрес, нажмите «Подтвердить»."),
                                     ("ebill", "Чтобы получать счета на этот адрес, нажмите «Подтвердить»."),
                                     ("not_me", "Если изменения в Личном кабинете сделали не вы, нажмите «Это не я»: "
                                                "все входы завершатся, прежний адрес или телефон вернётся."),
                                     "Чтобы завершить регистрацию, нажмите «Подтвердить».")),
                    rx.button(rx.cond(S.kind == "not_me", "Это не я", "Подтвердить"), on_click=S.confirm, size="3",
                              width="100%", loading=S.busy),
                    spacing="3",
                    width="100%",
                ),
            ),
            (
                "confirmed",
                rx.vstack(
                    alert(rx.match(S.kind, ("new_email", "Новый e-mail подтверждён"),
                                   ("ebill", "Адрес для счетов подтверждён"), ("not_me", S.notice),
                                   "Регистрация подтверждена"), color="green"),
                    # The link drawn as a button, not a button in a link: one control, one stop of Tab.
                    rx.button(rx.el.a("Войти", href="/"), as_child=True, size="3", width="100%"),
                    spacing="3",
                    width="100%",
                ),
            ),
            ("used", rx.vstack(alert("Эта ссылка уже использована или заменена новой."), _new_link(), width="100%")),
            ("expired", rx.vstack(alert("Срок действия ссылки истёк."), _new_link(), width="100%")),
            rx.vstack(
                alert("Ссылка недействительна. Проверьте, что она скопирована из письма целиком."),
                rx.link("Войти", href="/"),
                width="100%",
            ),
        ),
    )
