"""Form fields with a visible label tied to the input and the field's error right under it."""

import reflex as rx


def field(
    label: str,
    name: str,
    error: rx.Var,
    *,
    type: str = "text",
    autocomplete: str = "off",
    hint: str = "",
    **input_props,
) -> rx.Component:
    """A labelled input named `name` (its id too); `error` is shown beneath it and marks it invalid.

    `input_props` go to the input: `default_value` for a field read on submit, or `value` with
    `on_change` for one the page needs before that.
    """
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontWeight": "500"}),
        rx.input(
            id=name,
            name=name,
            type=type,
            auto_complete=autocomplete,
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=f"{name}-error",
            size="3",
            width="100%",
            **input_props,
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray"), rx.fragment()),
        rx.cond(
            error != "",
            rx.text(error, id=f"{name}-error", role="alert", color_scheme="red", size="2"),
            rx.fragment(),
        ),
        spacing="1",
        width="100%",
    )


def checkbox(label: rx.Component | str, name: str, error: rx.Var) -> rx.Component:
    """A native checkbox with its label; its error beneath."""
    return rx.vstack(
        rx.hstack(
            rx.el.input(type="checkbox", id=name, name=name, style={"width": "20px", "height": "20px", "flexShrink": "0"}),
            rx.el.label(label, html_for=name),
            align="start",
            spacing="2",
        ),
        rx.cond(error != "", rx.text(error, id=f"{name}-error", role="alert", color_scheme="red", size="2"), rx.fragment()),
        spacing="1",
        width="100%",
    )


def form(*children: rx.Component, on_submit: rx.EventHandler, key: str | None = None) -> rx.Component:
    """A form checked by the server, not the browser: every refusal is a Russian message by its field."""
    return rx.form(*children, on_submit=on_submit, key=key, reset_on_submit=False, no_validate=True, width="100%")


def submit(label: str, loading: rx.Var | bool = False) -> rx.Component:
    """The form's main button."""
    return rx.button(label, type="submit", size="3", width="100%", loading=loading)


def input_text(input_id: str) -> rx.Var:
    """What an input holds in the browser at the moment an event fires: no debounced copy can lag behind it."""
    return rx.Var(_js_expr=f"(document.getElementById({input_id!r})?.value ?? '')", _var_type=str)


def countdown_note(seconds: rx.Var) -> rx.Component:
    """«Повторно — через N с» while a resend is not yet allowed."""
    return rx.cond(seconds > 0, rx.text("Повторная отправка — через ", seconds, " с", size="2", color_scheme="gray"), rx.fragment())
