"""Batch upserts of billing rows through SQLAlchemy Core, on SQLite and PostgreSQL alike."""

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import String, Table, any_, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from lk_app.models import BillingAccount, Charge, Meter, MeterReading, Payment

Row = dict[str, Any]

_ACCOUNTS: Table = BillingAccount.__table__
_PAYMENTS: Table = Payment.__table__
_CHARGES: Table = Charge.__table__
_METERS: Table = Meter.__table__
_READINGS: Table = MeterReading.__table__


def _insert(table: Table, rows: Sequence[Row], key: tuple[str, ...], *, session: Session):
    """An INSERT of the rows in the session's dialect, with no conflict clause yet, and its parameters.

    SQLite takes the rows as an executemany. PostgreSQL takes them as one array per column,
    unnested into a single statement: psycopg's executemany costs more client time per row than
    the parsing of the row itself. One statement may not touch a row twice, so the last row
    of each key wins, as it would in an executemany.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table), list(rows)
    if dialect != "postgresql":
        raise NotImplementedError(f"billing import supports SQLite and PostgreSQL, not {dialect}")
    rows = list({tuple(row[column] for column in key): row for row in rows}.values())
    columns = list(rows[0])
    arrays = [
        bindparam(f"{column}_values", [row[column] for row in rows], type_=postgresql.ARRAY(table.c[column].type))
        for column in columns
    ]
    unnested = func.unnest(*arrays).table_valued(*columns).render_derived()
    return postgresql.insert(table).from_select(columns, select(*unnested.c)), None


def _upsert(table: Table, rows: Sequence[Row], key: tuple[str, ...], *, session: Session) -> None:
    """Insert the rows; a row whose key exists updates the columns it carries, and only when they differ."""
    statement, parameters = _insert(table, rows, key, session=session)
    changed = [column for column in rows[0] if column not in key and column != "updated_at"]
    # The WHERE keeps a rerun of the same file from rewriting rows (and moving updated_at).
    updates = {column: statement.excluded[column] for column in changed}
    if "updated_at" in rows[0]:
        updates["updated_at"] = statement.excluded.updated_at
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[column] for column in key],
        set_=updates,
        where=or_(*(table.c[column].is_distinct_from(statement.excluded[column]) for column in changed)),
    )
    session.connection().execute(statement, parameters)


def upsert_accounts(rows: Sequence[Row], *, session: Session) -> None:
    """Insert or update billing accounts by number; a row may leave out e-mail and phone to keep them."""
    if rows:
        _upsert(_ACCOUNTS, rows, ("number",), session=session)


def upsert_charges(rows: Sequence[Row], *, session: Session) -> None:
    """Insert or update monthly charges by (account, period, zone)."""
    if rows:
        _upsert(_CHARGES, rows, ("account_id", "period", "zone"), session=session)


def upsert_meters(rows: Sequence[Row], *, session: Session) -> dict[tuple[int, str], int]:
    """Insert or update meters by (account, number); the ids of the batch's meters by (account id, number)."""
    if not rows:
        return {}
    _upsert(_METERS, rows, ("account_id", "number"), session=session)
    accounts = {row["account_id"] for row in rows}
    found = session.connection().execute(
        select(_METERS.c.account_id, _METERS.c.number, _METERS.c.id).where(_METERS.c.account_id.in_(accounts))
    )
    return {(account_id, number): meter_id for account_id, number, meter_id in found}


def upsert_billing_readings(rows: Sequence[Row], *, session: Session) -> None:
    """Insert or update the billing system's readings by (meter, period, source)."""
    if rows:
        _upsert(_READINGS, rows, ("meter_id", "period", "source"), session=session)


def insert_payments(rows: Sequence[Row], *, session: Session) -> None:
    """Insert payments that are not there yet; (account, date, amount, seq) names a payment."""
    if rows:
        key = ("account_id", "paid_on", "amount_kop", "seq")
        statement, parameters = _insert(_PAYMENTS, rows, key, session=session)
        statement = statement.on_conflict_do_nothing(index_elements=[_PAYMENTS.c[column] for column in key])
        session.connection().execute(statement, parameters)


def account_ids(numbers: Collection[str], *, session: Session) -> dict[str, int]:
    """The ids of those of the account numbers that exist (one query; keep it to a batch of numbers)."""
    if not numbers:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: PostgreSQL plans an IN list of thousands of parameters three times slower.
        wanted = _ACCOUNTS.c.number == any_(bindparam("numbers", list(numbers), type_=postgresql.ARRAY(String)))
    else:
        wanted = _ACCOUNTS.c.number.in_(numbers)
    found = session.connection().execute(select(_ACCOUNTS.c.number, _ACCOUNTS.c.id).where(wanted))
    return {number: account_id for number, account_id in found}
