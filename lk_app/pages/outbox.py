"""`/dev/outbox`: in demo mode, every e-mail and SMS the app produced, newest first."""

import reflex as rx

from lk_app.components.layout import page
from lk_app.state.demo import DemoState
from lk_app.texts.demo import CHANNEL_LABELS, KIND_LABELS, STATUS_COLORS, STATUS_LABELS


def _badges(row: rx.Var) -> rx.Component:
    """The message's channel, kind and status in words, and when it was written."""
    return rx.flex(
        rx.badge(rx.match(row.channel, *CHANNEL_LABELS.items(), row.channel)),
        rx.cond(
            row.kind != row.channel,
            rx.badge(rx.match(row.kind, *KIND_LABELS.items(), row.kind), color_scheme="gray"),
            rx.fragment(),
        ),
        rx.badge(rx.match(row.status, *STATUS_LABELS.items(), row.status),
                 color_scheme=rx.match(row.status, *STATUS_COLORS.items(), "gray")),
        rx.text(row.created_at, size="1"),
        align="center",
        wrap="wrap",
        spacing="2",
    )


def _message(row: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            _badges(row),
            rx.text("Кому: ", row.recipient, size="2"),
            rx.cond(row.subject != "", rx.text(row.subject, weight="bold"), rx.fragment()),
            rx.cond(
                row.redacted,
                rx.text("Текст удалён после отправки: в нём была ссылка или код.", color_scheme="gray"),
                rx.cond(
                    row.body_html != "",
                    rx.box(rx.html(row.body_html), width="100%"),
                    rx.text(row.body_text, white_space="pre-wrap"),
                ),
            ),
            spacing="2",
            width="100%",
        ),
        role="article",
        width="100%",
    )


def outbox_page() -> rx.Component:
    """The outbox, or a notice that demo mode is off."""
    return page(
        "Исходящие сообщения",
        rx.cond(
            DemoState.enabled,
            rx.cond(
                DemoState.messages.length() > 0,
                rx.vstack(rx.foreach(DemoState.messages, _message), spacing="3", width="100%"),
                rx.text("Сообщений пока нет."),
            ),
            rx.text("Страница доступна только в демо-режиме."),
        ),
        width="760px",
    )
