"""Benchmark of the database: the add-account check and the cabinet's load over a million accounts in PostgreSQL.

The accounts, their payments (a month's registry after another, as imports bring them), twelve months of charges,
a meter each with its readings and a few thousand LKs with their links and sessions go straight into the app's
tables with INSERT … SELECT generate_series; a rerun on a database that already holds them measures at once. Then
the app's own services run on random LKs and accounts: `add_account` in a transaction rolled back afterwards, so
every sample is a first attempt, and every service the cabinet's `load` calls, each in its own transaction as the
state runs it. Printed per family: p50/p99 of the service call, of the SQL it sent (time inside the driver: round
trips included) and of the database's own work on those statements (replayed under EXPLAIN ANALYZE), beside the
floor of a bare `SELECT 1` transaction; the target is judged on the SQL.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.common import percentile  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lk_bench"
TARGET_SECONDS = 0.005
USERS = 5_000
CHARGED_MONTHS = 12
FIRST_NUMBER = 440_100_000_000
SESSION_SECRET = "bench-session-"  # + the user's id: the cookie's session id, as resolve_session reads it

# Each statement fills one table (or one month of one), in the order an import over the years would have.
ACCOUNTS_SQL = """
INSERT INTO billing_account (id, number, surname, surname_key, first_name, patronymic, address, email, updated_at)
SELECT a, (:first + a)::text, 'Иванова', 'иванова', 'Мария', 'Петровна',
       'г. Кострома, ул. Ленина, д. ' || (a % 200 + 1) || ', кв. ' || (a % 90 + 1),
       CASE WHEN a % 3 = 0 THEN 'client' || a || '@example.ru' END, now()
FROM generate_series(1, :accounts) AS a
"""
# One payment a month, k months back, on a day that differs per account; k = 0 lies within the last 3 calendar months.
PAYMENTS_SQL = """
INSERT INTO payment (account_id, paid_on, amount_kop, seq)
SELECT a, current_date - (:k * 30 + a % 28), 50000 + (a::bigint * 7919 + :k * 104729) % 250000, 0
FROM generate_series(1, :accounts) AS a
"""
# Every fifth account has a day/night meter: two charge zones and two reading values.
CHARGES_SQL = """
INSERT INTO charge (account_id, period, zone, kwh, amount_kop, tariff_kop)
SELECT a, to_char(date_trunc('month', current_date) - make_interval(months => :m), 'YYYY-MM'), zone,
       100 + a % 300, (100 + a % 300) * 650, 650
FROM generate_series(1, :accounts) AS a,
     unnest(CASE WHEN a % 5 = 0 THEN ARRAY['день', 'ночь'] ELSE ARRAY[''] END) AS zone
"""
METERS_SQL = """
INSERT INTO meter (id, account_id, number, zones)
SELECT a, a, 'СЕ' || (10000000 + a), CASE WHEN a % 5 = 0 THEN 2 ELSE 1 END
FROM generate_series(1, :accounts) AS a
"""
READINGS_SQL = """
INSERT INTO meter_reading (meter_id, period, source, value1, value2, read_on)
SELECT a, to_char(date_trunc('month', current_date) - make_interval(months => :m), 'YYYY-MM'), 'billing',
       10000 + (100 + a % 300) * (:months - :m), CASE WHEN a % 5 = 0 THEN 5000 + 50 * (:months - :m) END,
       (date_trunc('month', current_date) - make_interval(months => :m) + interval '24 days')::date
FROM generate_series(1, :accounts) AS a
"""
# The LKs hold accounts spread over the whole range: user u has u·stride, half of them also u·stride − 1,
# a quarter also u·stride − 2; those with a second account chose it last time.
USERS_SQL = """
INSERT INTO lk_user (id, login, login_key, password_hash, email, email_confirmed, phone_confirmed, role,
                     chosen_account_id, created_at)
SELECT u, (:first + u * :stride)::text, (:first + u * :stride)::text, '-', 'lk' || u || '@example.ru', true, false,
       'customer', CASE WHEN u % 2 = 0 THEN u * :stride - 1 END, now()
