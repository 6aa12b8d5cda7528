"""The sweep's steps that touch stored nudges find them by index, never by reading all of a
kind: after a month, a million clients' archive holds over a million nudges (SQLite plans
without statistics, as the bot never runs ANALYZE; PostgreSQL keeps its own)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from storage.sweep_queries import SweepQueries


def _plans_of(app, work) -> list[str]:
    """The query plan lines of every statement ``work(queries)`` runs."""
    statements: list[tuple[str, tuple]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    event.listen(app.uow.engine, "before_cursor_execute", remember)
    try:
        with app.uow() as uow:
            work(SweepQueries(uow.session))
            uow.commit()
    finally:
        event.remove(app.uow.engine, "before_cursor_execute", remember)
    with app.uow.engine.connect() as connection:
        driver = connection.connection.driver_connection
        return [row[3] for statement, parameters in statements
                for row in driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]


def test_retiring_the_replaced_reads_the_days_nudges_and_their_subjects_by_index(
        app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's plans")
    plans = _plans_of(app, lambda q: q.retire_replaced(date(2026, 11, 24)))
    nudge_reads = [line for line in plans if " nudges" in line or " anon" in line]
    assert nudge_reads
    assert all(line.endswith(("(kind=? AND subject=?)", "(due_date=? AND kind=?)"))
               for line in nudge_reads), plans
