"""How the sweep reads a large archive (after a month, a million clients' archive holds over
a million nudges): its steps that touch stored nudges find them by index, never by reading all
of a kind (SQLite plans without statistics, as the bot never runs ANALYZE; PostgreSQL keeps its
own), and on SQLite it reads with a wide page cache, given back after."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

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


@pytest.mark.parametrize("zones", [None, ["Asia/Shanghai", "Pacific/Auckland"]])
def test_retiring_the_replaced_reads_the_days_nudges_and_their_subjects_by_index(
        app, database_url, zones):
    """For every agent, or those of some time zones (whose today the day is)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's plans")
    plans = _plans_of(app, lambda q: q.retire_replaced(date(2026, 11, 24), zones))
    nudge_reads = [line for line in plans if " nudges" in line or " anon" in line]
    assert nudge_reads
    assert all(line.endswith(("(kind=? AND subject=?)", "(status=? AND kind=? AND due_date=?)"))
               for line in nudge_reads), plans


def test_a_sweep_reads_with_a_wide_page_cache_and_gives_the_connection_back_as_it_was(
        app, chat, database_url):
    from storage.uow import WIDE_PAGE_CACHE_KIB

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's page cache")
    chat.script("/record 孙明", "男", "保存")
    during: list[int] = []
    returned: list[int] = []

    def on_statement(_conn, cursor, statement, *_args) -> None:
        if "PRAGMA" not in statement:
            during.append(cursor.connection.execute("PRAGMA cache_size").fetchone()[0])

    def on_checkin(dbapi_connection, _record) -> None:
        returned.append(dbapi_connection.execute("PRAGMA cache_size").fetchone()[0])

    event.listen(app.uow.engine, "before_cursor_execute", on_statement)
    event.listen(app.uow.engine, "checkin", on_checkin)
    try:
        app.nudges.sweeper.sweep_day(date(2027, 3, 1), datetime(2027, 3, 1, 1, 0))
    finally:
        event.remove(app.uow.engine, "before_cursor_execute", on_statement)
        event.remove(app.uow.engine, "checkin", on_checkin)
    assert during and set(during) == {-WIDE_PAGE_CACHE_KIB}
    assert returned and set(returned) == {-2000}  # SQLite's default


class _RefusingPragmas:
    """The driver's connection, failing to set a pragma (as a broken connection does)."""

    def __init__(self, driver) -> None:
        self._driver = driver

    def execute(self, statement: str, *args):
        if statement.startswith("PRAGMA cache_size="):
            raise sqlite3.OperationalError("disk I/O error")
        return self._driver.execute(statement, *args)

    def __getattr__(self, name: str):
        return getattr(self._driver, name)


def test_a_connection_that_cannot_be_set_back_is_dropped_and_the_units_error_stands(
        app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's page cache")
    dropped: list[object] = []

    def on_invalidate(dbapi_connection, _record, _error) -> None:
        dropped.append(dbapi_connection)

    event.listen(app.uow.engine, "invalidate", on_invalidate)
    try:
        with pytest.raises(LookupError, match="the sweep's own error"), app.uow() as uow:
            uow.widen_page_cache()
            uow._driver_connection = _RefusingPragmas(uow._driver_connection)
            raise LookupError("the sweep's own error")
    finally:
        event.remove(app.uow.engine, "invalidate", on_invalidate)
    assert len(dropped) == 1  # not lent out again with a 256 MB cache
