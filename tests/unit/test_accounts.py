"""Adding an account by its last payment: the amount's form, the 3-month window, the limits, sharing, removing, choosing."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from lk_app import clock
from lk_app.models import AccountLink, LimitEvent, LkUser, OutboxMessage
from lk_app.services.accounts import (
    AddOutcome,
    Refusal,
    Removal,
    add_account,
    cabinet_accounts,
    choose_account,
    linked_accounts,
    parse_amount,
    payment_window_start,
    remove_account,
)
from lk_app.services.auth import find_user
from lk_app.services.cabinet import account_card
from lk_app.services.registration import register_by_account
from lk_app.state.accounts import refusal_messages
from lk_app.state.register import registration_errors
from lk_app.texts.common import wait_phrase
from tests.unit.factories import billing_account, link, lk_user, payment, registration_form

PAID = "1234,56"
PAID_KOP = 123456


def _today_is(day: date) -> None:
    """Move the clock to noon UTC of `day`."""
    clock.move(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc) - clock.now())


def _account(session, number: str, paid_on: date | None = None, amount_kop: int = PAID_KOP):
    account = billing_account(session, number=number)
    payment(session, account, paid_on or clock.now().date() - timedelta(days=20), amount_kop)
    return account


def _links(session, user) -> list[str]:
    return [row.number for row in linked_accounts(user.id, session=session)]


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [
        ("1234.00", 123400),
        ("1234,00", 123400),
        ("  1234,56 ", 123456),
        ("1 234,56", 123456),
        ("1\u00a0234,56", 123456),
        ("1\u2009234.56", 123456),
        ("1\u202f234\u202f567,00", 123456700),
        ("0,50", 50),
        ("999999999,99", 99999999999),
    ],
)
def test_amounts_with_exactly_two_decimals_are_read_as_kopecks(text, kopecks):
    assert parse_amount(text) == kopecks


@pytest.mark.parametrize(
    "text", ["1234", "1234,5", "1234,567", "12 34,00", "1234 ,00", "-500,00", "+5,00", "1e3,00", "12,34,56", "1234567890,00", ""]
)
def test_other_forms_of_an_amount_are_not_read(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("amount", "refusal"),
    [
        ("1234", Refusal.AMOUNT_WITHOUT_KOPECKS),
        ("1 234", Refusal.AMOUNT_WITHOUT_KOPECKS),
        ("1234,5", Refusal.AMOUNT_WITHOUT_KOPECKS),
        ("", Refusal.AMOUNT_MISSING),
        ("  ", Refusal.AMOUNT_MISSING),
        ("сто рублей", Refusal.AMOUNT_FORMAT),
        ("-1234,56", Refusal.AMOUNT_FORMAT),
        ("0,00", Refusal.AMOUNT_ZERO),
    ],
)
def test_a_malformed_amount_is_refused_with_its_reason_and_costs_no_try(session, amount, refusal):
    user = lk_user(session)
    _account(session, "100200300")
    assert add_account(user.id, "100200300", amount, session=session).refusals == (refusal,)
    assert session.exec(select(LimitEvent)).first() is None


def test_without_kopecks_the_customer_is_told_to_write_them():
    messages = refusal_messages(AddOutcome(refusals=(Refusal.AMOUNT_WITHOUT_KOPECKS,)))
    assert messages == {"add_account_amount": "Укажите сумму с копейками, например 1234,00."}


def test_a_bad_number_and_a_bad_amount_are_both_named(session):
    user = lk_user(session)
    outcome = add_account(user.id, "12-34", "1234", session=session)
    assert set(outcome.refusals) == {Refusal.NUMBER_FORMAT, Refusal.AMOUNT_WITHOUT_KOPECKS}
    assert set(refusal_messages(outcome)) == {"add_account_number", "add_account_amount"}


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 3, 31), date(2026, 1, 1)),
        (date(2026, 3, 1), date(2026, 1, 1)),
        (date(2026, 1, 15), date(2025, 11, 1)),
        (date(2026, 2, 28), date(2025, 12, 1)),
        (date(2026, 12, 31), date(2026, 10, 1)),
        (date(2028, 2, 29), date(2027, 12, 1)),
        (date(2028, 4, 30), date(2028, 2, 1)),
        (date(2028, 5, 1), date(2028, 3, 1)),
    ],
)
def test_the_window_is_the_current_and_the_two_previous_calendar_months(today, start):
    assert payment_window_start(today) == start


@pytest.mark.parametrize(
    ("today", "paid_on", "counts"),
    [
        (date(2026, 3, 31), date(2026, 1, 1), True),  # the first day of the window
        (date(2026, 3, 31), date(2025, 12, 31), False),  # the day before it
        (date(2026, 1, 31), date(2025, 11, 30), True),  # across the new year
        (date(2028, 4, 30), date(2028, 2, 29), True),  # a leap day inside the window
        (date(2028, 5, 1), date(2028, 2, 29), False),  # and a day later, outside
        (date(2028, 2, 29), date(2027, 12, 1), True),
        (date(2028, 2, 29), date(2027, 11, 30), False),
    ],
)
def test_only_payments_of_the_last_three_calendar_months_count(session, today, paid_on, counts):
    _today_is(today)
    user = lk_user(session)
    _account(session, "100200300", paid_on=paid_on)
    outcome = add_account(user.id, "100200300", PAID, session=session)
    assert outcome.added is counts
    assert outcome.refusals == (() if counts else (Refusal.MISMATCH,))


def test_a_refund_or_a_zero_payment_does_not_count(session):
    user = lk_user(session)
    account = _account(session, "100200300", amount_kop=-50000)
    payment(session, account, clock.now().date(), 0)
    assert add_account(user.id, "100200300", "500,00", session=session).refusals == (Refusal.MISMATCH,)
    assert add_account(user.id, "100200300", "-500,00", session=session).refusals == (Refusal.AMOUNT_FORMAT,)
    assert add_account(user.id, "100200300", "0,00", session=session).refusals == (Refusal.AMOUNT_ZERO,)


def test_any_recent_payment_counts_not_only_the_last(session):
    user = lk_user(session)
    account = _account(session, "100200300")
    payment(session, account, clock.now().date(), 99900)
    assert add_account(user.id, "100-200 300", "1 234.56", session=session).added
    assert _links(session, user) == ["100200300"]
    assert session.exec(select(AccountLink)).one().primary is False


def test_the_same_account_twice_in_one_lk_gets_a_clear_message(session):
    user = lk_user(session)
    _account(session, "100200300")
    assert add_account(user.id, "100200300", PAID, session=session).added
    outcome = add_account(user.id, "100200300", "1,00", session=session)
    assert outcome.refusals == (Refusal.ALREADY_HERE,)
    assert refusal_messages(outcome) == {"add_account_number": "Этот лицевой счёт уже есть в вашем Личном кабинете."}
    assert session.exec(select(LimitEvent)).first() is None


def test_an_unknown_account_and_a_wrong_amount_get_one_answer(session):
    user = lk_user(session)
    _account(session, "100200300")
    assert add_account(user.id, "999999999", PAID, session=session).refusals == (Refusal.MISMATCH,)
    assert add_account(user.id, "100200300", "1234,57", session=session).refusals == (Refusal.MISMATCH,)


def test_a_shared_account_is_linked_and_the_other_lk_is_told(session, settings):
    settings(LK_CONTACT_PHONE="8 800 555-35-35")
    owner = lk_user(session, login="100200300", email="owner@example.ru")
    account = _account(session, "100200300")
    link(session, owner, account, primary=True)
    relative = lk_user(session, login="son", email="son@example.ru")
    _today_is(date(2026, 11, 25))
    payment(session, account, date(2026, 11, 20), PAID_KOP)

    assert add_account(relative.id, "100200300", PAID, session=session).added
    assert _links(session, relative) == _links(session, owner) == ["100200300"]
    mail = session.exec(select(OutboxMessage)).one()
    assert mail.recipient == "owner@example.ru"
    for text in (mail.body_text, mail.body_html):
        assert "25.11.2026" in text and "*****0300" in text and "8 800 555-35-35" in text
        assert "100200300" not in text
    assert "*****0300" in mail.subject


def test_five_failures_lock_the_account_for_a_day_for_every_lk(session):
    user, other = lk_user(session), lk_user(session, login="other", email="other@example.ru")
    _account(session, "100200300")
    for _ in range(5):
        assert add_account(user.id, "100200300", "1,00", session=session).refusals == (Refusal.MISMATCH,)
    clock.move(timedelta(hours=3))
    for lk in (user, other):
        outcome = add_account(lk.id, "100200300", PAID, session=session)  # the right amount, but not compared
        assert outcome.refusals == (Refusal.LIMITED,)
        assert 20 * 3600 < outcome.retry_after_seconds <= 21 * 3600
    assert len(session.exec(select(LimitEvent).where(LimitEvent.kind == "add_account_account")).all()) == 5
    assert "через 21 ч" in refusal_messages(outcome)[""]
    clock.move(timedelta(hours=21, seconds=1))
    assert add_account(other.id, "100200300", PAID, session=session).added


def test_ten_failures_lock_the_lk_for_a_day_on_every_account(session):
    user = lk_user(session)
    for n in range(6):
        _account(session, f"10020030{n}")
    for n in range(5):
        for _ in range(2):
            add_account(user.id, f"10020030{n}", "1,00", session=session)
    outcome = add_account(user.id, "100200305", PAID, session=session)
    assert outcome.refusals == (Refusal.LIMITED,)
    assert outcome.retry_after_seconds > 23 * 3600
    other = lk_user(session, login="other", email="other@example.ru")
    assert add_account(other.id, "100200305", PAID, session=session).added  # the account itself is not locked


@pytest.mark.parametrize(("seconds", "phrase"), [(1, "1 мин"), (60, "1 мин"), (61, "2 мин"), (3600, "1 ч"),
                                                 (3601, "1 ч 1 мин"), (86399, "24 ч"), (5 * 3600 + 15 * 60, "5 ч 15 мин")])
def test_the_wait_is_said_in_hours_and_minutes(seconds, phrase):
    assert wait_phrase(seconds) == phrase


def test_at_most_ten_accounts_over_all_lks_of_one_email(session, settings):
    settings(LK_MAX_ACCOUNTS_PER_EMAIL="10")
    first, second = lk_user(session, login="anna"), lk_user(session, login="anna2")
    shared = None
    for n in range(10):
        account = _account(session, f"2002003{n:02d}")
        link(session, first if n % 2 else second, account)
        shared = shared or account
    _account(session, "200200399")
    outcome = add_account(first.id, "200200399", PAID, session=session)
    assert outcome.refusals == (Refusal.CAP_REACHED,)
    assert refusal_messages(outcome)[""].startswith("К одному e-mail можно привязать не более 10 лицевых счетов")
    assert session.exec(select(LimitEvent)).first() is None  # no try was spent
    # An account the other LK of this e-mail holds already adds nothing to the count.
    assert add_account(first.id, "200200300", PAID, session=session).added
    other_email = lk_user(session, login="boris", email="boris@example.ru")
    assert add_account(other_email.id, "200200399", PAID, session=session).added


def test_registration_counts_accounts_per_email(session):
    account = _account(session, "100200300")
    for n in range(10):
        user = lk_user(session, login=f"lk{n}")
        link(session, user, _account(session, f"3003003{n:02d}"))
    result = register_by_account(account.id, registration_form(), session=session)
    assert registration_errors(result) == {"email": "К одному e-mail можно привязать не более 10 лицевых счетов."}


def test_the_registration_account_cannot_be_removed_the_others_can(session):
    owner = lk_user(session, login="100200300")
    primary, second = _account(session, "100200300"), _account(session, "100200301")
    link(session, owner, primary, primary=True)
    link(session, owner, second)
    assert [(row.number, row.primary) for row in linked_accounts(owner.id, session=session)] == [
        ("100200300", True), ("100200301", False)]
    assert remove_account(owner.id, "100200300", session=session) is Removal.PRIMARY
    assert remove_account(owner.id, "100200301", session=session) is Removal.REMOVED
    assert remove_account(owner.id, "100200301", session=session) is Removal.NOT_LINKED
    assert _links(session, owner) == ["100200300"]


def test_removing_from_one_lk_leaves_the_other_lk_alone(session):
    first, second = lk_user(session), lk_user(session, login="boris", email="boris@example.ru")
    account = _account(session, "100200300")
    link(session, first, account)
    link(session, second, account)
    assert remove_account(second.id, "100200300", session=session) is Removal.REMOVED
    assert _links(session, first) == ["100200300"] and _links(session, second) == []


def test_the_chosen_account_is_remembered_and_only_an_own_one(session):
    user, stranger = lk_user(session), lk_user(session, login="boris", email="boris@example.ru")
    for n in range(3):
        link(session, user, _account(session, f"10020030{n}"))
    link(session, stranger, _account(session, "900900900"))
    assert cabinet_accounts(user.id, session=session).chosen == "100200300"
    assert choose_account(user.id, "100200302", session=session)
    assert not choose_account(user.id, "900900900", session=session)
    assert account_card(user.id, "900900900", session=session) is None
    accounts = cabinet_accounts(user.id, session=session)
    assert (accounts.numbers, accounts.chosen) == (["100200300", "100200301", "100200302"], "100200302")
    remove_account(user.id, "100200302", session=session)
    assert session.get(LkUser, user.id).chosen_account_id is None
    assert cabinet_accounts(user.id, session=session).chosen == "100200300"


def test_login_by_account_number_finds_the_lk_registered_with_it(session):
    account = _account(session, "100200300")
    relative = lk_user(session, login="son", email="son@example.ru")
    link(session, relative, account)  # added by the dialog first, so it is the older link
    owner = lk_user(session, login="100200300", email="owner@example.ru")
    link(session, owner, account, primary=True)
    assert find_user("100 200 300", session=session).id == owner.id


def test_login_by_number_of_an_lk_with_another_login_uses_the_registration_link_only(session):
    account = _account(session, "100200300")
    relative = lk_user(session, login="son", email="son@example.ru")
    link(session, relative, account)
    assert find_user("100200300", session=session) is None
    migrated = lk_user(session, login="old.login", email="old@example.ru")
    link(session, migrated, account, primary=True)
    assert find_user("100200300", session=session).id == migrated.id
