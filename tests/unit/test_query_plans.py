"""PostgreSQL finds every row the add-account check and the cabinet's load ask for through an index, never a table scan.

The statements are the ones the services really send, caught on their way to the driver, and explained with
sequential scans priced out: a table without a fitting index still gets a Seq Scan then, whatever its size.
"""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session

from lk_app import clock, db
from lk_app.models import Charge, Meter, MeterReading
from lk_app.models.meters import SOURCE_BILLING
from lk_app.services.accounts import add_account, cabinet_accounts
from lk_app.services.bills import account_bills
from lk_app.services.cabinet import account_card
from lk_app.services.history import account_history
from lk_app.services.readings import readings_form
from lk_app.services.sessions import issue_login_grant, redeem_login_grant, resolve_session
from tests.unit.factories import billing_account, link, lk_user, payment
from tests.unit.sql_plans import plan_nodes, sent_statements

NEIGHBOURS = 60
MONTHS = 30
PAYMENT_INDEX = "payment_account_id_paid_on_amount_kop_seq_key"
NOVEMBER_20 = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def postgresql(session):
    """The test database, which must be PostgreSQL: SQLite's planner is not the one production runs."""
    if session.connection().dialect.name != "postgresql":
        pytest.skip("query plans are PostgreSQL's; run with LK_TEST_DATABASE_URL")
    return session


def customer_with_history(session: Session):
    """An LK with two accounts, each with 30 months of payments, a year of day/night charges and a meter's readings.

    The charges of 60 neighbouring accounts are written month by month between them, as a month's import does, so an
    account's charges lie on a heap page per month: with fewer rows the table is two pages, and the planner's choice
    between the covering index and the unique one turned on what earlier tests had left behind.
    """
    clock.move(NOVEMBER_20 - clock.now())  # the fixtures put the clock back
    user = lk_user(session)
    accounts = [billing_account(session, number=number) for number in ("100200300", "100200301", "100200302")]
    neighbours = [billing_account(session, number=f"3003{n:05d}") for n in range(NEIGHBOURS)]
    for account in accounts[:2]:
        link(session, user, account, primary=account is accounts[0])
    for account in accounts:
        meter = Meter(account_id=account.id, number=f"M-{account.number}", zones=2)
        session.add(meter)
        session.flush()
        for back in range(MONTHS):
            index = 2026 * 12 + 10 - back
            period = f"{index // 12}-{index % 12 + 1:02d}"
            payment(session, account, date(index // 12, index % 12 + 1, 10), 80000 + back)
            if back < 12:
                session.add(MeterReading(meter_id=meter.id, period=period, source=SOURCE_BILLING, value1=1000 + back,
                                         value2=500 + back, read_on=date(index // 12, index % 12 + 1, 25)))
    for back in range(12):
        index = 2026 * 12 + 10 - back
        for account in accounts + neighbours:
            for zone in ("день", "ночь"):
                session.add(Charge(account_id=account.id, period=f"{index // 12}-{index % 12 + 1:02d}", zone=zone,
                                   kwh=100, amount_kop=65000, tariff_kop=650))
        session.flush()
    session.commit()
    with db.get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))  # as autovacuum leaves the tables: index-only scans are possible
    return user, accounts


def assert_indexed(session: Session, statements: list[tuple[str, object]]) -> list[dict]:
    """Fail on any statement that scans a whole table; return the scan nodes of all of them."""
    scans = []
    for statement, parameters in statements:
        nodes = plan_nodes(session, statement, parameters)
        assert not [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"], statement
        scans += [n for n in nodes if "Relation Name" in n]
    return scans


def test_the_add_account_check_reads_through_indexes(postgresql):
    user, accounts = customer_with_history(postgresql)
    with sent_statements() as statements, Session(db.get_engine()) as attempt:
        outcome = add_account(user.id, accounts[2].number, "800,00", session=attempt)
        attempt.rollback()
    assert outcome.added
    scans = assert_indexed(postgresql, statements)
    # The proof of payment: account, then the window's days, then the amount, all in one index.
    assert [n.get("Index Name") for n in scans if n["Relation Name"] == "payment"] == [PAYMENT_INDEX]


def test_the_cabinet_load_reads_through_indexes(postgresql):
    user, accounts = customer_with_history(postgresql)
    session_id = redeem_login_grant(*db.run(issue_login_grant, user.id), ip="", user_agent="", session=postgresql)
    postgresql.commit()
    with sent_statements() as statements:
        assert db.run(resolve_session, session_id).user_id == user.id
        number = db.run(cabinet_accounts, user.id).chosen
        for service in (account_history, readings_form, account_card, account_bills):
            assert db.run(service, user.id, number)
    scans = assert_indexed(postgresql, statements)
    assert {"payment", "charge", "meter_reading"} <= {n["Relation Name"] for n in scans}
    # An account's charges lie on a heap page per month: its sums and months come from the covering index alone.
    assert {n["Node Type"] for n in scans if n["Relation Name"] == "charge"} == {"Index Only Scan"}
