"""Salons, their invitations and logged meetings, scoped to one agent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Client, Meeting, Salon, SalonInvite


class EventRepository:
    """Every query filters by ``agent_id``; ``get_salon`` of a foreign id returns None."""

    def __init__(self, session: Session, agent_id: int) -> None:
        self._session = session
        self.agent_id = agent_id

    # -- salons ----------------------------------------------------------------
    def add_salon(self, day: date, time: str, topic: str, tags: Sequence[str],
                  tiers: Sequence[str], now: datetime) -> Salon:
        salon = Salon(agent_id=self.agent_id, day=day, time=time, topic=topic, tags=list(tags),
                      tiers=list(tiers), created_at=now)
        self._session.add(salon)
        self._session.flush()
        return salon

    def get_salon(self, salon_id: int) -> Salon | None:
        salon = self._session.get(Salon, salon_id)
        if salon is None or salon.agent_id != self.agent_id:
            return None
        return salon

    def upcoming_salons(self, from_day: date, limit: int = 20) -> list[Salon]:
        query = (
            select(Salon)
            .where(Salon.agent_id == self.agent_id, Salon.day >= from_day)
            .order_by(Salon.day, Salon.time, Salon.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def candidates(self, tiers: Sequence[str]) -> list[Client]:
        """The agent's clients in ``tiers`` (all clients when empty), for invitee proposals."""
        query = select(Client).where(Client.agent_id == self.agent_id)
        if tiers:
            query = query.where(Client.tier.in_(list(tiers)))
        return list(self._session.scalars(query.order_by(Client.id)))

    # -- invitations -----------------------------------------------------------
    def invites(self, salon: Salon) -> list[SalonInvite]:
        self._own(salon)
        query = select(SalonInvite).where(SalonInvite.salon_id == salon.id)
        return list(self._session.scalars(query.order_by(SalonInvite.id)))

    def invitees(self, salon: Salon) -> list[tuple[SalonInvite, Client]]:
        """Invitations with their clients, in the order they were made."""
        self._own(salon)
        query = (
            select(SalonInvite, Client)
            .join(Client, Client.id == SalonInvite.client_id)
            .where(SalonInvite.salon_id == salon.id, Client.agent_id == self.agent_id)
            .order_by(SalonInvite.id)
        )
        return [(row[0], row[1]) for row in self._session.execute(query)]

    def set_invite(self, salon: Salon, client: Client, status: str,
                   now: datetime) -> SalonInvite:
        """Create or update the one invitation of ``client`` to ``salon``."""
        self._own(salon)
        if client.agent_id != self.agent_id:
            raise PermissionError("client belongs to another agent")
        invite = self._invite(salon.id, client.id)
        if invite is None:
            invite = SalonInvite(salon_id=salon.id, client_id=client.id, status=status,
                                 updated_at=now)
            try:
                with self._session.begin_nested():  # another process may insert it first
                    self._session.add(invite)
                    self._session.flush()
                return invite
            except IntegrityError:
                invite = self._invite(salon.id, client.id)
                if invite is None:
                    raise
        invite.status = status
        invite.updated_at = now
        return invite

    # -- meetings --------------------------------------------------------------
    def add_meeting(self, client: Client, at: datetime) -> Meeting:
        if client.agent_id != self.agent_id:
            raise PermissionError("client belongs to another agent")
        meeting = Meeting(agent_id=self.agent_id, client_id=client.id, at=at)
        self._session.add(meeting)
        self._session.flush()
        return meeting

    def meetings(self, client: Client) -> list[Meeting]:
        query = select(Meeting).where(Meeting.agent_id == self.agent_id,
                                      Meeting.client_id == client.id)
        return list(self._session.scalars(query.order_by(Meeting.at, Meeting.id)))

    # -- helpers ---------------------------------------------------------------
    def _own(self, salon: Salon) -> None:
        if salon.agent_id != self.agent_id:
            raise PermissionError("salon belongs to another agent")

    def _invite(self, salon_id: int, client_id: int) -> SalonInvite | None:
        query = select(SalonInvite).where(SalonInvite.salon_id == salon_id,
                                          SalonInvite.client_id == client_id)
        return self._session.scalar(query)
