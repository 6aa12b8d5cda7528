"""Engine creation: SQLite (WAL, foreign keys on) or PostgreSQL from one URL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine; for a SQLite file, create its folder and set the pragmas.

    Statement parameters are hidden from error messages: they carry client data, and
    errors end up in logs.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).parent.exists():
            # the archive holds client data: only its owner may read the folder
            Path(path).parent.mkdir(mode=0o700, parents=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               json_serializer=_json_dumps, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Take the write lock when a transaction starts: two processes then queue on
        # busy_timeout instead of failing later on a stale read snapshot.
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json_dumps,
                         hide_parameters=True)


def _json_dumps(value: object) -> str:
    # Keep Chinese readable in JSON columns, so tags can be searched with LIKE.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # On the driver's connection: it runs before every message, and SQLAlchemy's statement
    # machinery would cost more than the statement.
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
