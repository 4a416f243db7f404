"""First login: proving the account, registering the LK, confirming the e-mail link."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from lk_app import clock
from lk_app.models import AccountLink, LkUser, OutboxMessage
from lk_app.services.email_links import LinkState
from lk_app.services.registration import (
    Proof,
    confirm_registration,
    confirmation_link_state,
    prove_account,
    register_by_account,
    resend_confirmation,
)
from lk_app.state.register import registration_errors
from tests.unit.factories import billing_account, link, lk_user, registration_form

IP = "203.0.113.7"


@pytest.fixture
def account(session):
    return billing_account(session)


def _link_token(session, to="anna@example.ru") -> str:
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.recipient == to).order_by(OutboxMessage.id.desc())
    ).first()
    link = next(word for word in message.body_text.split() if "/confirm?token=" in word)
    return parse_qs(urlparse(link).query)["token"][0]


@pytest.mark.parametrize("surname", ["ёлкина", "  ЕЛКИНА ", "Елкина"])
def test_surname_matches_case_and_yo_insensitively(session, account, surname):
    result = prove_account("100-200 300", surname, ip=IP, session=session)
    assert result.proof is Proof.PROVED
    assert result.account_id == account.id


def test_unknown_account_and_wrong_surname_get_the_same_answer(session, account):
    assert prove_account("100200300", "Иванова", ip=IP, session=session).proof is Proof.MISMATCH
    assert prove_account("999999999", "Ёлкина", ip=IP, session=session).proof is Proof.MISMATCH


def test_thirty_wrong_pairs_in_a_row_are_limited(session, account):
    verdicts = [prove_account(f"5550{n:04d}", "Иванова", ip=IP, session=session).proof for n in range(30)]
    assert verdicts[:20] == [Proof.MISMATCH] * 20
    assert set(verdicts[20:]) == {Proof.LIMITED}
    # The right pair from that IP is limited too, until the hour has passed.
    assert prove_account("100200300", "Ёлкина", ip=IP, session=session).proof is Proof.LIMITED
    clock.move(timedelta(hours=1, minutes=1))
    assert prove_account("100200300", "Ёлкина", ip=IP, session=session).proof is Proof.PROVED


def test_ten_failures_lock_one_account_for_a_day_from_any_ip(session, account):
    for n in range(10):
        prove_account("100200300", "Иванова", ip=f"198.51.100.{n}", session=session)
    assert prove_account("100200300", "Ёлкина", ip="192.0.2.1", session=session).proof is Proof.LIMITED


def test_registration_creates_the_lk_link_and_mail_in_one_go(session, account):
    result = register_by_account(account.id, registration_form(email="Anna@Example.RU"), session=session)
    assert registration_errors(result) == {}
    assert result.email == "Anna@example.ru"
    user = session.exec(select(LkUser)).one()
    assert (user.login, user.email_confirmed) == ("100200300", False)
    assert session.exec(select(AccountLink)).one().user_id == user.id
    mail = session.exec(select(OutboxMessage)).one()
    assert mail.recipient == "Anna@example.ru"
    assert "/confirm?token=" in mail.body_text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "Ab3$xyz", "confirmation": "Ab3$xyz"}, "password"),
        ({"password": "Ab3$xyzQw" * 2 + "Abc", "confirmation": "Ab3$xyzQw" * 2 + "Abc"}, "password"),
        ({"confirmation": "другой-пароль-9"}, "password"),
        ({"password": "password1", "confirmation": "password1"}, "password"),
        ({"password": "100200300", "confirmation": "100200300"}, "password"),
        ({"email": "anna@@example"}, "email"),
        ({"consent": False}, "consent"),
        ({"phone": "+7 495 123-45-67"}, "phone"),
        ({"surname": "Иванова"}, "surname"),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_written(session, account, changes, field):
    result = register_by_account(account.id, registration_form(**changes), session=session)
    assert list(registration_errors(result)) == [field]
    assert session.exec(select(LkUser)).first() is None
    assert session.exec(select(OutboxMessage)).first() is None


def test_an_account_with_an_lk_cannot_be_registered_again(session, account):
    register_by_account(account.id, registration_form(), session=session)
    assert prove_account("100200300", "Ёлкина", ip=IP, session=session).proof is Proof.REGISTERED
    again = register_by_account(account.id, registration_form(email="other@example.ru"), session=session)
    assert again.already_registered
    assert len(session.exec(select(LkUser)).all()) == 1


def test_the_link_confirms_once_and_only_on_use(session, account):
    register_by_account(account.id, registration_form(), session=session)
    token = _link_token(session)
    assert confirmation_link_state(token, session=session) is LinkState.VALID
    assert confirmation_link_state(token, session=session) is LinkState.VALID  # looking does not use it
    assert confirm_registration(token, session=session) is LinkState.VALID
    assert session.exec(select(LkUser)).one().email_confirmed
    assert confirm_registration(token, session=session) is LinkState.USED


def test_the_link_expires_after_its_lifetime(session, account):
    register_by_account(account.id, registration_form(), session=session)
    token = _link_token(session)
    clock.move(timedelta(hours=24, seconds=1))
    assert confirm_registration(token, session=session) is LinkState.EXPIRED
    assert not session.exec(select(LkUser)).one().email_confirmed


def test_a_forged_token_is_unknown(session, account):
    register_by_account(account.id, registration_form(), session=session)
    assert confirm_registration("forged" + "A" * 40, session=session) is LinkState.UNKNOWN
    assert confirm_registration("", session=session) is LinkState.UNKNOWN


def test_a_new_link_kills_the_older_one(session, account):
    register_by_account(account.id, registration_form(), session=session)
    old = _link_token(session)
    user = session.exec(select(LkUser)).one()
    assert resend_confirmation(user.id, ip=IP, session=session) == "anna@example.ru"
    new = _link_token(session)
    assert new != old
    assert confirm_registration(old, session=session) is LinkState.USED
    assert confirm_registration(new, session=session) is LinkState.VALID


def test_new_links_are_limited_per_hour(session, account):
    register_by_account(account.id, registration_form(), session=session)
    user = session.exec(select(LkUser)).one()
    sent = [resend_confirmation(user.id, ip=IP, session=session) for _ in range(7)]
    assert sent.count("anna@example.ru") == 5
    assert sent[5:] == [None, None]


def test_an_account_a_relative_added_can_still_be_registered_by_its_holder(session, account):
    link(session, lk_user(session, login="relative", email="rel@example.ru"), account)
    assert prove_account("100200300", "Ёлкина", ip=IP, session=session).proof is Proof.PROVED
    assert registration_errors(register_by_account(account.id, registration_form(), session=session)) == {}
    assert prove_account("100200300", "Ёлкина", ip=IP, session=session).proof is Proof.REGISTERED
