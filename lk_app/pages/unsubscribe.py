"""`/unsubscribe?token=…`: the target of the unsubscribe link in every bill e-mail."""

import reflex as rx

from lk_app.components.layout import alert, page
from lk_app.state.unsubscribe import UnsubscribeState as S

TITLE = "Отказ от счетов по e-mail"


def unsubscribe_page() -> rx.Component:
    """The «Отписаться» button, then the result."""
    return page(
        TITLE,
        rx.match(
            S.status,
            ("checking", rx.spinner()),
            (
                "active",
                rx.vstack(
                    rx.text("Счета по лицевому счёту ", rx.text.strong(S.account), " приходят на ", rx.text.strong(S.email),
                            ". Чтобы они больше не приходили, нажмите «Отписаться»."),
                    rx.button("Отписаться", on_click=S.unsubscribe, size="3", width="100%", loading=S.busy),
                    spacing="3",
                    width="100%",
                ),
            ),
            (
                "done",
                rx.vstack(
                    alert("Вы отписались: счета по лицевому счёту " + S.account + " больше не будут приходить на "
                          + S.email + ".", color="green"),
                    rx.text("Снова получать счета на e-mail можно в «Настройках» Личного кабинета.", size="2"),
                    rx.link("Войти", href="/"),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.vstack(
                alert("Ссылка недействительна. Проверьте, что она скопирована из письма целиком."),
                rx.link("Войти", href="/"),
                width="100%",
            ),
        ),
    )
