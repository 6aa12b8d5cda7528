"""Nudges as the agent sees them: scoped by agent; done, snooze, today's list, digests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Agent, Identity, Nudge

PAUSED = "paused"


class NudgeRepository:
    def __init__(self, session: Session, agent_id: int) -> None:
        self._session = session
        self.agent_id = agent_id

    def get(self, nudge_id: int) -> Nudge | None:
        nudge = self._session.get(Nudge, nudge_id)
        return nudge if nudge is not None and nudge.agent_id == self.agent_id else None

    def open_until(self, day: date, limit: int = 50) -> list[Nudge]:
        query = (select(Nudge)
                 .where(Nudge.agent_id == self.agent_id, Nudge.status == "open",
                        Nudge.show_on <= day)
                 .order_by(Nudge.show_on, Nudge.id).limit(limit))
        return list(self._session.scalars(query))

    def for_digest(self, day: date, limit: int = 200) -> list[Nudge]:
        """Open nudges to show on ``day`` that no digest has listed since they became due."""
        query = (select(Nudge)
                 .where(Nudge.agent_id == self.agent_id, Nudge.status == "open",
                        Nudge.show_on <= day,
                        or_(Nudge.shown_on.is_(None), Nudge.shown_on < Nudge.show_on))
                 .order_by(Nudge.show_on, Nudge.id).limit(limit))
        return list(self._session.scalars(query))

    def mark_shown(self, nudges: list[Nudge], day: date) -> None:
        for nudge in nudges:
            nudge.shown_on = day

    def unmark_shown(self, days: list[date]) -> None:
        """The digests of ``days`` were withdrawn before being sent: their nudges go into
        the next one."""
        if days:
            self._session.execute(
                update(Nudge)
                .where(Nudge.agent_id == self.agent_id, Nudge.shown_on.in_(days))
                .values(shown_on=None)
                .execution_options(synchronize_session=False))

    def forget_subject(self, subject: str) -> None:
        """Delete every nudge about a deleted ``subject`` ("p:ID" a policy, "m:ID" a family
        member; a deleted client's go by the database's cascade)."""
        self._session.execute(
            delete(Nudge)
            .where(Nudge.agent_id == self.agent_id, Nudge.subject == subject)
            .execution_options(synchronize_session=False))

    def pause_subject(self, subject: str) -> None:
        """Hold back the open nudges about ``subject`` while it does not apply (a policy not in
        force). The sweep makes no new ones meanwhile."""
        self._set_status(subject, "open", PAUSED)

    def resume_subject(self, subject: str, today: date) -> None:
        """Let the held-back nudges about ``subject`` out again, snoozes kept; those whose day
        has passed meanwhile are dropped."""
        where = (Nudge.agent_id == self.agent_id, Nudge.subject == subject,
                 Nudge.status == PAUSED)
        self._session.execute(delete(Nudge).where(*where, Nudge.due_date < today)
                              .execution_options(synchronize_session=False))
        self._set_status(subject, PAUSED, "open")

    def _set_status(self, subject: str, before: str, after: str) -> None:
        self._session.execute(
            update(Nudge)
            .where(Nudge.agent_id == self.agent_id, Nudge.subject == subject,
                   Nudge.status == before)
            .values(status=after)
            .execution_options(synchronize_session=False))

    def close_followups(self, client_id: int) -> None:
        """A logged contact resets the follow-up clock: open follow-ups are no longer due."""
        self._session.execute(
            update(Nudge)
            .where(Nudge.agent_id == self.agent_id, Nudge.client_id == client_id,
                   Nudge.kind == "followup", Nudge.status == "open")
            .values(status="done")
            .execution_options(synchronize_session=False))


def agents_with_chats(session: Session) -> list[tuple[Agent, list[Identity]]]:
    """Every reachable agent with its chat identities (for building digests)."""
    agents = list(session.scalars(select(Agent).where(Agent.unreachable.is_(False))))
    identities = list(session.scalars(select(Identity)))
    by_agent: dict[int, list[Identity]] = {}
    for identity in identities:
        by_agent.setdefault(identity.agent_id, []).append(identity)
    return [(agent, by_agent.get(agent.id, [])) for agent in agents]
