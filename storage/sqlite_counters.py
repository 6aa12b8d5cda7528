"""Keeping SQLite's AUTOINCREMENT counters across a migration that rebuilds a table.

Alembic's batch mode rebuilds a SQLite table by copying it into a new one, dropping the old and
renaming the copy. Dropping a table deletes its row of ``sqlite_sequence``, so the counter would
start again after the largest id left, and a deleted row's id (still named in the audit log, an
old digest's "/nudge 12") would be given to a new row: what revision 0006 prevents.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from alembic import op


@contextlib.contextmanager
def counter_kept(table: str) -> Iterator[None]:
    """Around a batch that may rebuild ``table``: its counter afterwards is at least what it
    was before (and the largest id). Nothing to do on PostgreSQL, whose sequences stay."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).scalar() or 0
    yield
    largest = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar()
    connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    connection.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                               (table, max(int(before), int(largest))))
