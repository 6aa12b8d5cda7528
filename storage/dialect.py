"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(session: Session, model: Any,
                              values: dict[str, Any] | None = None) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the session's database.

    Without ``values``, execute it with a list of rows: SQLAlchemy then batches them
    ("insertmanyvalues") with one cached statement instead of compiling a huge one.
    """
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # The Core table, not the mapped class: skips the ORM bulk-insert machinery.
    statement = module.insert(model.__table__)
    if values is not None:
        statement = statement.values(values)
    return statement.on_conflict_do_nothing()
