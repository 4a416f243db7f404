"""The frame of every page: the supplier's header, the content card and the contact footer."""

import reflex as rx

from lk_app.components.forms import BEFORE_HYDRATION
from lk_app.settings import get_settings
from lk_app.state.session import SessionState
from lk_app.texts.access import BROWSER_NAMES


def header(*menu: rx.Component) -> rx.Component:
    """The supplier's logo and name, with an optional menu on the right."""
    settings = get_settings()
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.image(src=settings.logo_url, alt="", width="36px", height="36px"),
                    rx.text(settings.supplier_name, weight="bold", size="4", color="white"),
                    align="center",
                    spacing="2",
                ),
                href="/",
                underline="none",
            ),
            rx.spacer(),
            *menu,
            align="center",
            wrap="wrap",
            spacing="3",
            max_width="960px",
            margin="0 auto",
            width="100%",
        ),
        background="var(--accent-9)",  # the brand's blue (theme.BRAND), as Radix's accent everywhere
        padding="12px 16px",
    )


def _menu_link(label: str, route: str) -> rx.Component:
    """An entry of the customer's menu, marked for eyes and screen readers on its own page."""
    current = rx.State.router.route_id == route
    return rx.link(
        label,
        href=route,
        color="white",
        weight=rx.cond(current, "bold", "regular"),
        aria_current=rx.cond(current, "page", "false"),
        # White when hovered too: a link's default hover colour (the accent's step 8) is lost on the blue.
        _hover={"textDecoration": "underline", "color": "white"},
        style={"textDecoration": rx.cond(current, "underline", "none"), "textDecorationThickness": "2px",
               "textUnderlineOffset": "6px"},
    )


# A white button with its word in the brand's blue, on the blue header: plainly enabled (a grey one looked disabled).
_LOG_OUT_STYLE = {"background": "white", "color": "var(--accent-11)", "&:hover": {"background": "var(--accent-3)"}}


def customer_menu() -> tuple[rx.Component, ...]:
    """The menu of a logged-in customer; on a phone it wraps under the supplier's name."""
    return (
        rx.el.nav(
            rx.hstack(
                _menu_link("Личный кабинет", "/cabinet"),
                _menu_link("Настройки", "/settings"),
                rx.button("Выход", on_click=SessionState.log_out, variant="solid", size="2", style=_LOG_OUT_STYLE,
                          disabled=BEFORE_HYDRATION),
                align="center",
                wrap="wrap",
                spacing="4",
            ),
            aria_label="Меню Личного кабинета",
        ),
    )


def footer() -> rx.Component:
    """The contact centre's phone and hours, on every page."""
    settings = get_settings()
    return rx.el.footer(
        rx.vstack(
            rx.text("Контакт-центр: ", contact_phone_link(), size="2"),
            rx.text(settings.contact_hours, size="2", color_scheme="gray"),
            align="center",
            spacing="1",
        ),
        padding="24px 16px",
        border_top="1px solid var(--gray-5)",
        margin_top="32px",
    )


def contact_phone_link() -> rx.Component:
    """The contact centre's phone, which a phone dials when tapped."""
    phone = get_settings().contact_phone
    return rx.link(phone, href=f"tel:{_tel(phone)}")


def _tel(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return "+7" + digits[1:] if digits.startswith("8") else digits


def page(title: str, *children: rx.Component, menu: tuple[rx.Component, ...] = (), width: str = "440px",
         on_visit: rx.EventHandler | list[rx.EventHandler] | None = None) -> rx.Component:
    """A page: header, a titled card of the given width, footer; fits a 360-px phone.

    `on_visit` runs when the page is opened, and not again when a dropped websocket reconnects (Reflex runs a
    page's on_load then too): what starts a flow afresh goes there, or a phone that froze the tab while its owner
    read an SMS would come back to an emptied form.
    """
    return rx.box(
        header(*menu),
        rx.el.main(
            rx.card(
                rx.vstack(
                    rx.heading(title, as_="h1", size="6"),
                    *children,
                    spacing="4",
                    width="100%",
                ),
                width="100%",
                max_width=width,
                size={"initial": "2", "sm": "3"},  # a narrow phone keeps its width for the content
            ),
            display="flex",
            justify_content="center",
            padding="24px 12px",
        ),
        footer(),
        min_height="100vh",
        background="var(--gray-2)",
        **({"on_mount": on_visit} if on_visit is not None else {}),
    )


def alert(message: rx.Var | str, *, color: str = "red", id: str | None = None) -> rx.Component:
    """A message the screen reader announces: errors next to a form, notices after an action."""
    return rx.callout(message, role="alert", color_scheme=color, width="100%", id=id)


def device_text(device: rx.Var) -> rx.Component:
    """A session's device in words: «Chrome, Android», or «Браузер» when its User-Agent named no known browser."""
    browser = rx.match(device.browser, *BROWSER_NAMES.items(), device.browser)
    return rx.fragment(browser, rx.cond(device.system != "", rx.fragment(", ", device.system), rx.fragment()))


def labelled_row(label: str | rx.Var, value: rx.Var) -> rx.Component:
    """A label and its value: side by side on a desktop, one above the other on a phone."""
    return rx.flex(
        rx.text(label, color_scheme="gray", size="2", min_width="120px"),
        rx.text(value, weight="medium"),
        direction={"initial": "column", "sm": "row"},
        spacing="1",
        width="100%",
    )
