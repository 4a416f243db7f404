"""Message templates: an e-mail's subject, plain-text and HTML bodies, or an SMS's text, from the files in `templates/`."""

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
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


@lru_cache
def _words() -> dict:
    """The words templates put in by number or by kind, from `templates/_words.json`."""
    return json.loads((TEMPLATE_DIR / "_words.json").read_text(encoding="utf-8"))


def plural_form(count: int, forms: Sequence[str]) -> str:
    """The form of a word that agrees with a count, from its forms for 1, 2 and 5 (Russian has three)."""
    one, few, many = forms
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


def hours_phrase(hours: int) -> str:
    """A number of hours with the noun in the form that agrees with it (1, 24, 5 hours)."""
    return f"{hours} {plural_form(hours, _words()['hours'])}"


def _link_lifetime(context: Mapping[str, object]) -> dict[str, object]:
    return {"ttl": hours_phrase(int(context["ttl_hours"]))}


def _change(context: Mapping[str, object]) -> dict[str, object]:
    # What a change notice names, by the change (lk_app.services.credentials.Change): neutral, never the new value.
    return {"what": _words()["changes"][str(context["change"])]}


def _account_given(context: Mapping[str, object]) -> dict[str, object]:
    # A ticket sent without an account number says so rather than leave its line blank.
    return {"account_number": context["account_number"] or _words()["account_not_given"]}


def _readings_receipt(context: Mapping[str, object]) -> dict[str, object]:
    # The month, the window's last day and each (meter, its zones, zone, reading) of lk_app.services.readings.
    words, period, closes = _words(), str(context["period"]), context["closes_on"]
    lines = []
    for meter, zones, zone, reading in context["zone_readings"]:
        name = words["reading_zones"][str(zones)][zone - 1]
        lines.append(f"{words['meter']} {meter}" + (f", {name}" if name else "") + f": {reading}")
    return {"month": f"{words['months'][int(period[5:7]) - 1]} {period[:4]}",
            "closes": f"{closes.day} {words['months_genitive'][closes.month - 1]}", "readings": "\n".join(lines)}


# Words that depend on the caller's numbers are worked out here, so the template files stay plain text.
_DERIVED: dict[str, Callable[[Mapping[str, object]], dict[str, object]]] = {
    "feedback_received": _account_given,
    "credentials_changed": _change,
    "confirm_registration": _link_lifetime,
    "reset_password": _link_lifetime,
    "confirm_new_email": _link_lifetime,
    "confirm_ebill_email": _link_lifetime,
    "readings_accepted": _readings_receipt,
}


@lru_cache
def _sources(template: str) -> tuple[str, str, str]:
    """The subject line, the text body and the HTML body of a template as written in its files."""
    if not _NAME.fullmatch(template) or not (TEMPLATE_DIR / f"{template}.txt").is_file():
        raise ValueError(f"unknown message template {template!r}")
    # The .txt file is written like a mail: the subject line, a blank line, then the body.
    subject, _, text = (TEMPLATE_DIR / f"{template}.txt").read_text(encoding="utf-8").partition("\n\n")
    return subject, text, (TEMPLATE_DIR / f"{template}.html").read_text(encoding="utf-8")


# Every link a template puts in a message carries a token (a confirmation, a reset, "it was not me", an unsubscribe)
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


def _values(template: str, context: Mapping[str, object]) -> dict[str, object]:
    """The supplier's details, the caller's context and the words derived from it, by placeholder name."""
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
    return values


def render(template: str, **context: object) -> RenderedMessage:
    """Fill a template with the supplier's details and the context; values are escaped in the HTML part."""
    subject_source, text_source, html_source = _sources(template)
    values = _values(template, context)
    # A subject is one header line whatever the values hold.
    subject = " ".join(Template(subject_source).substitute(values).split())
    text_layout, html_layout = _layouts()
    text = text_layout.substitute(values, content=Template(text_source).substitute(values))
    escaped = {name: html.escape(str(value)) for name, value in values.items()}
    escaped["subject"] = html.escape(subject)
    body_html = Template(html_source).substitute(escaped)
    return RenderedMessage(subject=subject, text=text, html=html_layout.substitute(escaped, content=body_html),
                           carries_secret=_carries_secret(template))


@lru_cache
def _sms_source(template: str) -> Template:
    """An SMS template as written in its file `templates/NAME.sms.txt`, one line."""
    if not _NAME.fullmatch(template) or not (TEMPLATE_DIR / f"{template}.sms.txt").is_file():
        raise ValueError(f"unknown SMS template {template!r}")
    return Template((TEMPLATE_DIR / f"{template}.sms.txt").read_text(encoding="utf-8").rstrip("\n"))


def render_sms(template: str, **context: object) -> str:
    """The text of an SMS: its template filled with the context (short: no layout, no signature)."""
    return _sms_source(template).substitute(_values(template, context))


def change_notice_sms(change: str, link: str) -> str:
    """The SMS that tells the LK's phone of a change: short, neutral, with its link to disown it."""
    return render_sms("credentials_changed", change=change, link=link)
