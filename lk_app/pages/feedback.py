"""`/feedback` and the login page's dialog: «Обратная связь», a ticket anyone may send."""

import reflex as rx

from lk_app.components.forms import consent_checkbox, field, form, submit, text_area_field
from lk_app.components.layout import alert, page
from lk_app.state.feedback import FIELD_IDS
from lk_app.state.feedback import FeedbackState as S
from lk_app.texts.access import PHONE_EXAMPLE

TITLE = "Обратная связь"


def _form() -> rx.Component:
    return form(
        rx.vstack(
            field("Имя", FIELD_IDS["name"], S.name_error, default_value=S.name, autocomplete="name"),
            field("E-mail или телефон", FIELD_IDS["contact"], S.contact_error, default_value=S.contact,
                  hint=f"Сюда придёт ответ. Телефон — мобильный, например {PHONE_EXAMPLE}."),
            field("Номер лицевого счёта", FIELD_IDS["account_number"], S.account_number_error, default_value=S.account_number,
                  input_mode="numeric", hint="Необязательно: 6–15 цифр, как в квитанции."),
            text_area_field("Сообщение", FIELD_IDS["message"], S.message_error, default_value=S.message, rows="6",
                            hint="До 10 000 символов."),
            consent_checkbox(S.consent_error),
            rx.cond(S.form_error != "", alert(S.form_error), rx.fragment()),
            submit("Отправить", S.busy),
            spacing="3",
            width="100%",
        ),
        on_submit=S.send,
        key="feedback",
    )


def _sent() -> rx.Component:
    return alert(
        rx.fragment("Обращение № ", rx.text.strong(S.number), " принято. Мы ответим по указанному e-mail или телефону."),
        color="green",
    )


def feedback_form() -> rx.Component:
    """The form, or the number of the ticket it sent."""
    return rx.cond(S.number > 0, _sent(), _form())


def feedback_page() -> rx.Component:
    """«Обратная связь» as a page of its own."""
    return page(TITLE, feedback_form(), rx.link("← Вход в Личный кабинет", href="/", size="2"), on_visit=S.start)
