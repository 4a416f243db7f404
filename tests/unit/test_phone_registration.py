"""Registration with the phone proved by SMS: first login's SMS tab and /register by a free login."""

import re

import pytest
from sqlmodel import select

from lk_app.models import AccountLink, LkUser, OutboxMessage
from lk_app.services.auth import LoginStatus, log_in
from lk_app.services.registration import (
    LoginRegistrationForm,
    PhoneProof,
    register_by_account,
    register_by_login,
)
from lk_app.services.sessions import redeem_login_grant
from lk_app.services.sms_codes import CONFIRM_PHONE, check_sms_code, issue_sms_code
from lk_app.state.register import registration_errors
from lk_app.texts.access import LOGIN_TAKEN
from tests.unit.factories import GOOD_PASSWORD, billing_account, registration_form

PHONE = "+79123456789"
IP = "203.0.113.10"
TAB = "the-tab-that-asked"  # the nonce of the tab that asks for codes


def _code(session, phone=PHONE) -> str:
    issue_sms_code(phone, CONFIRM_PHONE, ip=IP, requester=TAB, session=session)
    text = session.exec(
        select(OutboxMessage.body_text).where(OutboxMessage.recipient == phone).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"\d{6}", text).group()


def _login_form(**changes) -> LoginRegistrationForm:
    values = dict(login="anna.elkina", password=GOOD_PASSWORD, confirmation=GOOD_PASSWORD, email="anna@example.ru",
                  phone="8 (912) 345-67-89", code="", consent=True, requester=TAB)
    values.update(changes)
    return LoginRegistrationForm(**values)


def test_first_login_by_sms_enters_at_once_and_still_mails_a_link(session):
    account = billing_account(session)
    code = _code(session)
    check_sms_code(PHONE, CONFIRM_PHONE, code, requester=TAB, session=session)  # «ОК»
    result = register_by_account(account.id, registration_form(), phone_proof=PhoneProof(PHONE, code, TAB), session=session)
    assert registration_errors(result) == {} and result.grant
    user = session.exec(select(LkUser)).one()
    assert (user.phone, user.phone_confirmed, user.email_confirmed) == (PHONE, True, False)
    assert redeem_login_grant(*result.grant, ip=IP, user_agent="test", session=session)
    assert any("/confirm?token=" in m.body_text for m in session.exec(select(OutboxMessage)).all())


def test_first_login_by_sms_needs_the_right_code(session):
    account = billing_account(session)
    code = _code(session)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    result = register_by_account(account.id, registration_form(), phone_proof=PhoneProof(PHONE, wrong, TAB), session=session)
    assert list(registration_errors(result)) == ["sms_code"] and result.grant is None
    assert session.exec(select(LkUser)).first() is None


def test_one_sms_proof_registers_one_lk(session):
    first, second = billing_account(session), billing_account(session, number="100200301")
    code = _code(session)
    proof = PhoneProof(PHONE, code, TAB)
    assert register_by_account(first.id, registration_form(), phone_proof=proof, session=session).grant
    again = register_by_account(second.id, registration_form(email="b@example.ru"), phone_proof=proof, session=session)
    assert list(registration_errors(again)) == ["sms_code"]
    assert len(session.exec(select(LkUser)).all()) == 1


def test_register_by_login_with_the_sms_code(session):
    code = _code(session)
    result = register_by_login(_login_form(code=code), session=session)
    assert registration_errors(result) == {} and result.email == "anna@example.ru"
    user = session.exec(select(LkUser)).one()
    assert (user.login, user.login_key, user.phone, user.phone_confirmed) == ("anna.elkina", "anna.elkina", PHONE, True)
    assert session.exec(select(AccountLink)).first() is None
    assert log_in("Anna.Elkina", GOOD_PASSWORD, ip=IP, session=session).status is LoginStatus.OK


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"login": "ab"}, "login"),
        ({"login": "a" * 33}, "login"),
        ({"login": "anna elkina"}, "login"),
        ({"login": "anna@home"}, "login"),
        ({"login": "440100123456"}, "login"),
        ({"password": "anna.elkina", "confirmation": "anna.elkina"}, "password"),
        ({"email": "anna@"}, "email"),
        ({"phone": "+7 495 123-45-67"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"consent": False}, "consent"),
    ],
)
def test_each_bad_field_of_register_is_named(session, changes, field):
    code = _code(session)
    result = register_by_login(_login_form(code=code, **changes), session=session)
    assert field in registration_errors(result)
    assert session.exec(select(LkUser)).first() is None


def test_register_without_a_code_or_with_a_wrong_one_is_refused(session):
    code = _code(session)
    assert list(registration_errors(register_by_login(_login_form(code=""), session=session))) == ["sms_code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert list(registration_errors(register_by_login(_login_form(code=wrong), session=session))) == ["sms_code"]


def test_a_taken_login_is_refused_case_insensitively_without_saying_whose(session):
    register_by_login(_login_form(code=_code(session)), session=session)
    other = "+79123450000"
    result = register_by_login(_login_form(login="ANNA.Elkina", phone=other, code=_code(session, other), email="x@example.ru"),
                               session=session)
    assert registration_errors(result) == {"login": LOGIN_TAKEN}
    assert "Забыли пароль" in LOGIN_TAKEN and "занят" not in LOGIN_TAKEN
