"""The audit log and the de-duplication of platform messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, bindparam, select, text
from sqlalchemy.orm import Session

from storage.models import AuditEntry

# The same ON CONFLICT DO NOTHING … RETURNING text is valid on SQLite and PostgreSQL;
# built once because it runs on every incoming message.
_CLAIM_MESSAGE = text(
    "INSERT INTO processed_messages (platform, message_id, at) "
    "VALUES (:platform, :message_id, :at) ON CONFLICT DO NOTHING RETURNING message_id"
).bindparams(bindparam("at", type_=DateTime()))


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


class MessageLedger:
    """Remembers handled platform message ids inside the message's own transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def first_time(self, platform: str, message_id: str, now: datetime) -> bool:
        """Claim the id; False when it was already handled (the update is a redelivery)."""
        claimed = self._session.execute(_CLAIM_MESSAGE,
                                        {"platform": platform, "message_id": message_id,
                                         "at": now})
        return claimed.scalar() is not None
