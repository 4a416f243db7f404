"""Demo mode: sample accounts on the login page and the outbox of every message sent."""

import asyncio
import dataclasses

import reflex as rx

from lk_app import db
from lk_app.services.demo import demo_sample_accounts, recent_messages
from lk_app.settings import get_settings


@dataclasses.dataclass
class SampleAccount:
    """A demo account a presenter can type into «Первый вход»."""

    number: str = ""
    surname: str = ""


@dataclasses.dataclass
class OutboxRow:
    """One produced message, as /dev/outbox lists it."""

    id: int = 0
    channel: str = ""
    kind: str = ""
    recipient: str = ""
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    status: str = ""
    created_at: str = ""
    redacted: bool = False


class DemoState(rx.State):
    """Demo data for the pages; empty unless demo mode is on (LK_DEMO, see Settings.demo_mode)."""

    enabled: bool = False
    samples: list[SampleAccount] = []
    messages: list[OutboxRow] = []

    @rx.event
    async def load_samples(self):
        """The login page's sample accounts (only in demo mode)."""
        self.enabled = get_settings().demo_mode
        if self.enabled:
            rows = await asyncio.to_thread(db.run, demo_sample_accounts)
            self.samples = [SampleAccount(number, surname) for number, surname in rows]

    @rx.event
    async def load_outbox(self):
        """Every message the app produced, newest first; a 404-like page outside demo mode."""
        self.enabled = get_settings().demo_mode
        if not self.enabled:
            self.messages = []
            return
        views = await asyncio.to_thread(db.run, recent_messages)
        self.messages = [
            OutboxRow(v.id, v.channel, v.kind, v.recipient, v.subject, v.body_text, v.body_html or "", v.status,
                      v.created_at, v.redacted)
            for v in views
        ]
