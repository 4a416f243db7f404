"""SMS codes: what is sent, resend and volume limits, the cap on tries, and the proof they give once."""

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from lk_app import clock, db
from lk_app.models import OutboxMessage, SmsCode
from lk_app.services.sms_codes import (
    CONFIRM_PHONE,
    MAX_TRIES,
    Check,
    Issue,
    check_sms_code,
    issue_sms_code,
    use_phone_proof,
)

PHONE = "+79123456789"
IP = "203.0.113.9"
TAB = "the-tab-that-asked"  # the nonce of the tab that asks for codes


def _sent_code(session, phone=PHONE) -> str:
    text = session.exec(
        select(OutboxMessage.body_text).where(OutboxMessage.recipient == phone).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"\b\d{6}\b", text).group()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_is_six_random_digits_in_one_cyrillic_sms_and_stored_hashed(session):
    assert issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session).outcome is Issue.SENT
    sms = session.exec(select(OutboxMessage)).one()
    code = _sent_code(session)
    assert (sms.channel, sms.recipient) == ("sms", PHONE)
    assert len(sms.body_text) <= 70 and "Никому" in sms.body_text
    row = session.exec(select(SmsCode)).one()
    assert code not in row.code_hash and code not in row.salt


def test_the_right_code_proves_the_phone_once(session):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    verdict = check_sms_code(PHONE, CONFIRM_PHONE, _sent_code(session), requester=TAB, session=session)
    assert verdict.outcome is Check.OK
    assert use_phone_proof(verdict.code_id, PHONE, CONFIRM_PHONE, session=session)
    assert not use_phone_proof(verdict.code_id, PHONE, CONFIRM_PHONE, session=session)
    assert check_sms_code(PHONE, CONFIRM_PHONE, _sent_code(session), requester=TAB, session=session).outcome is Check.NONE


def test_a_proof_is_bound_to_its_phone_and_purpose(session):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    verdict = check_sms_code(PHONE, CONFIRM_PHONE, _sent_code(session), requester=TAB, session=session)
    assert check_sms_code("+79000000000", CONFIRM_PHONE, _sent_code(session), requester=TAB, session=session).outcome is Check.NONE
    assert check_sms_code(PHONE, "reset_password", _sent_code(session), requester=TAB, session=session).outcome is Check.NONE
    assert not use_phone_proof(verdict.code_id, "+79000000000", CONFIRM_PHONE, session=session)


def test_a_verified_code_can_be_presented_again_but_not_another(session):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    code = _sent_code(session)
    for _ in range(MAX_TRIES + 2):  # a form refused for another field is sent again with the same code
        assert check_sms_code(PHONE, CONFIRM_PHONE, code, requester=TAB, session=session).outcome is Check.OK
    assert check_sms_code(PHONE, CONFIRM_PHONE, _wrong(code), requester=TAB, session=session).outcome is Check.WRONG


def test_five_wrong_tries_kill_the_code_even_for_the_right_one(session):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    code = _sent_code(session)
    verdicts = [check_sms_code(PHONE, CONFIRM_PHONE, _wrong(code), requester=TAB, session=session) for _ in range(MAX_TRIES)]
    assert [v.tries_left for v in verdicts] == [4, 3, 2, 1, 0]
    assert verdicts[-1].outcome is Check.EXHAUSTED
    assert check_sms_code(PHONE, CONFIRM_PHONE, code, requester=TAB, session=session).outcome is Check.EXHAUSTED


def test_a_new_code_does_not_reset_the_failure_count(session):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    for _ in range(3):
        check_sms_code(PHONE, CONFIRM_PHONE, _wrong(_sent_code(session)), requester=TAB, session=session)
    clock.move(timedelta(seconds=61))
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    code = _sent_code(session)
    assert check_sms_code(PHONE, CONFIRM_PHONE, _wrong(code), requester=TAB, session=session).tries_left == 1
    assert check_sms_code(PHONE, CONFIRM_PHONE, _wrong(code), requester=TAB, session=session).outcome is Check.EXHAUSTED


