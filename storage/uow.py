"""Unit of work: one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.agents import AgentRepository
from storage.audit import AuditLog, MessageLedger
from storage.clients import ClientRepository
from storage.crypto import FieldCipher


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.commit()`` — anything uncommitted is rolled back."""

    def __init__(self, session_factory: sessionmaker[Session], cipher: FieldCipher) -> None:
        self._session_factory = session_factory
        self._cipher = cipher

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.agents = AgentRepository(self.session)
        self.audit = AuditLog(self.session)
        self.ledger = MessageLedger(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def clients(self, agent_id: int) -> ClientRepository:
        """The client repository of one agent."""
        return ClientRepository(self.session, agent_id, self._cipher)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class UnitOfWorkFactory:
    def __init__(self, session_factory: sessionmaker[Session], cipher: FieldCipher) -> None:
        self.session_factory = session_factory
        self.cipher = cipher

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.cipher)
