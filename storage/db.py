"""Engine creation: SQLite (WAL, foreign keys on) or PostgreSQL from one URL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, create_engine, event

BUSY_TIMEOUT_MS = 30_000


class DatabaseBusy(Exception):
    """Another connection holds SQLite's write lock, and this transaction was not to wait."""


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
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                                  "check_same_thread": False},
                               json_serializer=_json_dumps, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
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
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    begin(connection.dialect, connection.connection.driver_connection)


def begin(dialect: Dialect, driver: Any, wait_for_lock: bool = True) -> None:
    """Begin a transaction on a driver connection unless it is in one (a unit of work begins
    it before its ORM session does).

    SQLite: BEGIN IMMEDIATE, which takes the write lock at once, so two writers queue on
    busy_timeout instead of failing later on a stale read snapshot. ``wait_for_lock=False``:
    raise DatabaseBusy at once when another connection is writing. PostgreSQL: nothing
    (psycopg begins with the first statement).
    """
    if dialect.name != "sqlite" or driver.in_transaction:
        return
    if wait_for_lock:
        driver.execute("BEGIN IMMEDIATE")
        return
    driver.execute("PRAGMA busy_timeout=0")
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:  # or an extended BUSY code
            raise DatabaseBusy from None
        raise
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
