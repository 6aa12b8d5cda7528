"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(session: Session, model: Any, values: dict[str, Any] | list[
        dict[str, Any]]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the session's database."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # The Core table, not the mapped class: skips the ORM bulk-insert machinery.
    return module.insert(model.__table__).values(values).on_conflict_do_nothing()
