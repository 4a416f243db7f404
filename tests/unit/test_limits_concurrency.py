"""Limits under simultaneous tries: each rule evaluates exactly the tries it allows, and an IPv6 /64 is one subject."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from lk_app import clock, db
from lk_app.models import LimitEvent, LkUser, OutboxMessage
from lk_app.services import auth, limits, profile
from lk_app.services.auth import FREE_FAILURES, LoginStatus, log_in
from lk_app.services.feedback import FeedbackForm, submit_feedback
from lk_app.services.passwords import hash_password
from lk_app.services.registration import Proof, prove_account
from lk_app.services.sms_codes import CONFIRM_PHONE, Issue, issue_sms_code
from tests.unit.factories import GOOD_PASSWORD, billing_account
from tests.unit.test_accounts_concurrency import _at_once

IP = "203.0.113.9"
PHONE = "+79123456789"


@pytest.fixture
def known(clean_db):
    """An LK with a real password hash, committed, so every thread's own transaction sees it."""
    def make(session):
        user = LkUser(login="anna", login_key="anna", password_hash=hash_password(GOOD_PASSWORD),
                      email="anna@example.ru", email_confirmed=True)
        session.add(user)
        session.flush()
        return user.id

    return db.run(make)


@pytest.fixture
def checks(monkeypatch):
    """Counts the bcrypt comparisons the login and the settings run, from any thread."""
    counted = Counter()
    lock = threading.Lock()

    def counting(module, name):
        real = getattr(module, name)

        def check(*args):
            with lock:
                counted[name] += 1
            return real(*args)

        monkeypatch.setattr(module, name, check)

    counting(auth, "verify_password")
    counting(auth, "burn_verify_time")
    counting(profile, "verify_password")
    return counted


def _events(kind: str) -> int:
    return db.run(lambda session: session.exec(select(func.count(LimitEvent.id)).where(LimitEvent.kind == kind)).one())


def test_forty_simultaneous_wrong_logins_get_exactly_the_free_checks(known, checks):
    outcomes = _at_once(40, lambda n: db.run(log_in, "anna", f"wrong-password-{n}", ip=f"198.51.100.{n}"))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert checks["verify_password"] == FREE_FAILURES
    assert Counter(o.status for o in outcomes) == {LoginStatus.INVALID: FREE_FAILURES, LoginStatus.WAIT: 35}
    assert _events(limits.LOGIN_PER_IDENTIFIER.kind) == FREE_FAILURES


def test_unknown_identifiers_get_the_same_count_of_checks(clean_db, checks):
    outcomes = _at_once(40, lambda n: db.run(log_in, "nobody-here", "wrong-password-1", ip=IP))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert checks["burn_verify_time"] == FREE_FAILURES and checks["verify_password"] == 0


def test_a_burst_after_nineteen_failures_stops_at_the_lock(known, checks):
    def fail_nineteen(session):
        for _ in range(19):
            limits.record(limits.LOGIN_PER_IDENTIFIER, "anna", session=session)

    db.run(fail_nineteen)
    clock.move(timedelta(seconds=61))  # past the longest delay: the next try is free to go
    outcomes = _at_once(20, lambda n: db.run(log_in, "anna", f"wrong-password-{n}", ip=IP))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert checks["verify_password"] == 1
    assert Counter(o.status for o in outcomes) == {LoginStatus.INVALID: 1, LoginStatus.LOCKED: 19}
    assert _events(limits.LOGIN_PER_IDENTIFIER.kind) == limits.LOGIN_PER_IDENTIFIER.count


def test_the_right_password_forgets_the_failures_but_not_the_ips_count(known):
    for n in range(3):
        db.run(log_in, "anna", f"wrong-password-{n}", ip=IP)
    assert db.run(log_in, "anna", GOOD_PASSWORD, ip=IP).status is LoginStatus.OK

    assert _events(limits.LOGIN_PER_IDENTIFIER.kind) == 0
    assert _events(limits.LOGIN_PER_IP.kind) == 3


