"""Message templates: a subject, a plain-text and an HTML body from the files in `templates/`."""

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from lk_app.settings import get_settings

TEMPLATE_DIR = Path(__file__).with_name("templates")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready for the outbox."""

    subject: str
    text: str
    html: str
    carries_secret: bool  # a link with a token in it: the outbox wipes the bodies once the message is sent


def hours_phrase(hours: int) -> str:
    """«1 час», «24 часа», «5 часов»: a number of hours with the noun in its Russian plural form."""
    if hours % 10 == 1 and hours % 100 != 11:
        noun = "час"
    elif 2 <= hours % 10 <= 4 and not 12 <= hours % 100 <= 14:
        noun = "часа"
    else:
        noun = "часов"
    return f"{hours} {noun}"


def _link_lifetime(context: Mapping[str, object]) -> dict[str, object]:
    return {"ttl": hours_phrase(int(context["ttl_hours"]))}


# What a change notice names, by the change (lk_app.services.credentials.Change): neutral, never the new value.
CHANGE_PHRASES = {
    "password": "изменён пароль",
    "reset": "пароль восстановлен",
    "email_requested": "запрошена смена e-mail",
    "email": "изменён e-mail",
    "phone": "изменён телефон",
    "sessions_ended": "завершены все входы",
    "operator_email": "контакт-центр изменил e-mail",
}


def _change(context: Mapping[str, object]) -> dict[str, object]:
    return {"what": CHANGE_PHRASES[str(context["change"])]}


def change_notice_sms(change: str, link: str) -> str:
    """The SMS that tells the LK's phone of a change: short, neutral, with its «Это не я» link."""
    return f"В Личном кабинете {CHANGE_PHRASES[change]}. Если это не вы, нажмите «Это не я»: {link}"


# Words that depend on the caller's numbers are worked out here, so the template files stay plain text.
_DERIVED: dict[str, Callable[[Mapping[str, object]], dict[str, object]]] = {
    "credentials_changed": _change,
    "confirm_registration": _link_lifetime,
    "reset_password": _link_lifetime,
    "confirm_new_email": _link_lifetime,
    "confirm_ebill_email": _link_lifetime,
}


@lru_cache
def _sources(template: str) -> tuple[str, str, str]:
    """The subject line, the text body and the HTML body of a template as written in its files."""
    if not _NAME.fullmatch(template) or not (TEMPLATE_DIR / f"{template}.txt").is_file():
        raise ValueError(f"unknown message template {template!r}")
    # The .txt file is written like a mail: the subject line, a blank line, then the body.
    subject, _, text = (TEMPLATE_DIR / f"{template}.txt").read_text(encoding="utf-8").partition("\n\n")
    return subject, text, (TEMPLATE_DIR / f"{template}.html").read_text(encoding="utf-8")


# Every link a template puts in a message carries a token (a confirmation, a reset, «Это не я», an unsubscribe)
# except these, to pages anyone may open: a new link placeholder is a secret unless it is named here.
_PUBLIC_LINKS = frozenset({"cabinet_link"})


@lru_cache
def _carries_secret(template: str) -> bool:
    """Whether a template's message holds a link token: it has a placeholder `link` or `…_link` that is not public."""
    names = {name for source in _sources(template) for name in Template(source).get_identifiers()}
    return any((name == "link" or name.endswith("_link")) and name not in _PUBLIC_LINKS for name in names)


@lru_cache
def _layouts() -> tuple[Template, Template]:
    """The frame every message's text and HTML body go into: greeting's end, signature, contact centre."""
    return (
        Template((TEMPLATE_DIR / "_layout.txt").read_text(encoding="utf-8")),
        Template((TEMPLATE_DIR / "_layout.html").read_text(encoding="utf-8")),
    )


def render(template: str, **context: object) -> RenderedMessage:
    """Fill a template with the supplier's details and the context; values are escaped in the HTML part."""
    subject_source, text_source, html_source = _sources(template)
    settings = get_settings()
    values: dict[str, object] = {
        "supplier": settings.supplier_name,
        "contact_phone": settings.contact_phone,
        "contact_hours": settings.contact_hours,
        **context,
    }
    derive = _DERIVED.get(template)
    if derive is not None:
        values.update(derive(values))
    # A subject is one header line whatever the values hold.
    subject = " ".join(Template(subject_source).substitute(values).split())
    text_layout, html_layout = _layouts()
    text = text_layout.substitute(values, content=Template(text_source).substitute(values))
    escaped = {name: html.escape(str(value)) for name, value in values.items()}
    escaped["subject"] = html.escape(subject)
    body_html = Template(html_source).substitute(escaped)
    return RenderedMessage(subject=subject, text=text, html=html_layout.substitute(escaped, content=body_html),
                           carries_secret=_carries_secret(template))
