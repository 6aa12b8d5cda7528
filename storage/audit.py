"""The audit log: who did what to which client, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import AuditEntry


class AuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def write(
        self, agent_id: int | None, action: str, now: datetime,
        client_id: int | None = None, detail: str = "",
    ) -> None:
        self._session.add(
            AuditEntry(agent_id=agent_id, action=action, client_id=client_id, detail=detail, at=now)
        )

    def entries(self, agent_id: int) -> list[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.agent_id == agent_id).order_by(AuditEntry.id)
        return list(self._session.scalars(query))

    def forget_details(self, client_id: int) -> None:
        """A deleted client's entries keep what was done and when, not what it said (a tier
        reason, the facts taken from a note)."""
        self._session.execute(
            update(AuditEntry).where(AuditEntry.client_id == client_id).values(detail="")
            .execution_options(synchronize_session=False))
