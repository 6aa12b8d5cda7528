"""The event loop's own SQLite connection: units of work on it never wait for the write lock.

On a SQLite file, a message is CPU work that holds the GIL, so the router runs on the event
loop (bot/runner.py says why). There it must never sit in busy_timeout while another
connection (the delivery worker, the scheduler, a second process) writes: this connection's
busy_timeout is 0, and a unit's first BEGIN raises DatabaseBusy at once; the caller then
handles the message in a worker thread instead. It is one connection, used directly rather
than checked out of a pool: the pool's bookkeeping cost more than a message's statements.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.pool import PoolProxiedConnection

from storage.conversation_cache import ConversationCache
from storage.db import BUSY_TIMEOUT_MS, DatabaseBusy, is_busy

LOOP_CHECKPOINT_PAGES = 10_000  # the default, 1,000, would stall the loop every ~500 messages


class LoopConnection:
    """One SQLite connection for one unit of work at a time (``acquire`` / ``release``)."""

    def __init__(self, engine: Engine) -> None:
        """``engine``: ``make_single_connection_engine``'s, whose one connection this is."""
        self.engine = engine
        # An ORM session's transaction after a commit begins here too (see ``begin``).
        event.listen(engine, "begin", lambda _connection: self.begin(first=False))
        pooled = engine.raw_connection()
        self.driver: Any = pooled.driver_connection
        pooled.close()  # back to the engine's single-connection pool; still open
        # The scheduler checkpoints the write-ahead log every minute, in a worker thread; this
        # connection's commits only do it when the log has grown far beyond that.
        self.driver.execute(f"PRAGMA wal_autocheckpoint={LOOP_CHECKPOINT_PAGES}")
        self._in_use = threading.Lock()
        self.conversations = ConversationCache()

    def acquire(self) -> None:
        """Take the connection; DatabaseBusy if a unit of work is using it."""
        if not self._in_use.acquire(blocking=False):
            raise DatabaseBusy("the event loop's connection is in use")

    def release(self) -> None:
        self._in_use.release()

    def begin(self, first: bool) -> None:
        """BEGIN IMMEDIATE unless in a transaction. The unit's ``first`` transaction raises
        DatabaseBusy when another connection is writing; later ones (after a commit: work
        already done) wait for the lock as every other connection does, on the event loop.
        The router never runs one: it commits once, last."""
        if self.driver.in_transaction:
            if not first:
                return
            # Left open by a unit that could not end it: never carry it into another message.
            self.driver.rollback()
        try:
            self.driver.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            if first:
                raise DatabaseBusy from None
            self.driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            try:
                self.driver.execute("BEGIN IMMEDIATE")
            finally:
                self.driver.execute("PRAGMA busy_timeout=0")

    def for_sqlalchemy(self) -> PoolProxiedConnection:
        """The same connection as SQLAlchemy's pool hands it out, for an ORM session."""
        pooled = self.engine.raw_connection()
        assert pooled.driver_connection is self.driver
        return pooled

    def dispose(self) -> None:
        self.engine.dispose()