FROM generate_series(1, :users) AS u
"""
LINKS_SQL = """
INSERT INTO account_link (user_id, account_id, "primary", created_at)
SELECT u, u * :stride - extra, extra = 0, now()
FROM generate_series(1, :users) AS u, generate_series(0, 2) AS extra
WHERE extra = 0 OR (extra = 1 AND u % 2 = 0) OR (extra = 2 AND u % 4 = 0)
ORDER BY u, extra
"""
SESSIONS_SQL = """
INSERT INTO auth_session (id_hash, user_id, created_at, last_seen_at, ip, user_agent)
SELECT encode(sha256(convert_to(:secret || u, 'UTF8')), 'hex'), u, now(), now(), '127.0.0.1', 'bench'
FROM generate_series(1, :users) AS u
"""
SEEDED_TABLES = ("billing_account", "payment", "charge", "meter", "meter_reading", "lk_user", "account_link",
                 "auth_session")


def ensure_database(url: str) -> None:
    """Create the scratch database when it does not exist yet."""
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).first():
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()


def seeded_counts(engine) -> tuple[int, int]:
    """How many accounts and payments the database holds."""
    with engine.connect() as connection:
        return tuple(connection.execute(text("SELECT (SELECT count(*) FROM billing_account), (SELECT count(*) FROM payment)")).one())


def _timed(connection, label: str, sql: str, runs: list[dict]) -> None:
    started = time.perf_counter()
    rows = sum(connection.execute(text(sql), values).rowcount for values in runs)
    print(f"  {label:<14} {rows:>11,} rows in {time.perf_counter() - started:6.1f} s", flush=True)


def seed(engine, accounts: int, payments_per_account: int) -> None:
    """Fill the app's tables inside PostgreSQL, then VACUUM ANALYZE them as autovacuum would in time."""
    users = min(USERS, accounts // 3)
    stride = accounts // users
    base = {"accounts": accounts, "first": FIRST_NUMBER}
    with engine.begin() as connection:
        # The rows are consistent by construction: no per-row foreign-key triggers (the bulk loader's switch).
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        _timed(connection, "accounts", ACCOUNTS_SQL, [base])
        _timed(connection, "payments", PAYMENTS_SQL, [dict(base, k=k) for k in reversed(range(payments_per_account))])
        _timed(connection, "charges", CHARGES_SQL, [dict(base, m=m) for m in range(CHARGED_MONTHS, 0, -1)])
        _timed(connection, "meters", METERS_SQL, [base])
        _timed(connection, "readings", READINGS_SQL,
               [dict(base, m=m, months=CHARGED_MONTHS) for m in range(CHARGED_MONTHS, 0, -1)])
        users_values = dict(base, users=users, stride=stride, secret=SESSION_SECRET)
        _timed(connection, "LK users", USERS_SQL, [users_values])
        _timed(connection, "account links", LINKS_SQL, [users_values])
        _timed(connection, "sessions", SESSIONS_SQL, [users_values])
        for table in SEEDED_TABLES:  # the app inserts after the seeded ids
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) " + ", ".join(SEEDED_TABLES)))
    print(f"  VACUUM ANALYZE {time.perf_counter() - started:6.1f} s")


class SqlClock:
    """Every statement the app sends through the engine: how long it spent inside the driver, its text and parameters."""

    def __init__(self, engine) -> None:
        self.log: list[tuple[float, str, object]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, connection, *_args) -> None:
        connection.info["bench_started"] = time.perf_counter()

    def _after(self, connection, _cursor, statement, parameters, *_args) -> None:
        self.log.append((time.perf_counter() - connection.info.pop("bench_started"), statement, parameters))


class Family:
    """The samples of one kind of service call: its wall time, its SQL time, and the statements it sent."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[float] = []
        self.sql: list[float] = []
        self.queries: list[float] = []  # each statement alone
        self.sent: list[list[tuple[str, object]]] = []
        self.server: list[float] = []

    def line(self) -> str:
        """p50/p99 of the call, of its SQL and of the database's own work on it, statements per call, met or missed."""
        sql_p99 = percentile(self.sql, 0.99)
        verdict = "met" if sql_p99 < TARGET_SECONDS else f"missed by {(sql_p99 - TARGET_SECONDS) * 1000:.1f} ms"
        return (f"{self.name:<19} call {percentile(self.calls, 0.5) * 1000:6.2f} {percentile(self.calls, 0.99) * 1000:6.2f}"
                f" | SQL {percentile(self.sql, 0.5) * 1000:6.2f} {sql_p99 * 1000:6.2f}"
                f" | in db {percentile(self.server, 0.5) * 1000:5.2f} {percentile(self.server, 0.99) * 1000:5.2f}"
                f" | one query {percentile(self.queries, 0.5) * 1000:5.2f} {percentile(self.queries, 0.99) * 1000:5.2f}"
                f" | {sum(map(len, self.sent)) / len(self.sent):4.1f} | {verdict}")


def measured(family: Family, clock: SqlClock, call):
    """Run the call once, adding its wall time, SQL time and statements to the family; returns its result."""
    first = len(clock.log)
    started = time.perf_counter()
    result = call()
    family.calls.append(time.perf_counter() - started)
    family.sql.append(sum(seconds for seconds, _, _ in clock.log[first:]))
    family.queries.extend(seconds for seconds, _, _ in clock.log[first:])
    family.sent.append([(statement, parameters) for _, statement, parameters in clock.log[first:]])
    return result


def replay(url: str, families: list["Family"]) -> None:
    """The database's own time on each sample: its statements again under EXPLAIN ANALYZE, rolled back (pages warm)."""
    engine = create_engine(make_url(url))  # no clock on it
    with engine.connect() as connection:
        for family in families:
            for statements in family.sent:
                seconds = 0.0
                for statement, parameters in statements:
                    plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar_one()
                    seconds += (plan[0]["Planning Time"] + plan[0]["Execution Time"]) / 1000
                connection.rollback()
                family.server.append(seconds)
    engine.dispose()


