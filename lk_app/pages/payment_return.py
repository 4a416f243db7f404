"""`/payment/return?payment=…`: where the customer lands back from the acquirer; the heading says how the payment stands."""

import reflex as rx

from lk_app.components.layout import page
from lk_app.state.payment_return import PaymentReturnState as S
from lk_app.texts.payments import BACK_TO_CABINET, RETURN_STILL_PROCESSING, RETURN_TITLE, TRY_AGAIN

TITLE = RETURN_TITLE
ACCEPTED, PROCESSING, FAILED = "accepted", "processing", "failed"  # ReturnStatus's values
STATUS_COLOURS = {ACCEPTED: "var(--green-11)", PROCESSING: "var(--amber-11)", FAILED: "var(--red-11)"}


def _back() -> rx.Component:
    return rx.link(BACK_TO_CABINET, href="/cabinet", underline="always")


def _payment() -> rx.Component:
    """The amount, the masked account, what the status means and the way on."""
    return rx.vstack(
        rx.text(S.amount, id="payment-amount", size="7", weight="bold", white_space="nowrap",
                color=rx.match(S.status, *STATUS_COLOURS.items(), "var(--gray-12)")),
        rx.text(S.account, id="payment-account", color_scheme="gray"),
        rx.text(S.note, role="status"),
        rx.cond((S.status == PROCESSING) & (S.rechecks_left == 0), rx.text(RETURN_STILL_PROCESSING, size="2"),
                rx.fragment()),
        rx.cond(
            S.status == FAILED,
            # The link drawn as a button, not a button in a link: one control, one stop of Tab.
            rx.button(rx.el.a(TRY_AGAIN, href="/cabinet"), as_child=True, size="3", width="100%"),
            rx.fragment(),
        ),
        _back(),
        spacing="3",
        width="100%",
    )


def payment_return_page() -> rx.Component:
    """The payment's status as the acquirer's API gives it; «Платёж не найден» for an address naming none of the
    viewer's."""
    return page(
        S.heading,
        rx.match(
            S.status,
            ("checking", rx.spinner()),
            ("unknown", rx.vstack(rx.text(S.note), _back(), spacing="3", width="100%")),
            _payment(),
        ),
    )
