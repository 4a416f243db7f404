"""Bench: limits under simultaneous tries on the production backend (PostgreSQL, Redis, 3 workers) — how many tries
each rule evaluated against what its own arithmetic allows: wrong logins, SMS sends and code guesses, all at once."""

import argparse
import asyncio
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import create_engine, func, text
from sqlmodel import select

from bench.common import backend_environment, flush_redis, free_port, load_average, running_backend
from lk_app import db
from lk_app.clock import now
from lk_app.messaging.templates import render_sms
from lk_app.models import LimitEvent, LkUser, OutboxMessage, SmsCode
from lk_app.services import limits
from lk_app.services.auth import FREE_FAILURES, MAX_DELAY_SECONDS
from lk_app.services.passwords import hash_password
from lk_app.services.sms_codes import MAX_TRIES, RESEND_AFTER
from lk_app.settings import get_settings
from lk_app.state.login import LoginState
from lk_app.state.register import RegisterState
from tests.reflex_client import RawReflexClient, handler_name, var_name

WORKERS = 3
LOGINS = 40
SENDS = 10
GUESSES = 50
PHONE = "+79990001122"
PASSWORD = "Bench-password-1"
FRESH_LOGIN = "race.fresh"
NEARLY_LOCKED_LOGIN = "race.nineteen"
PRIOR_FAILURES = 19
REGISTER_STATE = RegisterState.get_full_name()
LOG_IN_EVENT = handler_name(LoginState, "log_in")
SEND_CODE_EVENT = handler_name(RegisterState, "send_code")
CONFIRM_CODE_EVENT = handler_name(RegisterState, "confirm_code")
CODE_IN_SMS = re.compile(re.escape(render_sms("sms_code", code="CODE")).replace("CODE", r"(\d{6})"))


@dataclass(frozen=True)
class Figure:
    """One race: the tries sent at once, how many the app evaluated, and how many the rule allows."""

    race: str
    sent: int
    seconds: float  # from sending the first try to the last answer
    evaluated: int
    allowed: int

    @property
    def over(self) -> int:
        return self.evaluated - self.allowed


def login_rule_allows(prior_failures: int, tries: int, seconds: float) -> int:
    """The most password checks the login rule allows to `tries` arriving within `seconds`, by its arithmetic alone.

    The first FREE_FAILURES failures go free; then each try waits min(2^(n-5), MAX_DELAY_SECONDS) s after the
    latest failure (the prior ones are older than every delay); at LOGIN_PER_IDENTIFIER.count it is locked.
    Each try is let in at the earliest moment the rule allows, which is the most any order of arrival can get.
    """
    failures, allowed, latest = prior_failures, 0, -math.inf
    for _ in range(tries):
        if failures >= limits.LOGIN_PER_IDENTIFIER.count:
            break
        delay = 0 if failures < FREE_FAILURES else min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
        moment = max(0.0, latest + delay)
        if moment > seconds:
            break
        failures, allowed, latest = failures + 1, allowed + 1, moment
    return allowed


