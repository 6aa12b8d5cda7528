"""Unit of work: one transaction, rolled back unless committed.

The connection and the ORM session are opened when first used: most messages (an answer to a
form question) need only the conversation statements, and an ORM session's own transaction
bookkeeping would cost more than those statements. When both are used, the session takes
full control of the connection's transaction, so everything commits or rolls back together.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from storage.agents import AgentRepository
from storage.audit import AuditLog
from storage.clients import ClientRepository
from storage.conversations import ConversationStore, Statements
from storage.crypto import FieldCipher
from storage.events import EventRepository
from storage.nudges import NudgeRepository
from storage.outbox import Outbox


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.commit()`` — anything uncommitted is rolled back."""

    def __init__(self, engine: Engine, cipher: FieldCipher, statements: Statements) -> None:
        self._engine = engine
        self._cipher = cipher
        self._connection: Connection | None = None
        self._session: Session | None = None
        self.conversations = ConversationStore(self._transaction, cipher, statements)

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
            if self._session is not None:
                self._session.close()
            if self._connection is not None:
                self._connection.close()

    def _transaction(self) -> Connection:
        """The connection, inside a transaction (begun on first use, again after a commit)."""
        if self._connection is None:
            self._connection = self._engine.connect()
        if not self._connection.in_transaction():
            self._connection.begin()
        return self._connection

    @property
    def session(self) -> Session:
        """The ORM session, on this unit of work's connection and transaction."""
        if self._session is None:
            self._session = Session(bind=self._transaction(), expire_on_commit=False,
                                    join_transaction_mode="control_fully")
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

    def clients(self, agent_id: int) -> ClientRepository:
        """The client repository of one agent."""
        return ClientRepository(self.session, agent_id, self._cipher)

    def events(self, agent_id: int) -> EventRepository:
        """Salons, invitations and meetings of one agent."""
        return EventRepository(self.session, agent_id)

    def nudges(self, agent_id: int) -> NudgeRepository:
        """The nudge repository of one agent."""
        return NudgeRepository(self.session, agent_id)

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()  # flushes, and commits the connection's transaction
        if self._connection is not None and self._connection.in_transaction():
            self._connection.commit()  # statements run after the session's last commit

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()


class UnitOfWorkFactory:
    def __init__(self, engine: Engine, cipher: FieldCipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self._statements = Statements(engine.dialect)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.cipher, self._statements)
