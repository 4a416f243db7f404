"""One credential epoch per LK: what each change ends, the step-up it asks for, who is told, and «Это не я»."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from lk_app import clock
from lk_app.models import LkUser, OutboxMessage
from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.email_links import LinkState
from lk_app.services.desk import end_sessions, set_email
from lk_app.services.passwords import hash_password
from lk_app.services.profile import (
    change_password,
    change_phone,
    confirm_new_email,
    log_out_everywhere,
    request_email_change,
)
from lk_app.services.recovery import (
    Channel,
    CodeRefusal,
    Disowned,
    disown_change,
    request_recovery,
    reset_by_link,
    reset_by_sms,
    reset_link_state,
)
from lk_app.services.registration import PhoneProof
from lk_app.services.sessions import issue_login_grant, redeem_login_grant, resolve_session
from lk_app.services.sms_codes import CONFIRM_PHONE, Check, check_sms_code, issue_sms_code
from lk_app.state.profile import field_errors
from lk_app.state.recovery import reset_errors
from lk_app.texts.access import RESET_CODE_REFUSALS
from tests.unit.factories import GOOD_PASSWORD, billing_account, link, lk_user

IP = "203.0.113.30"
TAB = "the-tab-that-asked"
STRANGER = "a-stranger's-tab"
NEW_PASSWORD = "Синий-кит-2024"
PHONE = "+79123456710"
INTRUDER_EMAIL = "intruder@example.net"
INTRUDER_PHONE = "+79990000001"
WRONG_CODE = RESET_CODE_REFUSALS[CodeRefusal.WRONG_CODE]


@pytest.fixture
def user(session):
    user = lk_user(session, login="anna.free", password_hash=hash_password(GOOD_PASSWORD), phone=PHONE,
                   phone_confirmed=True)
    link(session, user, billing_account(session), primary=True)
    return user


def _browser(user, session) -> str:
    return redeem_login_grant(*issue_login_grant(user.id, session=session), ip=IP, user_agent="t", session=session)


def _to(session, recipient: str) -> list[OutboxMessage]:
    return session.exec(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                        .order_by(OutboxMessage.id)).all()


def _token(message: OutboxMessage) -> str:
    link_text = next(word for word in message.body_text.split() if "token=" in word)
    return parse_qs(urlparse(link_text).query)["token"][0]


def _code(session, phone: str) -> str:
    return re.search(r"\d{6}", _to(session, phone)[-1].body_text).group()


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _email_change_link(user, session, to=INTRUDER_EMAIL) -> str:
    assert request_email_change(user.id, to, GOOD_PASSWORD, session=session) == to
    return _token(_to(session, to)[-1])


def test_an_email_change_link_dies_with_a_password_change(session, user):
    token = _email_change_link(user, session)
    assert field_errors("password", change_password(user.id, GOOD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=None,
                                                    session=session)) == {}
    assert confirm_new_email(token, session=session) is LinkState.USED
    assert session.get(LkUser, user.id).email == "anna@example.ru"


def test_an_email_change_link_dies_with_a_reset_and_with_logging_out_everywhere(session, user):
    token = _email_change_link(user, session)
    log_out_everywhere(user.id, session=session)
    assert confirm_new_email(token, session=session) is LinkState.USED
    token = _email_change_link(user, session, to="other@example.net")
    request_recovery("anna.free", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    reset = _token(_to(session, "anna@example.ru")[-1])
    assert reset_by_link(reset, NEW_PASSWORD, NEW_PASSWORD, session=session).done
    assert confirm_new_email(token, session=session) is LinkState.USED


def test_every_session_and_grant_of_an_older_epoch_is_refused_but_the_changer_stays(session, user):
    here, there = _browser(user, session), _browser(user, session)
    pending = issue_login_grant(user.id, session=session)
    assert field_errors("password", change_password(user.id, GOOD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=here,
                                                    session=session)) == {}
    assert resolve_session(here, session=session) is not None
    assert resolve_session(there, session=session) is None
    assert redeem_login_grant(*pending, ip=IP, user_agent="t", session=session) is None


def test_a_grant_is_redeemed_only_beside_its_own_browser_nonce(session, user):
    grant = issue_login_grant(user.id, session=session)
    other = issue_login_grant(user.id, session=session)
    assert redeem_login_grant(grant.grant, other.browser_nonce, ip=IP, user_agent="t", session=session) is None
    assert redeem_login_grant(grant.grant, "", ip=IP, user_agent="t", session=session) is None
    assert redeem_login_grant(*grant, ip=IP, user_agent="t", session=session)


def test_a_new_phone_needs_the_current_password_and_the_old_channels_are_told(session, user):
    issue_sms_code(INTRUDER_PHONE, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    proof = PhoneProof(INTRUDER_PHONE, _code(session, INTRUDER_PHONE), TAB)
    assert field_errors("phone", change_phone(user.id, proof, "wrong-password-1", keep_session=None, session=session)) == {
        "phone_password": "Неверный текущий пароль."}
    assert session.get(LkUser, user.id).phone == PHONE
    assert field_errors("phone", change_phone(user.id, proof, GOOD_PASSWORD, keep_session=None, session=session)) == {}
    mail, sms = _to(session, "anna@example.ru")[-1], _to(session, PHONE)[-1]
    assert "изменён телефон" in mail.subject and "Это не я" in mail.body_text
    assert INTRUDER_PHONE not in mail.body_text  # neutral words: the notice does not name the new number
    assert "изменён телефон" in sms.body_text and "/confirm?token=" in sms.body_text


def test_it_is_not_me_puts_the_old_email_back_ends_everything_and_survives_a_later_change(session, user):
    intruder = _browser(user, session)
    token = _email_change_link(user, session)
    notice = _token(_to(session, "anna@example.ru")[-1])
    assert confirm_new_email(token, keep_session=intruder, session=session) is LinkState.VALID
    assert session.get(LkUser, user.id).email == INTRUDER_EMAIL
    assert field_errors("password", change_password(user.id, GOOD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=intruder,
                           session=session)) == {}  # a later change must not kill the owner's way back
    assert disown_change(notice, session=session) is Disowned.RESET_LINK_SENT
    owner = session.get(LkUser, user.id)
    assert (owner.email, owner.email_confirmed) == ("anna@example.ru", True)
    assert resolve_session(intruder, session=session) is None
    reset = _token(_to(session, "anna@example.ru")[-1])
    assert reset_by_link(reset, "Жёлтый-кот-31", "Жёлтый-кот-31", session=session).done
    assert disown_change(notice, session=session) is LinkState.USED


def test_a_reset_link_is_refused_once_its_address_is_not_the_lks_email(session, user):
    request_recovery("anna.free", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    reset = _token(_to(session, "anna@example.ru")[-1])
    user.email = "new@example.ru"  # whatever moved it: the link's address no longer leads to this LK
    session.add(user)
    assert reset_link_state(reset, session=session) is LinkState.USED
    assert reset_by_link(reset, NEW_PASSWORD, NEW_PASSWORD, session=session) is LinkState.USED


def _operator(session) -> int:
    return lk_user(session, login="op", email=None, role="operator").id


def test_an_operator_change_of_email_tells_the_old_address_and_phone_and_ends_everything(session, user):
    browser = _browser(user, session)
    assert set_email(_operator(session), "anna.free", "new@example.ru", caller_checked=True, session=session).refusals == ()
    assert "контакт-центр изменил e-mail" in _to(session, "anna@example.ru")[-1].subject
    assert "new@example.ru" not in _to(session, "anna@example.ru")[-1].body_text
    assert "контакт-центр изменил e-mail" in _to(session, PHONE)[-1].body_text
    assert resolve_session(browser, session=session) is None


def test_an_operator_ending_sessions_ends_pending_links_too(session, user):
    token = _email_change_link(user, session)
    assert end_sessions(_operator(session), "anna.free", session=session) == 0
    assert confirm_new_email(token, session=session) is LinkState.USED


def test_a_stranger_cannot_burn_the_tries_of_a_code_another_tab_asked_for(session, user):
    request_recovery("anna.free", Channel.SMS, ip=IP, requester=TAB, session=session)
    code = _code(session, PHONE)
    for _ in range(10):
        assert check_sms_code(PHONE, "reset_password", _wrong(code), requester=STRANGER,
                              session=session).outcome is Check.NONE
    assert reset_by_sms("anna.free", code, NEW_PASSWORD, NEW_PASSWORD, ip=IP, requester=TAB, session=session).done


def test_a_recovery_code_dies_with_the_epoch(session, user):
    request_recovery("anna.free", Channel.SMS, ip=IP, requester=TAB, session=session)
    code = _code(session, PHONE)
    log_out_everywhere(user.id, session=session)
    assert reset_errors(reset_by_sms("anna.free", code, NEW_PASSWORD, NEW_PASSWORD, ip=IP, requester=TAB,
                        session=session)) == {"code": WRONG_CODE}


@pytest.mark.parametrize("identifier", ["anna.free", "no.such.lk"])
def test_recovery_by_code_answers_alike_for_known_and_unknown_identifiers(session, user, identifier):
    request_recovery(identifier, Channel.SMS, ip=IP, requester=TAB, session=session)
    assert reset_errors(reset_by_sms(identifier, "123456", "short", "short", ip=IP, requester=TAB,
                        session=session)).keys() == {"password"}
    assert reset_errors(reset_by_sms(identifier, "12345x", NEW_PASSWORD, NEW_PASSWORD, ip=IP, requester=TAB,
                        session=session)) == {"code": WRONG_CODE}


def test_the_code_reset_has_limits_of_its_own(session, user):
    answers = [reset_errors(reset_by_sms("anna.free", "123456", NEW_PASSWORD, NEW_PASSWORD, ip=f"198.51.100.{n}", requester=TAB,
                            session=session))["code"] for n in range(12)]
    assert answers[:10] == [WRONG_CODE] * 10 and answers[10] != WRONG_CODE
    assert log_in("anna.free", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.OK


def test_a_strangers_request_for_the_same_phone_leaves_the_code_alive(session, user):
    request_recovery("anna.free", Channel.SMS, ip=IP, requester=TAB, session=session)
    code = _code(session, PHONE)
    clock.move(timedelta(seconds=61))
    request_recovery("anna.free", Channel.SMS, ip="198.51.100.9", requester=STRANGER, session=session)
    assert len(_to(session, PHONE)) == 2  # the stranger's code went to the owner's phone, not to him
    assert reset_by_sms("anna.free", code, NEW_PASSWORD, NEW_PASSWORD, ip=IP, requester=TAB, session=session).done
