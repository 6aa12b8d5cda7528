"""Agents, their chat identities and invite codes."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.dialect import insert_ignoring_conflicts
from storage.models import Agent, AgentSession, Identity, Invite, InviteAttempts


class IdentityTaken(Exception):
    """A chat account is already bound to another agent."""


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class AgentRepository:
    """Agents, their chat identities and invite codes (conversation state: ``conversations``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def by_name(self, name: str) -> Agent | None:
        return self._session.scalar(select(Agent).where(Agent.name == name))

    def get(self, agent_id: int) -> Agent | None:
        return self._session.get(Agent, agent_id)

    def all(self) -> list[Agent]:
        return list(self._session.scalars(select(Agent).order_by(Agent.id)))

    def add(self, name: str, now: datetime, timezone: str, is_leader: bool = False) -> Agent:
        """A new agent on ``timezone`` (the bot's configured zone, until they choose theirs)."""
        agent = Agent(name=name, is_leader=is_leader, created_at=now, timezone=timezone)
        self._session.add(agent)
        self._session.flush()
        return agent

    def by_identity(self, platform: str, external_id: str) -> Agent | None:
        """The agent a chat account is bound to, if any."""
        return self._session.scalar(
            select(Agent).join(Identity, Identity.agent_id == Agent.id).where(
                Identity.platform == platform, Identity.external_id == external_id))

    def identities(self, agent: Agent) -> list[Identity]:
        return list(self._session.scalars(select(Identity).where(Identity.agent_id == agent.id)))

    def bind(self, agent: Agent, platform: str, external_id: str, chat_id: str | None) -> None:
        existing = self._session.scalar(
            select(Identity).where(
                Identity.platform == platform, Identity.external_id == external_id
            )
        )
        if existing is None:
            self._session.add(
                Identity(
                    agent_id=agent.id, platform=platform, external_id=external_id, chat_id=chat_id
                )
            )
            # The account's messages so far were claimed apart (a stranger's): the agent's
            # list of message ids begins again, so that a redelivery of one is looked for there.
            self._session.execute(update(AgentSession).where(AgentSession.agent_id == agent.id)
                                  .values(recent_messages=None))
        elif existing.agent_id != agent.id:
            # moving it would hand this chat account another agent's archive
            raise IdentityTaken(f"{platform}:{external_id}")
        else:
            existing.chat_id = chat_id

    def unbind_all(self, agent: Agent) -> list[str]:
        """Unbind every chat account of the agent (``platform:id`` of each is returned): none
        of them reaches the agent's archive any more."""
        bound = [f"{i.platform}:{i.external_id}" for i in self.identities(agent)]
        self._session.execute(delete(Identity).where(Identity.agent_id == agent.id)
                              .execution_options(synchronize_session="fetch"))
        return bound

    # -- invites -----------------------------------------------------------------
    def add_invite(self, code: str, now: datetime, expires_at: datetime, is_leader: bool) -> None:
        self._session.add(
            Invite(
                code_hash=hash_code(code), created_at=now, expires_at=expires_at,
                is_leader=is_leader,
            )
        )

    def redeem_invite(self, code: str, now: datetime) -> Invite | None:
        """Mark an unused, unexpired code as used (atomically); None when it is not valid."""
        result = self._session.execute(
            update(Invite)
            .where(
                Invite.code_hash == hash_code(code),
                Invite.used_at.is_(None),
                Invite.expires_at > now,
            )
            .values(used_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self._session.get(Invite, hash_code(code))

    def revoke_invites(self, now: datetime, codes: list[str] | None = None) -> int:
        """Withdraw unused, unexpired invites (those with ``codes``, or all): they expire now.
        Returns how many were withdrawn."""
        query = update(Invite).where(Invite.used_at.is_(None), Invite.expires_at > now)
        if codes is not None:
            query = query.where(Invite.code_hash.in_([hash_code(code) for code in codes]))
        result = self._session.execute(query.values(expires_at=now))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # -- wrong codes ---------------------------------------------------------------
    def invites_paused(self, platform: str, external_id: str, now: datetime) -> bool:
        """Whether codes from this chat account are not being checked (too many were wrong)."""
        attempts = self.stranger(platform, external_id)
        return bool(attempts and attempts.blocked_until and attempts.blocked_until > now)

    def refusal_due(self, platform: str, external_id: str, now: datetime,
                    every: timedelta) -> bool:
        """Whether to tell this unknown account (again) that the bot is for agents only: at
        most once every ``every``; True records that it is being told now."""
        attempts = self._attempts(platform, external_id, now)
        if attempts.refused_at is not None and attempts.refused_at > now - every:
            return False
        attempts.refused_at = now
        return True

    def forget_strangers(self, before: datetime) -> int:
        """Forget unknown accounts last heard of before ``before`` whose pause has ended;
        returns how many."""
        result = self._session.execute(
            delete(InviteAttempts)
            .where(InviteAttempts.window_start < before,
                   or_(InviteAttempts.refused_at.is_(None), InviteAttempts.refused_at < before),
                   or_(InviteAttempts.blocked_until.is_(None),
                       InviteAttempts.blocked_until < before))
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _attempts(self, platform: str, external_id: str, now: datetime) -> InviteAttempts:
        attempts = self.stranger(platform, external_id)
        if attempts is None:  # another process may add the same account's row meanwhile
            self._session.execute(insert_ignoring_conflicts(self._session, InviteAttempts, {
                "platform": platform, "external_id": external_id, "window_start": now,
                "failures": 0}))
            attempts = self.stranger(platform, external_id)
            assert attempts is not None
        return attempts

    def stranger(self, platform: str, external_id: str) -> InviteAttempts | None:
        """What is kept of an unknown chat account (wrong codes, last refusal), if anything."""
        return self._session.get(InviteAttempts, (platform, external_id))

    def invite_failed(self, platform: str, external_id: str, now: datetime, limit: int,
                      window: timedelta) -> bool:
        """Count a wrong code; True when it is the ``limit``-th within ``window``: codes from
        this account are then not checked for another ``window``."""
        attempts = self._attempts(platform, external_id, now)
        if attempts.window_start <= now - window:
            attempts.window_start, attempts.failures = now, 0
        attempts.failures += 1
        if attempts.failures < limit:
            return False
        attempts.blocked_until, attempts.window_start, attempts.failures = now + window, now, 0
        return True
