"""Form fields with a visible label tied to the input and the field's error right under it."""

import json

import reflex as rx

from lk_app.normal_forms import SHOWN_PHONE_LAYOUT, SHOWN_PHONE_PATTERN
from lk_app.texts.access import PHONE_HINT


def _labelled(label: str | rx.Var, ident: str | rx.Var, error: rx.Var, control: rx.Component,
              hint: str | rx.Var, shown_beneath: bool = True) -> rx.Component:
    """A control (whose id is `ident`) under its label, with the hint and (unless shown elsewhere) the error beneath."""
    return rx.vstack(
        rx.el.label(label, html_for=ident, style={"fontWeight": "500"}),
        control,
        rx.cond(hint != "", rx.text(hint, id=ident + "-hint", size="1", color_scheme="gray"), rx.fragment()),
        _error(ident, error) if shown_beneath else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _error(ident: str | rx.Var, error: rx.Var) -> rx.Component:
    """The refusal of the control `ident`, announced as it appears."""
    return rx.cond(error != "", rx.text(error, id=ident + "-error", role="alert", color_scheme="red", size="2"),
                   rx.fragment())


# A refused field is framed in red, and so is its focus ring. Radix draws a text field's border and ring on the box
# around the input, which takes the style, so the box is painted by the input's own `aria-invalid`.
_REFUSED_BOX = {
    "&:has([aria-invalid=true])": {"boxShadow": "inset 0 0 0 1px var(--red-9)", "outlineColor": "var(--red-9)"},
}
_REFUSED_CHECKBOX = {"&[aria-invalid=true]": {"outline": "2px solid var(--red-9)", "outlineOffset": "1px"}}


def _refusal_props(ident: str | rx.Var, error: rx.Var, hint: str | rx.Var = "", error_id: str | None = None) -> dict:
    """What marks a control refused for screen readers and ties its hint and error to it: `aria-describedby` names
    only what is on the page (a reader would look for the error's id in vain before a refusal)."""
    hint_id, error_id = ident + "-hint", ident + "-error" if error_id is None else error_id
    hinted, refused = rx.Var.create(hint) != "", error != ""
    described_by = rx.cond(refused, rx.cond(hinted, hint_id + " " + error_id, error_id), rx.cond(hinted, hint_id, None))
    return {"aria_invalid": rx.cond(refused, "true", "false"), "aria_describedby": described_by}


def _invalid_props(name: str | rx.Var, ident: str | rx.Var, error: rx.Var, hint: str | rx.Var,
                   error_id: str | None) -> dict:
    return {"id": ident, "name": name, **_refusal_props(ident, error, hint, error_id), "size": "3", "width": "100%",
            "style": _REFUSED_BOX}


def field(
    label: str | rx.Var,
    name: str | rx.Var,
    error: rx.Var,
    *,
    type: str = "text",
    autocomplete: str = "off",
    hint: str | rx.Var = "",
    input_id: str | rx.Var | None = None,
    error_id: str | None = None,
    **input_props,
) -> rx.Component:
    """A labelled input named `name` (its id too, unless a form repeated per row gives `input_id`); `error` is
    shown beneath it and marks it invalid. Fields made in `rx.foreach` take their label, name and hint as Vars.
    A refusal of several fields at once is shown once, in the message whose id is `error_id`, and not beneath.

    `input_props` go to the input: `default_value` for a field read on submit, or `value` with
    `on_change` for one the page needs before that.
    """
    ident = name if input_id is None else input_id
    control = rx.input(type=type, auto_complete=autocomplete, **_invalid_props(name, ident, error, hint, error_id),
                       **input_props)
    return _labelled(label, ident, error, control, hint, shown_beneath=error_id is None)


def text_area_field(label: str, name: str, error: rx.Var, *, hint: str = "", **props) -> rx.Component:
    """A labelled multi-line field, like `field`; its text is read on submit."""
    return _labelled(label, name, error, rx.text_area(**_invalid_props(name, name, error, hint, None), **props), hint)


def checkbox(
    label: rx.Component | str, name: str, error: rx.Var, *, input_id: str | rx.Var | None = None, **input_props
) -> rx.Component:
    """A native checkbox with its label; its error beneath. `input_id` and `input_props` as for `field`."""
    ident = name if input_id is None else input_id
    return rx.vstack(
        rx.hstack(
            rx.el.input(type="checkbox", id=ident, name=name, **_refusal_props(ident, error),
                        style={"width": "20px", "height": "20px", "flexShrink": "0", **_REFUSED_CHECKBOX}, **input_props),
            rx.el.label(label, html_for=ident),
            align="start",
            spacing="2",
        ),
        _error(ident, error),
        spacing="1",
        width="100%",
    )


# True until the page's scripts have run and it has its state: a control that only scripts make work is disabled
# until then (the production build paints first and hydrates after), so a tap on it is not lost.
BEFORE_HYDRATION = ~rx.State.is_hydrated
# A fieldset that only groups: no frame, no padding.
_PLAIN_FIELDSET = {"border": "0", "padding": "0", "margin": "0", "minWidth": "0", "width": "100%"}


def form(*children: rx.Component, on_submit: rx.EventHandler, key: str | None = None) -> rx.Component:
    """A form checked by the server, not the browser: every refusal is a Russian message by its field.

    The production build sends the page's HTML before its scripts: until the page is hydrated its fields and
    buttons are disabled, so nothing is typed into a form about to be replaced, and the browser can never submit
    it on its own (that would put a password in a URL); POST keeps even that out of URLs and logs.
    """
    return rx.form(
        rx.el.fieldset(*children, disabled=BEFORE_HYDRATION, style=_PLAIN_FIELDSET),
        on_submit=on_submit, key=key, method="post", reset_on_submit=False, no_validate=True, width="100%",
    )


def submit(label: str, loading: rx.Var | bool = False) -> rx.Component:
    """The form's main button."""
    return rx.button(label, type="submit", size="3", width="100%", loading=loading)


def input_text(input_id: str) -> rx.Var:
    """What an input holds in the browser at the moment an event fires: no debounced copy can lag behind it."""
    return rx.Var(_js_expr=f"(document.getElementById({input_id!r})?.value ?? '')", _var_type=str)


def phone_number(e164: rx.Var) -> rx.Component:
    """A stored phone of the page's state, written in the browser as `display_phone` writes it, on one line."""
    layout = json.dumps(SHOWN_PHONE_LAYOUT.format("$1", "$2", "$3", "$4"))
    shown = rx.Var(_js_expr=f"String({e164!s}).replace(/{SHOWN_PHONE_PATTERN}/, {layout})", _var_type=str,
                   _var_data=e164._get_all_var_data())
    return rx.text.span(shown, white_space="nowrap")


def phone_with_code_button(state, label: str, error: rx.Var, button: str) -> rx.Component:
    """The phone field and the button that sends it a code, with the resend countdown and the notice.

    `state` is a state with the phone-code mixin: the button reads the field itself, not a copy.
    """
    return rx.fragment(
        field(label, "sms_phone", error, type="tel", autocomplete="tel", default_value=state.sms_phone,
              on_blur=state.set_sms_phone, hint=PHONE_HINT),
        rx.button(button, type="button", variant="outline", on_click=state.send_code(input_text("sms_phone")),
                  disabled=state.resend_in > 0, width="100%"),
        rx.cond(state.resend_in > 0, rx.text("Повторная отправка — через ", state.resend_in, " с", size="2", color_scheme="gray"),
                rx.fragment()),
        rx.cond(state.sms_notice != "", rx.text(state.sms_notice, size="2", role="status"), rx.fragment()),
    )


def consent_checkbox(error: rx.Var) -> rx.Component:
    """The consent to the processing of personal data, with the policy a click away."""
    return checkbox(
        # Underlined: a link inside a sentence is told from its words by more than colour.
        rx.fragment("Согласен на обработку персональных данных (",
                    rx.link("политика", href="/privacy", is_external=True, underline="always"), ")"),
        "consent",
        error,
    )
