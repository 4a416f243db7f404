"""The cabinet's dialog «Оплата» and the «Оплатить» that opens it."""

import reflex as rx

from lk_app.components.dialogs import RETURN_FOCUS
from lk_app.components.forms import BEFORE_HYDRATION, field, form
from lk_app.components.layout import alert
from lk_app.state.cabinet import CabinetState as C
from lk_app.state.payment import AMOUNT_FIELD, EMAIL_FIELD, METHOD_FIELD, PHONE_FIELD
from lk_app.state.payment import PaymentState as P
from lk_app.texts.access import PHONE_HINT
from lk_app.texts.cabinet import PAYMENT_QR_ALT
from lk_app.texts.payments import (
    AMOUNT_LABEL,
    CLOSE_BUTTON,
    DIALOG_ACCOUNT,
    DIALOG_TITLE,
    EMAIL_LABEL,
    METHOD_LABEL,
    METHOD_OPTIONS,
    NOT_ONLINE,
    OPEN_BUTTON,
    PAY_BUTTON,
    PHONE_LABEL,
    RECEIPT_NOTE,
    SUPPLIER_PAGE_LINK,
)


def pay_button() -> rx.Component:
    """«Оплатить», which opens the dialog for the account the cabinet shows."""
    return rx.button(OPEN_BUTTON, type="button", size="3", width="100%", on_click=P.open_dialog, disabled=BEFORE_HYDRATION)


def _close_button() -> rx.Component:
    return rx.dialog.close(rx.button(CLOSE_BUTTON, type="button", variant="soft", color_scheme="gray", size="3"))


def _method_choice() -> rx.Component:
    """«Банковская карта» or «СБП»: one radio group named by its label; one option a line on a narrow phone, so
    that each reads whole at 320 px."""
    label_id = METHOD_FIELD + "-label"
    return rx.vstack(
        rx.text(METHOD_LABEL, id=label_id, weight="medium"),
        rx.radio_cards.root(
            *(rx.radio_cards.item(label, value=code) for code, label in METHOD_OPTIONS.items()),
            name=METHOD_FIELD,
            default_value=P.method,
            columns={"initial": "1", "xs": "2"},
            aria_labelledby=label_id,
            width="100%",
        ),
        rx.cond(P.method_error != "",
                rx.text(P.method_error, id=METHOD_FIELD + "-error", role="alert", color_scheme="red", size="2"),
                rx.fragment()),
        spacing="1",
        width="100%",
    )


def _receipt_field() -> rx.Component:
    """Where the receipt goes: the LK's e-mail, or its phone for an LK without one."""
    return rx.cond(
        P.by_email,
        field(EMAIL_LABEL, EMAIL_FIELD, P.email_error, type="email", autocomplete="email", default_value=P.email,
              hint=RECEIPT_NOTE),
        field(PHONE_LABEL, PHONE_FIELD, P.phone_error, type="tel", autocomplete="tel", default_value=P.phone,
              hint=PHONE_HINT),
    )


def _payment_form() -> rx.Component:
    return form(
        rx.vstack(
            field(AMOUNT_LABEL, AMOUNT_FIELD, P.amount_error, default_value=P.amount, input_mode="decimal",
                  hint=rx.cond(P.amount_shown != "", P.amount_shown, P.amount_range), on_blur=P.show_amount),
            _method_choice(),
            _receipt_field(),
            rx.cond(P.form_error != "", alert(P.form_error), rx.fragment()),
            rx.flex(
                _close_button(),
                rx.button(PAY_BUTTON, type="submit", size="3", loading=P.busy, disabled=P.busy),
                spacing="3",
                justify="end",
                wrap="wrap",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=P.pay,
        key="payment",
    )


def _not_online() -> rx.Component:
    """Without the acquirer's keys (demo mode): what is needed for paying here, and the QR code meanwhile."""
    return rx.vstack(
        rx.text(NOT_ONLINE, size="2"),
        rx.cond(
            C.payment_qr_url != "",
            rx.image(src=C.payment_qr_url, alt=PAYMENT_QR_ALT.format(number=C.number), width="160px", height="160px"),
            rx.fragment(),
        ),
        rx.cond(C.payment_url != "",
                rx.link(SUPPLIER_PAGE_LINK, href=C.payment_url, is_external=True, underline="always"),
                rx.fragment()),
        rx.flex(_close_button(), justify="end", width="100%"),
        spacing="3",
        width="100%",
        align="center",
    )


def payment_dialog() -> rx.Component:
    """«Оплата»: the account, «Сумма, ₽», «Способ оплаты», where the receipt goes and «Перейти к оплате»."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(DIALOG_TITLE),
            rx.dialog.description(DIALOG_ACCOUNT, rx.text.strong(P.number), size="2", margin_bottom="12px"),
            rx.cond(
                P.ready,
                rx.cond(P.online, _payment_form(), _not_online()),
                rx.center(rx.spinner(size="3"), padding="24px", width="100%"),
            ),
            max_width="440px",
            **RETURN_FOCUS,
        ),
        open=P.dialog_open,
        on_open_change=P.set_dialog_open,
    )
