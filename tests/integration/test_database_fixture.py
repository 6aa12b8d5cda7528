"""The tests' databases are what the migrations make: a PostgreSQL schema in which the
migrations' statements were run again has the same tables, columns, defaults, indexes and
constraints as one migrated in full."""

from __future__ import annotations

import pytest
from sqlalchemy import make_url

from storage.db import make_engine
from storage.migrate import HEAD, current_revision, upgrade
from tests.conftest import _postgres_schema

SHAPE = [
    "SELECT table_name, column_name, data_type, column_default, is_nullable "
    "FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2",
    "SELECT tablename, indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = current_schema() ORDER BY 1, 2",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2",
    "SELECT sequencename, start_value, increment_by FROM pg_sequences "
    "WHERE schemaname = current_schema() ORDER BY 1",
]


def _shape(url: str) -> list[str]:
    """Every row of SHAPE as text, with the schema's own name left out."""
    schema = make_url(url).query["options"].split("=")[-1]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [str(tuple(row)).replace(f"{schema}.", "")
                    for query in SHAPE for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


def test_a_replayed_schema_is_the_migrated_one(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's test databases are copies of a migrated file")
    for migrated_url in _postgres_schema([]):
        upgrade(migrated_url)
        assert current_revision(database_url) == current_revision(migrated_url) == HEAD
        replayed, migrated = _shape(database_url), _shape(migrated_url)
        assert len(migrated) > 100
        assert replayed == migrated
