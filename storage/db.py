"""Engine creation: SQLite (WAL, foreign keys on) or PostgreSQL from one URL."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_MS = 30_000

log = logging.getLogger(__name__)


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
        path = sqlite_path(url)
        if path and path != ":memory:":
            _create_private(Path(path))
        return _sqlite_engine(url, BUSY_TIMEOUT_MS)
    return create_engine(url, pool_pre_ping=True, json_serializer=json_dumps,
                         hide_parameters=True)


def _create_private(path: Path) -> None:
    """The archive holds client data: a folder made for it, and the database file itself,
    are its owner's only (SQLite gives the -wal and -shm files the file's mode). A file an
    earlier version (or an operator's copy) left readable by others is made private.
    Processes starting at once may both create them."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        _make_private(path)


def _make_private(database: Path) -> None:
    """Take group's and others' access away from the database file and its journal files."""
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                path.chmod(mode & 0o700)
                log.warning("the database file %s was readable by others; made private", path)
        except FileNotFoundError:
            continue
        except PermissionError:  # not ours: say so, the operator must fix it
            log.warning("the database file %s is readable by others and not ours to change; "
                        "run: chmod 600 %s", path, path)


def make_single_connection_engine(url: str) -> Engine | None:
    """For a SQLite file: an engine of one connection that never waits for the write lock
    (busy_timeout 0), for the event loop's thread alone. None for any other database."""
    url = normalise_url(url)
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if not path or path == ":memory:":
        return None  # PostgreSQL; an in-memory database would be a second, empty one
    # No reset on return: the unit of work ends every transaction itself. Its transactions
    # begin through LoopConnection, which installs its own begin hook.
    return _sqlite_engine(url, 0, begin_hook=False, poolclass=StaticPool,
                          pool_reset_on_return=None)


def sqlite_path(url: str) -> str:
    return url.split("///", 1)[-1] if "///" in url else ""


def _sqlite_engine(url: str, busy_timeout_ms: int, begin_hook: bool = True,
                   **pool: Any) -> Engine:
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000,
                                              "check_same_thread": False},
                           json_serializer=json_dumps, hide_parameters=True, **pool)

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted clients' pages are zeroed, not left readable in the file (the default
        # depends on how SQLite was built).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    if begin_hook:
        event.listen(engine, "begin", _begin_immediate)
    return engine


def json_dumps(value: object) -> str:
    # Keep Chinese readable in JSON columns, so tags can be searched with LIKE.
    return json.dumps(value, ensure_ascii=False)


def _begin_immediate(connection: Connection) -> None:
    begin(connection.dialect, connection.connection.driver_connection)


def begin(dialect: Dialect, driver: Any) -> None:
    """Begin a transaction on a driver connection unless it is in one (a unit of work begins
    it before its ORM session does).

    SQLite: BEGIN IMMEDIATE, which takes the write lock at once, so two writers queue on
    busy_timeout instead of failing later on a stale read snapshot. PostgreSQL: nothing
    (psycopg begins with the first statement).
    """
    if dialect.name == "sqlite" and not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def checkpoint_wal(engine: Engine) -> None:
    """SQLite: copy the write-ahead log into the database, without waiting for readers or
    writers (PASSIVE). Nothing on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    pooled = engine.raw_connection()
    try:
        pooled.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
    finally:
        pooled.close()


def is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY (or an extended BUSY code): another connection holds the lock."""
    return error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


def connection_problem(error: BaseException) -> str | None:
    """Why the database could not be used, when ``error`` is the driver saying so (the
    server unreachable, no such database, a refused login); its first line, which names
    neither the password nor any client data."""
    if not isinstance(error, OperationalError):
        return None
    return str(error.orig or error).strip().splitlines()[0][:300]
