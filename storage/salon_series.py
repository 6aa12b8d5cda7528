"""Recurring salons (每周二四六小沙) of one agent, and the occurrences they make."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.dialect import insert_ignoring_conflicts, insert_rows_ignoring_conflicts
from storage.models import Client, Salon, SalonInvite, SalonSeries


@dataclass(frozen=True)
class CandidateRow:
    """What proposing invitees needs of a client (a few columns, not the whole row)."""

    id: int
    name: str
    tier: str
    tags: list[str] | None
    last_contact_at: datetime | None


class SalonSeriesRepository:
    """Every query filters by ``agent_id``; ``get`` of a foreign id returns None."""

    def __init__(self, session: Session, agent_id: int) -> None:
        self._session = session
        self.agent_id = agent_id

    def add(self, weekdays: str, time: str, topic: str, tags: Sequence[str],
            tiers: Sequence[str], starts_on: date, now: datetime) -> SalonSeries:
        series = SalonSeries(agent_id=self.agent_id, weekdays=weekdays, time=time, topic=topic,
                             tags=list(tags), tiers=list(tiers), starts_on=starts_on,
                             created_at=now)
        self._session.add(series)
        self._session.flush()
        return series

    def get(self, series_id: int) -> SalonSeries | None:
        series = self._session.get(SalonSeries, series_id)
        if series is None or series.agent_id != self.agent_id:
            return None
        return series

    def active(self) -> list[SalonSeries]:
        query = select(SalonSeries).where(SalonSeries.agent_id == self.agent_id,
                                          SalonSeries.stopped_at.is_(None))
        return list(self._session.scalars(query.order_by(SalonSeries.id)))

    def stop(self, series: SalonSeries, now: datetime) -> None:
        self._own(series)
        series.stopped_at = now

    def occurrences(self, series: SalonSeries, from_day: date) -> list[Salon]:
        """The salons the series has made on ``from_day`` or later, soonest first."""
        self._own(series)
        query = select(Salon).where(Salon.series_id == series.id, Salon.day >= from_day)
        return list(self._session.scalars(query.order_by(Salon.day)))

    def days_made(self, series_ids: Iterable[int], first: date, last: date
                  ) -> set[tuple[int, date]]:
        """(series, day) of the occurrences already made in [first, last]."""
        query = select(Salon.series_id, Salon.day).where(
            Salon.agent_id == self.agent_id, Salon.series_id.in_(list(series_ids)),
            Salon.day >= first, Salon.day <= last)
        return {(row[0], row[1]) for row in self._session.execute(query)}

    def add_occurrence(self, series: SalonSeries, day: date, now: datetime) -> Salon | None:
        """The series' salon on ``day``, or None when it exists already (made here before, or
        by another process: the insert waits for that one's transaction and skips)."""
        self._own(series)
        values = {"agent_id": self.agent_id, "series_id": series.id, "day": day,
                  "time": series.time, "topic": series.topic, "tags": list(series.tags),
                  "tiers": list(series.tiers), "created_at": now}
        statement = insert_ignoring_conflicts(self._session, Salon, values).returning(
            Salon.__table__.c.id)
        salon_id = self._session.scalar(statement)
        return None if salon_id is None else self._session.get(Salon, salon_id)

    def recently_proposed(self, series: SalonSeries, since: date, before: date
                          ) -> dict[int, date]:
        """Client id → the latest day in [since, before) the series had them on its list."""
        self._own(series)
        query = (select(SalonInvite.client_id, func.max(Salon.day))
                 .join(Salon, Salon.id == SalonInvite.salon_id)
                 .where(Salon.series_id == series.id, Salon.day >= since, Salon.day < before)
                 .group_by(SalonInvite.client_id))
        return {row[0]: row[1] for row in self._session.execute(query)}

    def candidates(self, tiers: Sequence[str]) -> list[CandidateRow]:
        """The agent's clients in ``tiers`` (all clients when empty)."""
        query = select(Client.id, Client.name, Client.tier, Client.tags,
                       Client.last_contact_at).where(Client.agent_id == self.agent_id)
        if tiers:
            query = query.where(Client.tier.in_(list(tiers)))
        return [CandidateRow(*row) for row in self._session.execute(query.order_by(Client.id))]

    def propose(self, salon: Salon, client_ids: Sequence[int], now: datetime) -> None:
        """Put the agent's clients on a new occurrence's list as proposed (one statement)."""
        if salon.agent_id != self.agent_id:
            raise PermissionError("salon belongs to another agent")
        rows = [{"salon_id": salon.id, "client_id": client_id, "status": "proposed",
                 "updated_at": now} for client_id in client_ids]
        insert_rows_ignoring_conflicts(self._session, SalonInvite, rows)

    def _own(self, series: SalonSeries) -> None:
        if series.agent_id != self.agent_id:
            raise PermissionError("series belongs to another agent")