def sms_rule_allows(sends: int, seconds: float) -> int:
    """SMS the rule allows to sends to one phone within `seconds`: one per RESEND_AFTER, within the hourly cap."""
    return min(sends, 1 + int(seconds // RESEND_AFTER.total_seconds()), limits.SMS_PER_PHONE_HOUR.count)


def fresh_database(url: str) -> None:
    """Drop and create the bench's own PostgreSQL database, then migrate it and point the app's code at it."""
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    os.environ["REFLEX_DB_URL"] = url
    get_settings.cache_clear()
    db.migrate(url)


def seed() -> None:
    """Two LKs with a real password; one of them with PRIOR_FAILURES failures older than the longest delay."""
    password_hash = hash_password(PASSWORD)
    with db.session_scope() as session:
        for login in (FRESH_LOGIN, NEARLY_LOCKED_LOGIN):
            session.add(LkUser(login=login, login_key=login, password_hash=password_hash,
                               email=f"{login}@example.ru", email_confirmed=True))
        long_ago = now() - timedelta(minutes=2)
        for _ in range(PRIOR_FAILURES):
            session.add(LimitEvent(kind=limits.LOGIN_PER_IDENTIFIER.kind, subject=NEARLY_LOCKED_LOGIN,
                                   created_at=long_ago))


def counted(kind: str, subject: str) -> int:
    with db.session_scope() as session:
        return session.exec(select(func.count(LimitEvent.id)).where(
            LimitEvent.kind == kind, LimitEvent.subject == subject)).one()


class Tab(RawReflexClient):
    """One browser tab and the events of the three races."""

    async def log_in(self, identifier: str) -> None:
        """A wrong password; the handler ends with a frontend event (the field reset)."""
        await self.call(LOG_IN_EVENT, {"form_data": {"identifier": identifier, "password": "not-the-password"}},
                        until=lambda update: bool(update.get("events")))

    async def send_code(self) -> None:
        """«Получить код»: a fresh tab ends with a notice (sent) or an error (wait, limited)."""
        def answered(update: dict) -> bool:
            delta = (update.get("delta") or {}).get(REGISTER_STATE, {})
            return bool(delta.get(var_name("sms_notice")) or delta.get(var_name("sms_phone_error")))

        await self.call(SEND_CODE_EVENT, {"phone_text": PHONE}, until=answered)

    async def guess(self, codes: list[str]) -> None:
        """Wrong codes sent at once on this tab's socket; each answer ends with the code field's reset."""
        for code in codes:
            await self.send(CONFIRM_CODE_EVENT, {"phone_text": PHONE, "code_text": code})
        for _ in codes:
            await self.next_update(lambda update: bool(update.get("events")))


async def opened(base_url: str, count: int, path: str) -> list[Tab]:
    tabs = [Tab(base_url, path=path) for _ in range(count)]
    await asyncio.gather(*(tab.open() for tab in tabs))
    return tabs


def wrong_codes(count: int) -> list[str]:
    """Codes that are not the one the SMS carries."""
    with db.session_scope() as session:
        body = session.exec(select(OutboxMessage.body_text).where(OutboxMessage.recipient == PHONE)).first()
    right = int(CODE_IN_SMS.search(body).group(1))
    return [f"{(right + 1 + n) % 10**6:06d}" for n in range(count)]


def code_attempts() -> int:
    with db.session_scope() as session:
        return session.exec(select(SmsCode.attempts).where(SmsCode.phone == PHONE)
                            .order_by(SmsCode.id.desc())).first()


async def timed(work) -> float:
    started = perf_counter()
    await work
    return perf_counter() - started


async def races(base_url: str) -> list[Figure]:
    """Each race fired at once from its own tabs, spread by the server over the workers; figures from the database."""
    figures = []
    for login, prior in ((FRESH_LOGIN, 0), (NEARLY_LOCKED_LOGIN, PRIOR_FAILURES)):
        tabs = await opened(base_url, LOGINS, "/")
        seconds = await timed(asyncio.gather(*(tab.log_in(login) for tab in tabs)))
        figures.append(Figure(f"wrong logins, one identifier, {prior} failures before", LOGINS, seconds,
                              counted(limits.LOGIN_PER_IDENTIFIER.kind, login) - prior,
                              login_rule_allows(prior, LOGINS, seconds)))
        await asyncio.gather(*(tab.close() for tab in tabs))

    tabs = await opened(base_url, SENDS, "/register")
    seconds = await timed(asyncio.gather(*(tab.send_code() for tab in tabs)))
    with db.session_scope() as session:
        sent = session.exec(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == PHONE)).one()
    figures.append(Figure("«Получить код», one phone", SENDS, seconds, sent, sms_rule_allows(SENDS, seconds)))
    asker = next(tab for tab in tabs if tab.value(RegisterState, "sms_notice"))

    # A code is tried only by the tab that asked for it: other tabs' guesses find no code and spend nothing.
    strangers = await opened(base_url, GUESSES, "/register")
    codes = wrong_codes(GUESSES)
    seconds = await timed(asyncio.gather(*(tab.guess([code]) for tab, code in zip(strangers, codes))))
    figures.append(Figure("wrong codes, one phone, from other tabs", GUESSES, seconds, code_attempts(), 0))
    await asyncio.gather(*(tab.close() for tab in strangers))
    seconds = await timed(asker.guess(codes))
    figures.append(Figure("wrong codes, one phone, from the tab that asked", GUESSES, seconds, code_attempts(),
                          min(GUESSES, MAX_TRIES)))
    await asyncio.gather(*(tab.close() for tab in tabs))
    return figures


def main() -> int:
    """Run the races once and print the table; non-zero when a rule was overshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/lk_bench_limits",
                        help="PostgreSQL database for the bench (dropped and created anew)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6", help="Redis database (FLUSHDB first)")
    arguments = parser.parse_args()
    fresh_database(arguments.database_url)
    seed()
    flush_redis(arguments.redis)
    environment = backend_environment(WORKERS, arguments.redis, REFLEX_DB_URL=arguments.database_url,
                                      LK_DISPATCH_IN_APP="0")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="lk-bench-") as workdir:
        with running_backend(port, environment, Path(workdir) / "backend.log"):
            figures = asyncio.run(races(f"http://127.0.0.1:{port}"))
    print(f"{WORKERS} workers, PostgreSQL + Redis, bcrypt cost {get_settings().bcrypt_rounds} ({load_average()})")
    print(f"{'race':50} {'sent':>5} {'took':>7} {'evaluated':>10} {'rule allows':>12} {'over':>5}")
    for f in figures:
        print(f"{f.race:50} {f.sent:5} {f.seconds:6.2f}s {f.evaluated:10} {f.allowed:12} {f.over:5}")
    return 1 if any(figure.over for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
