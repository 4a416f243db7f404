"""The SQL the app really sends, caught on its way to the driver, and PostgreSQL's plans for it."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlmodel import Session

from lk_app import db


@contextmanager
def sent_statements() -> Iterator[list[tuple[str, object]]]:
    """The SELECTs the app sends inside the block, with their parameters."""
    statements = []

    def catch(_connection, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", catch)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", catch)


def plan_nodes(session: Session, statement: str, parameters) -> list[dict]:
    """Every node of the statement's plan with sequential (and bitmap) scans priced out, as if the tables were large."""
    connection = session.connection()
    connection.execute(text("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off"))
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
    nodes, pending = [], [plan[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes
