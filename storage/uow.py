"""Unit of work: one transaction, rolled back unless committed.

The connection and the ORM session are opened when first used: most messages (an answer to a
form question) need only the conversation statements, and an ORM session's own transaction
bookkeeping would cost more than those statements. When both are used, the session takes
full control of the connection's transaction, so everything commits or rolls back together.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from storage.agents import AgentRepository
from storage.audit import AuditLog
from storage.clients import ClientRepository
from storage.conversations import ConversationStore, Statements
from storage.crypto import FieldCipher
from storage.db import begin, checkpoint_wal
from storage.events import EventRepository
from storage.loop_connection import LoopConnection
from storage.name_keys import NameKeyCache
from storage.nudges import NudgeRepository
from storage.outbox import Outbox
from storage.salon_series import SalonSeriesRepository
from storage.send_counts import SendCountRepository

WIDE_PAGE_CACHE_KIB = 256 * 1024


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.commit()`` — anything uncommitted is rolled back."""

    def __init__(self, engine: Engine, cipher: FieldCipher, statements: Statements,
                 loop: LoopConnection | None = None,
                 name_cache: NameKeyCache | None = None) -> None:
        """``loop``: run on the event loop's connection (acquired by the caller)."""
        self._name_cache = name_cache
        self._engine = loop.engine if loop is not None else engine
        self._loop = loop
        self._cipher = cipher
        self._driver_connection: Any = None
        self._pooled: PoolProxiedConnection | None = None
        self._connection: Connection | None = None  # SQLAlchemy's, made for the ORM session
        self._session: Session | None = None
        self._open_work = False  # done since the last commit (or begun to be)
        self._page_cache_before: int | None = None  # SQLite's, while widened
        cache = loop.conversations if loop is not None else None
        self.conversations = ConversationStore(self._driver, cipher, statements, cache)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            try:
                self._restore_page_cache()
                if self._session is not None:
                    self._session.close()
            finally:
                try:
                    if self._connection is not None:
                        self._connection.close()  # returns the pooled connection too
                    elif self._pooled is not None:
                        self._pooled.close()
                finally:
                    if self._loop is not None:
                        self._loop.release()

    def _driver(self) -> DBAPIConnection:
        """The driver's connection, inside a transaction (begun on first use, again after a
        commit). SQLAlchemy's ``Connection`` costs more than the statements of a typical
        message, so it is made only for the ORM session."""
        first = self._driver_connection is None
        self._open_work = True
        if self._loop is not None:
            self._driver_connection = self._loop.driver
            self._loop.begin(first)
        else:
            if first:
                self._pooled = self._engine.raw_connection()
                self._driver_connection = self._pooled.driver_connection
            begin(self._engine.dialect, self._driver_connection)
        return self._driver_connection  # type: ignore[no-any-return]

    def widen_page_cache(self) -> None:
        """SQLite: a page cache of ``WIDE_PAGE_CACHE_KIB`` on this unit's connection until the
        unit ends (SQLite's default is 2 MB). A day's sweep of a million clients' archive
        rewrites pages all over the nudges' indexes: with the default it read many of them
        again, 1.6 s of a 7 s sweep. Pages are kept only as they are read, so a small archive
        uses little of it; every other connection keeps the default."""
        if self._engine.dialect.name != "sqlite" or self._page_cache_before is not None:
            return
        driver = self._driver()
        self._page_cache_before = int(driver.execute("PRAGMA cache_size").fetchone()[0])
        driver.execute(f"PRAGMA cache_size=-{WIDE_PAGE_CACHE_KIB}")

    def _restore_page_cache(self) -> None:
        """Back to the page cache it had; a connection that cannot be set back (it broke) is
        dropped from the pool rather than lent out wide, and the error that ended the unit
        of work, if any, is the one raised."""
        before, self._page_cache_before = self._page_cache_before, None
        if before is None or self._driver_connection is None:
            return
        try:
            self._driver_connection.execute(f"PRAGMA cache_size={before}")
        except Exception:
            if self._pooled is not None:
                self._pooled.invalidate()

    @property
    def session(self) -> Session:
        """The ORM session, on this unit of work's connection and transaction."""
        if self._session is None:
            self._driver()
            if self._pooled is None:
                assert self._loop is not None
                self._pooled = self._loop.for_sqlalchemy()
            self._connection = Connection(self._engine, connection=self._pooled)
            # The session begins (and commits) SQLAlchemy's side of the transaction; on the
            # driver it is already open, and the engine's begin hook leaves it so.
            self._session = Session(bind=self._connection, expire_on_commit=False,
                                    join_transaction_mode="control_fully")
            self.conversations.shared()
        return self._session

    @property
    def agents(self) -> AgentRepository:
        return AgentRepository(self.session)

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.session)

    @property
    def outbox(self) -> Outbox:
        return Outbox(self.session)

    @property
    def send_counts(self) -> SendCountRepository:
        return SendCountRepository(self.session)

    def clients(self, agent_id: int) -> ClientRepository:
        """The client repository of one agent."""
        return ClientRepository(self.session, agent_id, self._cipher, self._name_cache)

    def events(self, agent_id: int) -> EventRepository:
        """Salons, invitations and meetings of one agent."""
        return EventRepository(self.session, agent_id)

    def series(self, agent_id: int) -> SalonSeriesRepository:
        """Recurring salons of one agent."""
        return SalonSeriesRepository(self.session, agent_id)

    def nudges(self, agent_id: int) -> NudgeRepository:
        """The nudge repository of one agent."""
        return NudgeRepository(self.session, agent_id)

    def commit(self) -> None:
        self.conversations.before_commit()
        if self._session is not None:
            self._session.commit()  # flushes, and commits the connection's transaction
        if self._driver_connection is not None:
            self._driver_connection.commit()  # statements run after the session's
        self.conversations.committed()
        self._open_work = False

    def rollback(self) -> None:
        if self._open_work:
            self.conversations.abandoned()
            self._open_work = False
        try:
            if self._session is not None:
                self._session.rollback()
        finally:
            driver = self._driver_connection
            # A lost PostgreSQL connection cannot roll back; its error would hide the first one
            # (the pool discards it on return).
            if driver is not None and not getattr(driver, "closed", False):
                driver.rollback()


class UnitOfWorkFactory:
    def __init__(self, engine: Engine, cipher: FieldCipher,
                 loop: LoopConnection | None = None) -> None:
        """``loop``: the event loop's own connection (SQLite files only)."""
        self.engine = engine
        self.cipher = cipher
        self.loop = loop
        self._statements = Statements(engine.dialect)
        self._name_cache = NameKeyCache()

    def __call__(self) -> UnitOfWork:
        """A unit of work on a connection from the pool; SQLite's BEGIN waits for the lock."""
        return UnitOfWork(self.engine, self.cipher, self._statements,
                          name_cache=self._name_cache)

    def on_loop(self) -> UnitOfWork:
        """A unit of work on the event loop's connection, from the loop's thread: its first
        transaction raises DatabaseBusy at once, before anything is done, when another
        connection is writing (or the loop's connection is in use). Only with ``loop``."""
        if self.loop is None:
            raise RuntimeError("no event loop connection: not a SQLite file")
        self.loop.acquire()
        return UnitOfWork(self.engine, self.cipher, self._statements, self.loop,
                          name_cache=self._name_cache)

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database (PASSIVE: waits for no one)."""
        checkpoint_wal(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.loop is not None:
            self.loop.dispose()
