"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg.types.json import Json
from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def upsert_insert(session: Session | Connection, model: Any) -> Any:
    """INSERT into ``model``'s table (or into ``model``, a Core table, as migrations name one)
    in the dialect of ``session``'s database, which has ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` and ``excluded``."""
    bind = session.get_bind() if isinstance(session, Session) else session
    module = postgresql if bind.dialect.name == "postgresql" else sqlite
    # The Core table, not the mapped class: skips the ORM bulk-insert machinery.
    return module.insert(getattr(model, "__table__", model))


def insert_ignoring_conflicts(session: Session | Connection, model: Any,
                              values: dict[str, Any] | None = None) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the database of ``session`` (or a connection).

    Without ``values``, execute it with a list of rows: SQLAlchemy then batches them
    ("insertmanyvalues") with one cached statement instead of compiling a huge one.
    """
    statement = upsert_insert(session, model)
    if values is not None:
        statement = statement.values(values)
    return statement.on_conflict_do_nothing()


def insert_rows_ignoring_conflicts(session: Session, model: Any,
                                   rows: list[dict[str, Any]]) -> int:
    """Insert many rows, skipping conflicts; returns how many were new.

    PostgreSQL gets one statement reading the rows from one JSON document
    (``json_to_recordset``): one round trip, no per-row statement work. Arrays of each
    column, as this once sent, cost more than the insert itself: psycopg writes a list
    parameter element by element in Python (1.0-1.8 s for a sweep's 50,000 nudges, even
    when all of them existed). SQLite gets the driver's executemany of one statement
    (``_executemany_ignoring_conflicts``).
    """
    if not rows:
        return 0
    if session.get_bind().dialect.name != "postgresql":
        return _executemany_ignoring_conflicts(session, model, rows)
    table = model.__table__
    primary = next(iter(table.primary_key.columns))
    dialect = session.get_bind().dialect
    columns = [column for column in table.columns if column.name in rows[0]]
    names = ", ".join(column.name for column in columns)
    fields = ", ".join(f"{column.name} {column.type.compile(dialect=dialect)}"
                       for column in columns)
    sql = (f"INSERT INTO {table.name} ({names}) SELECT {names} "
           f"FROM json_to_recordset(CAST(:rows AS JSON)) AS given({fields}) "
           f"ON CONFLICT DO NOTHING RETURNING {primary.name}")
    # the rows as they are (json_to_recordset reads the fields it names), sent as orjson's
    # UTF-8: a str of the whole document would take four bytes a character (the emoji)
    document = Json(rows, dumps=orjson.dumps)
    return len(session.execute(text(sql), {"rows": document}).all())


def _executemany_ignoring_conflicts(session: Session, model: Any,
                                    rows: list[dict[str, Any]]) -> int:
    """SQLite: the driver's executemany of one statement, counted by the rows it changed.
    The values are converted column by column with the columns' own bind processors, as
    SQLAlchemy would row by row (its per-row parameter handling took a third of a sweep's
    50,000 inserts). A column left to its Python default goes the ordinary way."""
    statement = insert_ignoring_conflicts(session, model)
    dialect = session.get_bind().dialect
    columns = {column.name: column for column in model.__table__.columns
               if column.name in rows[0]}
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    names = compiled.positiontup or []
    if any(name not in columns for name in names):
        return int(session.execute(statement, rows).rowcount)
    converted = []
    for name in names:
        processor = columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[name] for row in rows]
        converted.append([processor(value) for value in values] if processor else values)
    parameters = list(zip(*converted, strict=True))
    return int(session.connection().exec_driver_sql(compiled.string, parameters).rowcount)