def test_simultaneous_wrong_current_passwords_count_as_failed_logins(known, checks):
    def failures(session):
        for _ in range(17):
            limits.record(limits.LOGIN_PER_IDENTIFIER, "anna", session=session)

    db.run(failures)

    def try_change(n):
        return db.run(lambda session: profile._password_refusal(session.get(LkUser, known), f"wrong-{n}",
                                                                session=session))

    refusals = _at_once(10, try_change)

    assert not [r for r in refusals if isinstance(r, Exception)], refusals
    assert checks["verify_password"] == 3
    assert Counter(refusals) == {profile.CurrentPassword.WRONG: 3, profile.CurrentPassword.TOO_MANY: 7}
    assert _events(limits.LOGIN_PER_IDENTIFIER.kind) == limits.LOGIN_PER_IDENTIFIER.count


def test_the_right_current_password_leaves_no_failure(known):
    refusal = db.run(lambda session: profile._password_refusal(session.get(LkUser, known), GOOD_PASSWORD,
                                                               session=session))
    assert refusal is None
    assert _events(limits.LOGIN_PER_IDENTIFIER.kind) == 0


def test_ten_simultaneous_sms_requests_to_one_phone_send_one(clean_db):
    outcomes = _at_once(10, lambda n: db.run(issue_sms_code, PHONE, CONFIRM_PHONE, ip=f"198.51.100.{n}",
                                                  requester=f"tab-{n}"))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Counter(o.outcome for o in outcomes) == {Issue.SENT: 1, Issue.WAIT: 9}
    assert db.run(lambda session: session.exec(select(func.count(OutboxMessage.id))).one()) == 1
    assert _events(limits.SMS_PER_PHONE_HOUR.kind) == 1


def test_simultaneous_first_login_guesses_stop_at_the_limit(clean_db):
    db.run(lambda session: billing_account(session, number="100200300"))
    outcomes = _at_once(30, lambda n: db.run(prove_account, "100200300", f"Чужая{n}", ip=f"198.51.100.{n}"))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    allowed = limits.FIRST_LOGIN_PER_ACCOUNT.count
    assert Counter(o.proof for o in outcomes) == {Proof.MISMATCH: allowed, Proof.LIMITED: 30 - allowed}


def test_simultaneous_feedback_from_one_contact_stops_at_the_limit(clean_db):
    form = FeedbackForm(name="Анна", contact="anna@example.ru", account_number="", message="Где мой счёт?",
                        consent=True)
    outcomes = _at_once(10, lambda n: db.run(submit_feedback, form, ip=f"198.51.100.{n}"))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.number is not None for o in outcomes) == limits.FEEDBACK_PER_CONTACT.count


@pytest.mark.parametrize("address, same, other", [
    ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:3::1"),
    ("203.0.113.9", "::ffff:203.0.113.9", "203.0.113.10"),
])
def test_an_ipv6_subnet_of_64_is_one_subject_and_ipv4_is_whole(address, same, other):
    assert limits.ip_subject(address) == limits.ip_subject(same) != limits.ip_subject(other)


def test_addresses_of_one_ipv6_64_share_an_ip_limit(session):
    limit = limits.FEEDBACK_PER_IP
    for n in range(limit.count):
        assert limits.admit([(limit, f"2001:db8:1:2::{n:x}")], session=session) == 0
    assert limits.admit([(limit, "2001:db8:1:2:abcd::1")], session=session) > 0
    assert limits.admit([(limit, "2001:db8:1:3::1")], session=session) == 0


def test_a_login_ips_limit_counts_the_whole_64(known):
    for n in range(limits.LOGIN_PER_IP.count):
        db.run(limits.record, limits.LOGIN_PER_IP, f"2001:db8:5:6::{n:x}")
    assert db.run(log_in, "anna", GOOD_PASSWORD, ip="2001:db8:5:6:1::1").status is LoginStatus.IP_LIMITED
    assert db.run(log_in, "anna", GOOD_PASSWORD, ip="2001:db8:5:7::1").status is LoginStatus.OK
