"""Login: throttling, neutral answers, grants traded for sessions, timeouts and revocation."""

import time
from datetime import timedelta

import pytest
from sqlmodel import select

from lk_app import clock
from lk_app.models import LkUser
from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.registration import register_by_account
from lk_app.services.sessions import redeem_login_grant, resolve_session, revoke_session
from tests.unit.factories import GOOD_PASSWORD, billing_account, registration_form

IP = "203.0.113.9"


@pytest.fixture
def user(session):
    account = billing_account(session)
    register_by_account(account.id, registration_form(), session=session)
    user = session.exec(select(LkUser)).one()
    user.email_confirmed = True
    session.add(user)
    session.flush()
    return user


def test_right_password_gives_a_grant_for_one_fresh_session(session, user):
    outcome = log_in("100 200 300", GOOD_PASSWORD, ip=IP, session=session)
    assert outcome.status is LoginStatus.OK
    first = redeem_login_grant(*outcome.grant, ip=IP, user_agent="test", session=session)
    assert first and len(first) >= 22  # 128 bits, URL-safe
    assert redeem_login_grant(*outcome.grant, ip=IP, user_agent="test", session=session) is None
    assert resolve_session(first, session=session).user_id == user.id
    second = redeem_login_grant(*log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).grant, ip=IP, user_agent="t", session=session)
    assert second != first


def test_a_grant_dies_after_a_minute(session, user):
    grant = log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).grant
    clock.move(timedelta(seconds=61))
    assert redeem_login_grant(*grant, ip=IP, user_agent="t", session=session) is None


def test_unconfirmed_lk_is_told_only_after_the_right_password(session, user):
    user.email_confirmed = False
    session.add(user)
    assert log_in("100200300", "wrong-password-1", ip=IP, session=session).status is LoginStatus.INVALID
    outcome = log_in("100200300", GOOD_PASSWORD, ip=IP, session=session)
    assert outcome.status is LoginStatus.UNCONFIRMED
    assert outcome.grant is None


def test_unknown_and_wrong_get_one_answer_in_about_the_same_time(session, user, settings):
    settings(LK_BCRYPT_ROUNDS="10")

    def timed(identifier):
        start = time.perf_counter()
        status = log_in(identifier, "wrong-password-1", ip=IP, session=session).status
        return status, time.perf_counter() - start

    known_status, known_time = timed("100200300")
    unknown_status, unknown_time = timed("999888777")
    assert known_status is unknown_status is LoginStatus.INVALID
    # Both paths run one bcrypt check of the same cost (~50 ms here); no check would be ~1 ms.
    assert unknown_time > known_time * 0.5


def test_failures_bring_a_growing_delay_then_a_lock(session, user):
    for _ in range(5):
        assert log_in("100200300", "wrong-password-1", ip=IP, session=session).status is LoginStatus.INVALID
    waiting = log_in("100200300", GOOD_PASSWORD, ip=IP, session=session)
    assert waiting.status is LoginStatus.WAIT and waiting.retry_after_seconds >= 1
    for _ in range(15):
        clock.move(timedelta(seconds=61))
        log_in("100200300", "wrong-password-1", ip=IP, session=session)
    assert log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.LOCKED
    clock.move(timedelta(hours=1))
    assert log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.OK


def test_unknown_identifiers_are_throttled_alike(session, user):
    for _ in range(5):
        log_in("nobody-here", "wrong-password-1", ip=IP, session=session)
    assert log_in("nobody-here", "wrong-password-1", ip=IP, session=session).status is LoginStatus.WAIT


def test_one_ip_is_limited_to_a_hundred_failures_an_hour(session, user):
    for n in range(100):
        log_in(f"someone{n}", "wrong-password-1", ip=IP, session=session)
    assert log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.IP_LIMITED
    assert log_in("100200300", GOOD_PASSWORD, ip="198.51.100.1", session=session).status is LoginStatus.OK


def _session_of(session, user):
    grant = log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).grant
    return redeem_login_grant(*grant, ip=IP, user_agent="t", session=session)


def test_logout_revokes_at_once(session, user):
    session_id = _session_of(session, user)
    revoke_session(session_id, session=session)
    assert resolve_session(session_id, session=session) is None


def test_idle_timeout_is_thirty_minutes(session, user):
    session_id = _session_of(session, user)
    clock.move(timedelta(minutes=29))
    assert resolve_session(session_id, session=session) is not None
    clock.move(timedelta(minutes=29))  # active a moment ago: still alive
    assert resolve_session(session_id, session=session) is not None
    clock.move(timedelta(minutes=31))
    assert resolve_session(session_id, session=session) is None


def test_absolute_timeout_is_twelve_hours(session, user):
    session_id = _session_of(session, user)
    for _ in range(24):  # 24 × 29 min = 11 h 36 min, active all along
        clock.move(timedelta(minutes=29))
        assert resolve_session(session_id, session=session) is not None
    clock.move(timedelta(minutes=25))
    assert resolve_session(session_id, session=session) is None


def test_forged_or_empty_session_ids_resolve_to_nobody(session, user):
    assert resolve_session(None, session=session) is None
    assert resolve_session("", session=session) is None
    assert resolve_session("x" * 22, session=session) is None
