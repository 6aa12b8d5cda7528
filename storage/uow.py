"""Unit of work: one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.agents import AgentRepository
from storage.audit import AuditLog, MessageLedger
from storage.clients import ClientRepository
from storage.crypto import FieldCipher
from storage.events import EventRepository
from storage.nudges import NudgeRepository
from storage.outbox import Outbox


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.commit()`` — anything uncommitted is rolled back."""

    def __init__(self, session_factory: sessionmaker[Session], cipher: FieldCipher) -> None:
        self._session_factory = session_factory
        self._cipher = cipher

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.agents = AgentRepository(self.session, self._cipher)
        self.audit = AuditLog(self.session)
        self.ledger = MessageLedger(self.session)
        self.outbox = Outbox(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.session.in_transaction():
            self.session.rollback()
        self.session.close()

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
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class UnitOfWorkFactory:
    def __init__(self, session_factory: sessionmaker[Session], cipher: FieldCipher) -> None:
        self.session_factory = session_factory
        self.cipher = cipher

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.cipher)
