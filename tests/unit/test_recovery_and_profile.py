"""Recovery by link and by SMS, and the profile changes: each kills what it must and tells the owner."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from lk_app import clock
from lk_app.models import LimitEvent, LkUser, OutboxMessage
from lk_app.services import limits
from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.email_links import LinkState
from lk_app.services.profile import (
    CONFIRM_NEW_EMAIL,
    active_sessions,
    change_password,
    change_phone,
    confirm_new_email,
    Device,
    device_name,
    request_email_change,
)
from lk_app.services.recovery import (
    RESET_PASSWORD,
    Channel,
    request_recovery,
    reset_by_link,
    reset_by_sms,
    reset_link_state,
)
from lk_app.services.registration import PhoneProof, register_by_account
from lk_app.services.sessions import issue_login_grant, redeem_login_grant, resolve_session
from lk_app.services.sms_codes import CONFIRM_PHONE, issue_sms_code
from lk_app.state.profile import field_errors
from lk_app.state.recovery import reset_errors
from tests.unit.factories import GOOD_PASSWORD, billing_account, registration_form

IP = "203.0.113.20"
TAB = "the-tab-that-asked"  # a tab's code nonce
NEW_PASSWORD = "Синий-кит-2024"
PHONE = "+79123456700"


@pytest.fixture
def user(session):
    account = billing_account(session)
    register_by_account(account.id, registration_form(), session=session)
    user = session.exec(select(LkUser)).one()
    user.email_confirmed, user.phone, user.phone_confirmed = True, PHONE, True
    session.add(user)
    session.flush()
    return user


def _mails(session, to: str, template_word: str) -> list[OutboxMessage]:
    return [m for m in session.exec(select(OutboxMessage).where(OutboxMessage.recipient == to)).all()
            if template_word in m.subject]


def _token(message: OutboxMessage) -> str:
    link = next(word for word in message.body_text.split() if "token=" in word)
    return parse_qs(urlparse(link).query)["token"][0]


def _session_of(user, session) -> str:
    return redeem_login_grant(*issue_login_grant(user.id, session=session), ip=IP, user_agent="test", session=session)


def _last_code(session, phone=PHONE) -> str:
    text = session.exec(
        select(OutboxMessage.body_text).where(OutboxMessage.recipient == phone).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"\d{6}", text).group()


def test_a_reset_link_sets_the_password_once_and_ends_every_session(session, user):
    browser = _session_of(user, session)
    request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    token = _token(_mails(session, user.email, "Восстановление")[-1])
    assert reset_link_state(token, session=session) is LinkState.VALID
    assert reset_by_link(token, NEW_PASSWORD, NEW_PASSWORD, session=session).done
    assert resolve_session(browser, session=session) is None
    assert log_in("100200300", NEW_PASSWORD, ip=IP, session=session).status is LoginStatus.OK
    assert reset_by_link(token, "Ещё-один-пароль-1", "Ещё-один-пароль-1", session=session) is LinkState.USED
    assert _mails(session, user.email, "восстановлен")


def test_a_reset_link_lives_one_hour_and_a_newer_one_kills_it(session, user):
    request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    old = _token(_mails(session, user.email, "Восстановление")[-1])
    request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    new = _token(_mails(session, user.email, "Восстановление")[-1])
    assert reset_link_state(old, session=session) is LinkState.USED
    clock.move(timedelta(hours=1, seconds=1))
    assert reset_by_link(new, NEW_PASSWORD, NEW_PASSWORD, session=session) is LinkState.EXPIRED


def test_a_refused_password_does_not_spend_the_link(session, user):
    request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    token = _token(_mails(session, user.email, "Восстановление")[-1])
    assert "password" in reset_errors(reset_by_link(token, "short", "short", session=session))
    assert reset_link_state(token, session=session) is LinkState.VALID


def test_unknown_identifiers_and_lks_without_the_contact_send_nothing(session, user):
    request_recovery("999000111", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    request_recovery("no.such.login", Channel.SMS, ip=IP, requester=TAB, session=session)
    user.phone_confirmed = False
    session.add(user)
    request_recovery("100200300", Channel.SMS, ip=IP, requester=TAB, session=session)
    assert session.exec(select(OutboxMessage).where(OutboxMessage.channel == "sms")).first() is None


def test_recovery_by_sms_code(session, user):
    browser = _session_of(user, session)
    request_recovery("100200300", Channel.SMS, ip=IP, requester=TAB, session=session)
    code = _last_code(session)
    assert list(reset_errors(reset_by_sms("100200300", "000000" if code != "000000" else "111111", NEW_PASSWORD, NEW_PASSWORD,
                             ip=IP, requester=TAB, session=session))) == ["code"]
    assert reset_by_sms("100200300", code, NEW_PASSWORD, NEW_PASSWORD, ip=IP, requester=TAB, session=session).done
    assert resolve_session(browser, session=session) is None
    assert log_in("100200300", NEW_PASSWORD, ip=IP, session=session).status is LoginStatus.OK


def test_a_code_for_one_lk_does_not_reset_another(session, user):
    request_recovery("100200300", Channel.SMS, ip=IP, requester=TAB, session=session)
    code = _last_code(session)
    assert list(reset_errors(reset_by_sms("999000111", code, NEW_PASSWORD, NEW_PASSWORD, ip=IP, requester=TAB, session=session))) == ["code"]


def test_a_locked_login_can_still_recover_and_the_lock_is_lifted(session, user):
    for _ in range(limits.LOGIN_PER_IDENTIFIER.count):
        log_in("100200300", "wrong-password-1", ip=f"198.51.100.{_}", session=session)
        clock.move(timedelta(minutes=2))
    assert log_in("100200300", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.LOCKED
    request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    token = _token(_mails(session, user.email, "Восстановление")[-1])
    assert reset_by_link(token, NEW_PASSWORD, NEW_PASSWORD, session=session).done
    assert log_in("100200300", NEW_PASSWORD, ip=IP, session=session).status is LoginStatus.OK


def test_recovery_requests_are_limited_silently(session, user):
    for _ in range(limits.RECOVERY_PER_IDENTIFIER.count + 3):
        request_recovery("100200300", Channel.EMAIL, ip=IP, requester=TAB, session=session)
    assert len(_mails(session, user.email, "Восстановление")) == limits.RECOVERY_PER_IDENTIFIER.count


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(session, user):
    here, there = _session_of(user, session), _session_of(user, session)
    assert field_errors("password", change_password(user.id, "wrong-password-1", NEW_PASSWORD, NEW_PASSWORD, keep_session=here,
                           session=session)) == {"current_password": "Неверный текущий пароль."}
    assert resolve_session(there, session=session) is not None
    assert field_errors("password", change_password(user.id, GOOD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=here,
                                                    session=session)) == {}
    assert resolve_session(here, session=session) is not None
    assert resolve_session(there, session=session) is None
    assert _mails(session, user.email, "изменён")


def test_wrong_current_passwords_count_as_failed_logins(session, user):
    for _ in range(limits.LOGIN_PER_IDENTIFIER.count):
        change_password(user.id, "wrong-password-1", NEW_PASSWORD, NEW_PASSWORD, keep_session=None, session=session)
    assert "Слишком много" in field_errors("password", change_password(user.id, GOOD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=None,
                                              session=session))["current_password"]
    assert session.exec(select(LimitEvent)).first() is not None


def test_a_new_email_is_used_only_after_its_link_and_the_old_one_is_told(session, user):
    address = request_email_change(user.id, "New@Example.RU", GOOD_PASSWORD, session=session)
    assert (field_errors("email", address), address) == ({}, "New@example.ru")
    assert session.get(LkUser, user.id).email == "anna@example.ru"
    assert _mails(session, "anna@example.ru", "смена e-mail")
    token = _token(_mails(session, "New@example.ru", "нового e-mail")[-1])
    assert confirm_new_email(token, session=session) is LinkState.VALID
    changed = session.get(LkUser, user.id)
    assert (changed.email, changed.email_confirmed) == ("New@example.ru", True)
    assert confirm_new_email(token, session=session) is LinkState.USED


def test_a_new_email_needs_the_password_and_a_valid_address(session, user):
    assert "email_password" in field_errors("email", request_email_change(user.id, "new@example.ru", "wrong-password-1", session=session))
    assert "new_email" in field_errors("email", request_email_change(user.id, "new@", GOOD_PASSWORD, session=session))
    assert session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "new@example.ru")).first() is None
    assert CONFIRM_NEW_EMAIL != RESET_PASSWORD


def test_a_new_phone_needs_the_code_sent_to_it(session, user):
    new_phone = "+79123456701"
    issue_sms_code(new_phone, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    code = _last_code(session, new_phone)
    wrong = "000000" if code != "000000" else "1"
    assert "sms_code" in field_errors("phone", change_phone(user.id, PhoneProof(new_phone, wrong, TAB), GOOD_PASSWORD, keep_session=None,
                                      session=session))
    assert field_errors("phone", change_phone(user.id, PhoneProof(new_phone, code, TAB), GOOD_PASSWORD, keep_session=None,
                        session=session)) == {}
    assert session.get(LkUser, user.id).phone == new_phone
    assert "sms_code" in field_errors("phone", change_phone(user.id, PhoneProof(new_phone, code, TAB), GOOD_PASSWORD, keep_session=None,
                                      session=session))  # spent


def test_the_session_list_marks_this_one_and_leaves_out_dead_ones(session, user):
    here, there = _session_of(user, session), _session_of(user, session)
    rows = active_sessions(user.id, here, session=session)
    assert sorted(row.current for row in rows) == [False, True]
    clock.move(timedelta(minutes=31))
    assert active_sessions(user.id, here, session=session) == []
    assert there


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36", Device("Chrome", "Android")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1",
         Device("Safari", "iPhone")),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36 Edg/126.0", Device("Edge", "Windows")),
        ("curl/8.0", Device("", "")),  # the page says «Браузер»
    ],
)
def test_device_names(agent, name):
    assert device_name(agent) == name
