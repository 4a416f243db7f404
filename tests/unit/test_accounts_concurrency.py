"""Simultaneous requests from many sessions: the cap per e-mail, the failure limits and registration stay exact."""

import threading
from collections import Counter

from sqlalchemy import func
from sqlmodel import select

from lk_app import db
from lk_app.clock import now
from lk_app.models import AccountLink, LimitEvent, LkUser
from lk_app.services.accounts import Refusal, accounts_per_email, add_account
from lk_app.services.registration import register_by_account
from lk_app.state.register import registration_errors
from tests.unit.factories import billing_account, link, lk_user, payment, registration_form

EMAIL = "family@example.ru"
PAID = "1234,56"


def _at_once(count: int, work) -> list:
    """Run `work(n)` in `count` threads released together; every result, or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = work(n)
        except Exception as error:  # noqa: BLE001 - the test asserts there is none
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _today():
    return now().date()


def test_twenty_simultaneous_adds_with_nine_linked_end_with_exactly_ten(clean_db):
    def make(session):
        users = [lk_user(session, login="mother", email=EMAIL), lk_user(session, login="father", email=EMAIL)]
        for n in range(9):
            account = billing_account(session, number=f"4001002{n:02d}")
            link(session, users[n % 2], account)
        for n in range(20):
            payment(session, billing_account(session, number=f"5001002{n:02d}"), _today(), 123456)
        return [user.id for user in users]

    users = db.run(make)
    outcomes = _at_once(20, lambda n: db.run(add_account, users[n % 2], f"5001002{n:02d}", PAID))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Counter(o.refusals for o in outcomes) == {(): 1, (Refusal.CAP_REACHED,): 19}
    assert db.run(accounts_per_email, EMAIL) == 10
    assert db.run(lambda session: session.exec(select(LimitEvent)).first()) is None


def test_twenty_simultaneous_adds_of_one_account_link_it_once(clean_db):
    def make(session):
        user = lk_user(session)
        payment(session, billing_account(session, number="600100200"), _today(), 123456)
        return user.id

    user_id = db.run(make)
    outcomes = _at_once(20, lambda n: db.run(add_account, user_id, "600100200", PAID))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Counter(o.refusals for o in outcomes) == {(): 1, (Refusal.ALREADY_HERE,): 19}
    assert db.run(lambda session: session.exec(select(func.count(AccountLink.id))).one()) == 1


def test_thirty_simultaneous_wrong_guesses_at_one_account_get_five_comparisons(clean_db):
    def make(session):
        payment(session, billing_account(session, number="700100200"), _today(), 123456)
        return [lk_user(session, login=f"guesser{n}", email=f"g{n}@example.ru").id for n in range(30)]

    users = db.run(make)
    outcomes = _at_once(30, lambda n: db.run(add_account, users[n], "700100200", f"{n + 1},00"))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Counter(o.refusals for o in outcomes) == {(Refusal.MISMATCH,): 5, (Refusal.LIMITED,): 25}
    assert db.run(lambda session: session.exec(select(func.count(LimitEvent.id)).where(
        LimitEvent.kind == "add_account_account")).one()) == 5


def test_simultaneous_registrations_on_one_email_stop_at_the_cap(clean_db):
    def make(session):
        owner = lk_user(session, login="mother", email="anna@example.ru")
        for n in range(9):
            link(session, owner, billing_account(session, number=f"8001002{n:02d}"))
        return [billing_account(session, number=f"8002002{n:02d}").id for n in range(6)]

    accounts = db.run(make)
    results = _at_once(6, lambda n: db.run(register_by_account, accounts[n], registration_form()))

    assert not [r for r in results if isinstance(r, Exception)], results
    errors = [registration_errors(r) for r in results]
    assert sum(not e for e in errors) == 1
    assert all(e == {"email": "К одному e-mail можно привязать не более 10 лицевых счетов."} for e in errors if e)
    assert db.run(accounts_per_email, "anna@example.ru") == 10
    assert db.run(lambda session: session.exec(select(func.count(LkUser.id))).one()) == 2
