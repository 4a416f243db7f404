"""What a script speaking Reflex's `/_event` protocol directly can do: no more than a page, and learn nothing."""

import asyncio
import statistics

import pytest
import socketio
from sqlalchemy import delete
from sqlmodel import select

from lk_app import db
from lk_app.models import LkUser, OutboxMessage
from lk_app.services.passwords import hash_password
from lk_app.services.registration import register_by_account
from lk_app.services.sessions import issue_login_grant, redeem_login_grant
from lk_app.state.cabinet import CabinetState
from lk_app.state.first_login import FirstLoginState
from lk_app.state.login import LoginState
from lk_app.state.profile import ProfileState
from lk_app.state.recovery import ForgotState
from tests.e2e.helpers import PASSWORD, forget_limits, load_customer
from tests.reflex_client import RawReflexClient, finished, handler_name, open_tab, run_apart
from tests.unit.factories import registration_form

ENUMERATION_SAMPLES = 200
MAX_MEDIAN_GAP_SECONDS = 0.010


def _lk_with_session(surname: str = "Ёлкина") -> tuple[str, str]:
    """A registered, confirmed LK and a live session id for it: (account number, session id)."""
    customer = load_customer(surname)

    def make(session):
        from lk_app.models import BillingAccount

        account = session.exec(select(BillingAccount).where(BillingAccount.number == customer.number)).one()
        register_by_account(account.id, registration_form(surname=surname, email=customer.email), session=session)
        user = session.exec(select(LkUser).where(LkUser.login == customer.number)).one()
        user.email_confirmed = True
        session.add(user)
        session.flush()
        return redeem_login_grant(*issue_login_grant(user.id, session=session), ip="127.0.0.1", user_agent="raw", session=session)

    return customer.number, db.run(make)


def _password_hash(number: str) -> str:
    return db.run(lambda session: session.exec(select(LkUser.password_hash).where(LkUser.login == number)).one())



async def _barrier(client: RawReflexClient) -> None:
    """Wait until every event sent before has been handled: the tab's events run in order."""
    await client.call(
        handler_name(LoginState, "log_in"), {"form_data": {}}, until=lambda update: "identifier" in str(update.get("events"))
    )


def test_a_foreign_origin_cannot_open_the_websocket(lk):
    async def scenario():
        evil = RawReflexClient(lk.backend, headers={"Origin": "https://evil.example"})
        with pytest.raises(socketio.exceptions.ConnectionError):
            await evil.open()
        own = await open_tab(lk)
        await own.close()

    run_apart(scenario())


def test_privileged_handlers_without_a_session_change_nothing(lk):
    number, _victim_session = _lk_with_session()
    before = _password_hash(number)
    outbox_before = db.run(lambda session: len(session.exec(select(OutboxMessage.id)).all()))

    async def scenario():
        tab = await open_tab(lk, path="/settings")
        form = {"current_password": PASSWORD, "new_password": "Взлом-пароль-1", "new_password_confirmation": "Взлом-пароль-1",
                "new_email": "thief@example.ru", "email_password": PASSWORD, "sms_phone": "+79120009999", "sms_code": "123456"}
        for handler in ("change_password", "change_email", "change_phone"):
            await tab.send(handler_name(ProfileState, handler), {"form_data": form})
        await tab.send(handler_name(ProfileState, "log_out_everywhere"))
        await tab.send(handler_name(CabinetState, "choose"), {"number": number})
        await _barrier(tab)
        redirects = [event for event in tab.frontend_events if "/" in str(event.get("payload"))]
        await tab.close()
        return redirects, tab

    redirects, tab = run_apart(scenario())
    assert redirects  # each was sent to the login page
    assert _password_hash(number) == before
    assert db.run(lambda session: len(session.exec(select(OutboxMessage.id)).all())) == outbox_before
    assert tab.value(CabinetState, "number", "") != number


def test_another_lks_account_cannot_be_chosen(lk):
    victim_number, _ = _lk_with_session("Петрова")
    own_number, own_session = _lk_with_session("Сидорова")

    async def scenario():
        tab = await open_tab(lk, cookie=own_session, path="/cabinet")
        await tab.call(handler_name(CabinetState, "load"), until=lambda u: CabinetState.get_full_name() in (u.get("delta") or {}))
        await tab.send(handler_name(CabinetState, "choose"), {"number": victim_number})
        await _barrier(tab)
        await tab.close()
        return tab

    tab = run_apart(scenario())
    assert tab.value(CabinetState, "number") != victim_number
    assert "Петрова" not in str(tab.vars)
    assert own_number