def add_account_samples(engine, clock: SqlClock, samples: int, rng: random.Random) -> Family:
    """`add_account` of a random account to a random LK, right amount or wrong, each rolled back: always a first try."""
    from sqlmodel import Session

    from lk_app.clock import now
    from lk_app.services.accounts import add_account, payment_window_start

    with engine.connect() as connection:
        users = connection.execute(text("SELECT count(*) FROM lk_user")).scalar_one()
        accounts = connection.execute(text("SELECT count(*) FROM billing_account")).scalar_one()
        picks = [(rng.randint(1, users), rng.randint(1, accounts)) for _ in range(samples)]
        recent = dict(connection.execute(text(
            "SELECT DISTINCT ON (account_id) account_id, amount_kop FROM payment"
            " WHERE account_id = ANY(:ids) AND paid_on >= :since ORDER BY account_id, paid_on DESC"),
            {"ids": sorted({a for _, a in picks}), "since": payment_window_start(now().date())}).all())
    family = Family("add-account check")
    added = 0
    for index, (user_id, account_id) in enumerate(picks):
        kopecks = recent[account_id] + (0 if index % 2 else 1)  # every other try names a wrong amount
        amount = f"{kopecks // 100},{kopecks % 100:02d}"
        with Session(engine) as session:
            outcome = measured(family, clock, lambda: add_account(user_id, str(FIRST_NUMBER + account_id), amount,
                                                                  session=session))
            session.rollback()
        added += outcome.added
    print(f"  add_account: {added} of {samples} added (the right amount), the rest refused; all rolled back")
    return family


def cabinet_samples(engine, clock: SqlClock, samples: int, rng: random.Random) -> list[Family]:
    """What CabinetState.load runs for a random LK, in its order: the session, then the whole view in one transaction."""
    from lk_app.db import run
    from lk_app.services.cabinet import cabinet_view
    from lk_app.services.sessions import resolve_session

    with engine.begin() as connection:  # sessions stay live however long ago the database was seeded
        connection.execute(text("UPDATE auth_session SET created_at = now(), last_seen_at = now(), revoked_at = NULL"))
        users = connection.execute(text("SELECT count(*) FROM lk_user")).scalar_one()
    session, view, load = Family("resolve_session"), Family("cabinet_view"), Family("whole cabinet load")
    for _ in range(samples):
        user_id = rng.randint(1, users)

        def cabinet_load():
            user = measured(session, clock, lambda: run(resolve_session, f"{SESSION_SECRET}{user_id}"))
            assert measured(view, clock, lambda: run(cabinet_view, user.user_id)).page.card

        measured(load, clock, cabinet_load)
    return [session, view, load]


def round_trip_samples(clock: SqlClock, samples: int) -> Family:
    """The floor under every figure: `ping` (SELECT 1) in a transaction of its own, as the health check runs it."""
    from lk_app.db import ping, run

    family = Family("SELECT 1 (floor)")
    for _ in range(samples):
        measured(family, clock, lambda: run(ping))
    return family


def main() -> int:
    """Seed unless already seeded, sample the services, print the figures against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--payments-per-account", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="a PostgreSQL scratch database, created if missing")
    parser.add_argument("--samples", type=int, default=2_000)
    args = parser.parse_args()
    os.environ["REFLEX_DB_URL"] = args.database_url
    from lk_app.db import get_engine, migrate

    ensure_database(args.database_url)
    migrate(args.database_url)
    engine = get_engine()
    expected = (args.accounts, args.accounts * args.payments_per_account)
    counts = seeded_counts(engine)
    if counts == expected:
        print(f"already seeded: {counts[0]:,} accounts, {counts[1]:,} payments — measuring without seeding again")
    elif counts == (0, 0):
        print(f"seeding {args.accounts:,} accounts × {args.payments_per_account} payments:")
        started = time.perf_counter()
        seed(engine, args.accounts, args.payments_per_account)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
    else:
        print(f"the database holds {counts[0]:,} accounts and {counts[1]:,} payments, not {expected[0]:,} and "
              f"{expected[1]:,}: drop it (dropdb) or name another one")
        return 2
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar_one()
    print(f"database size {size}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    clock = SqlClock(engine)
    rng = random.Random(20261122)
    families = [round_trip_samples(clock, args.samples), add_account_samples(engine, clock, args.samples, rng), *cabinet_samples(engine, clock, args.samples, rng)]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; replaying the statements under EXPLAIN ANALYZE")
    replay(args.database_url, families)
    print(f"target: p99 of each family's SQL under {TARGET_SECONDS * 1000:.0f} ms. p50 p99 in ms of: call = the service"
          " with its Python work; SQL = time in the driver; in db = planning + execution; one query = each statement"
          " alone, in the driver; then statements per call")
    for family in families:
        print(family.line())
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