def test_a_code_lives_ten_minutes(session):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    clock.move(timedelta(minutes=10, seconds=1))
    assert check_sms_code(PHONE, CONFIRM_PHONE, _sent_code(session), requester=TAB, session=session).outcome is Check.EXPIRED


def test_a_newer_code_replaces_the_older(session):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    old = _sent_code(session)
    clock.move(timedelta(seconds=61))
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    new = _sent_code(session)
    if new != old:
        assert check_sms_code(PHONE, CONFIRM_PHONE, old, requester=TAB, session=session).outcome is Check.WRONG
    assert check_sms_code(PHONE, CONFIRM_PHONE, new, requester=TAB, session=session).outcome is Check.OK


def test_resend_waits_sixty_seconds_and_says_how_long(session):
    assert issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session).outcome is Issue.SENT
    clock.move(timedelta(seconds=20))
    early = issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    assert (early.outcome, early.retry_after_seconds) == (Issue.WAIT, 40)
    clock.move(timedelta(seconds=40))
    assert issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session).outcome is Issue.SENT


def _press(times: int, *, session) -> list:
    """Press «Отправить смс» `times` times, a minute apart, each from another address."""
    outcomes = []
    for n in range(times):
        outcomes.append(issue_sms_code(PHONE, CONFIRM_PHONE, ip=f"198.51.100.{n}", requester=TAB, session=session))
        clock.move(timedelta(seconds=61))
    return outcomes


def test_twenty_presses_send_five_sms_an_hour_and_say_when_to_come_back(session):
    outcomes = _press(20, session=session)
    assert [o.outcome for o in outcomes].count(Issue.SENT) == 5
    assert outcomes[-1].outcome is Issue.LIMITED and 0 < outcomes[-1].retry_after_seconds <= 3600


def test_at_most_ten_sms_a_day_to_one_phone(session):
    sent = []
    for _ in range(4):
        sent += [o for o in _press(6, session=session) if o.outcome is Issue.SENT]
        clock.move(timedelta(hours=1))
    assert len(sent) == 10
    clock.move(timedelta(hours=21))
    assert issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session).outcome is Issue.SENT


def test_one_ip_cannot_spray_many_phones(session):
    outcomes = [issue_sms_code(f"+7912000{n:04d}", CONFIRM_PHONE, ip=IP, requester=TAB, session=session) for n in range(25)]
    assert sum(o.outcome is Issue.SENT for o in outcomes) == 20
    assert outcomes[-1].outcome is Issue.LIMITED


def test_fifty_simultaneous_guesses_get_at_most_five_comparisons(clean_db):
    db.run(issue_sms_code, PHONE, CONFIRM_PHONE, ip=IP, requester=TAB)
    code = db.run(_sent_code)
    barrier = threading.Barrier(50)
    verdicts = []

    def guess():
        barrier.wait()
        verdicts.append(db.run(check_sms_code, PHONE, CONFIRM_PHONE, _wrong(code), requester=TAB))

    threads = [threading.Thread(target=guess) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Exactly MAX_TRIES guesses were compared: four said how many tries are left, the fifth killed the code.
    assert sorted(v.tries_left for v in verdicts if v.outcome is Check.WRONG) == [1, 2, 3, 4]
    assert all(v.outcome in (Check.WRONG, Check.EXHAUSTED) for v in verdicts)
    assert db.run(lambda session: session.exec(select(SmsCode.attempts)).one()) == MAX_TRIES
    assert db.run(check_sms_code, PHONE, CONFIRM_PHONE, code, requester=TAB).outcome is Check.EXHAUSTED


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1" * 40])
def test_malformed_codes_are_just_wrong(session, code):
    issue_sms_code(PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    assert check_sms_code(PHONE, CONFIRM_PHONE, code, requester=TAB, session=session).outcome is Check.WRONG
