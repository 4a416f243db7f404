"""The page of an address LK does not have (answered with status 404), with the way back."""

import reflex as rx

from lk_app.components.layout import page

TITLE = "Страница не найдена"


def not_found_page() -> rx.Component:
    """Why the page is missing and the link back to LK's front page."""
    return page(
        TITLE,
        rx.text("Такой страницы в Личном кабинете нет: возможно, ссылка устарела или в адресе опечатка."),
        rx.link("На главную", href="/"),
    )