def test_setvar_cannot_set_protected_vars(lk):
    async def scenario():
        tab = await open_tab(lk, path="/first-login")
        for name, value in (("phone_verified", True), ("_account_id", 1), ("_verified_phone", "+79120000000"), ("step", "register")):
            await tab.send(handler_name(FirstLoginState, "setvar"), {"var_name": name, "value": value})
        await tab.send(handler_name(FirstLoginState, "register"), {"form_data": {
            "surname": "Ёлкина", "password": PASSWORD, "password_confirmation": PASSWORD, "email": "x@example.ru", "consent": "on"}})
        await _barrier(tab)
        await tab.close()
        return tab

    users_before = db.run(lambda session: len(session.exec(select(LkUser.id)).all()))
    tab = run_apart(scenario())
    assert tab.value(FirstLoginState, "phone_verified", False) is False
    assert db.run(lambda session: len(session.exec(select(LkUser.id)).all())) == users_before



def _enumeration_users() -> tuple[list[str], list[str]]:
    """200 LKs that exist (one shared hash at the test cost) and 200 logins that do not."""
    password_hash = hash_password("Настоящий-пароль-1")

    def make(session):
        session.exec(delete(LkUser).where(LkUser.login.like("enum-%")))
        for n in range(ENUMERATION_SAMPLES):
            session.add(LkUser(login=f"enum-known-{n}", login_key=f"enum-known-{n}", password_hash=password_hash,
                               email=f"enum{n}@example.ru", email_confirmed=True))

    db.run(make)
    return ([f"enum-known-{n}" for n in range(ENUMERATION_SAMPLES)],
            [f"enum-unknown-{n}" for n in range(ENUMERATION_SAMPLES)])



def _assert_alike(known: list[tuple[float, str]], unknown: list[tuple[float, str]]) -> None:
    bodies = {body for _, body in known + unknown}
    assert len(bodies) == 1, bodies
    gap = abs(statistics.median(t for t, _ in known) - statistics.median(t for t, _ in unknown))
    assert gap < MAX_MEDIAN_GAP_SECONDS, f"medians differ by {gap * 1000:.1f} ms"


def test_login_answers_known_and_unknown_identifiers_alike(lk):
    known, unknown = _enumeration_users()

    async def scenario():
        tab = await open_tab(lk)
        results = {"known": [], "unknown": []}
        for n, (real, fake) in enumerate(zip(known, unknown)):
            if n % 40 == 0:
                await asyncio.to_thread(forget_limits)  # stay under the per-IP limit: every request here is 127.0.0.1
            for kind, identifier in (("known", real), ("unknown", fake)):
                seconds = await tab.call(handler_name(LoginState, "log_in"),
                                         {"form_data": {"identifier": identifier, "password": "Неверный-пароль-1"}},
                                         until=finished(LoginState))
                results[kind].append((seconds, tab.value(LoginState, "error")))
        await tab.close()
        return results

    results = run_apart(scenario())
    forget_limits()
    _assert_alike(results["known"], results["unknown"])


def test_recovery_answers_known_and_unknown_identifiers_alike(lk):
    known, unknown = _enumeration_users()
    parallel = 20

    async def ask(tab: RawReflexClient, identifier: str) -> tuple[float, str]:
        seconds = await tab.call(handler_name(ForgotState, "recover"),
                                 {"form_data": {"identifier": identifier, "channel": "email"}}, until=finished(ForgotState))
        return seconds, tab.value(ForgotState, "notice")

    async def scenario():
        tabs = [await open_tab(lk, path="/forgot") for _ in range(parallel)]
        results = {"known": [], "unknown": []}
        pairs = list(zip(known, unknown))
        for start in range(0, len(pairs), parallel // 2):
            await asyncio.to_thread(forget_limits)
            batch = pairs[start:start + parallel // 2]
            answers = await asyncio.gather(*(ask(tabs[2 * i + k], pair[k]) for i, pair in enumerate(batch) for k in (0, 1)))
            results["known"] += answers[0::2]
            results["unknown"] += answers[1::2]
        for tab in tabs:
            await tab.close()
        return results

    results = run_apart(scenario())
    forget_limits()
    _assert_alike(results["known"], results["unknown"])
    mailed = db.run(lambda session: len(session.exec(
        select(OutboxMessage.id).where(OutboxMessage.recipient.like("enum%@example.ru"))).all()))
    assert mailed == ENUMERATION_SAMPLES  # the known ones really were sent a link
