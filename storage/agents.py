"""Agents, their chat identities, invite codes and conversation sessions."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from storage.crypto import FieldCipher
from storage.models import Agent, AgentSession, Identity, Invite

# Built once: these run on every incoming message.
_BY_IDENTITY = (
    select(Agent)
    .join(Identity)
    .where(Identity.platform == bindparam("platform"),
           Identity.external_id == bindparam("external_id"))
)
_WITH_SESSION = (
    select(Agent, AgentSession)
    .join(Identity, Identity.agent_id == Agent.id)
    .outerjoin(AgentSession, AgentSession.agent_id == Agent.id)
    .where(Identity.platform == bindparam("platform"),
           Identity.external_id == bindparam("external_id"))
)
_SESSIONS = AgentSession.__table__  # Core: skips the ORM's bulk-update bookkeeping
_SAVE_SESSION = (
    update(_SESSIONS)
    .where(_SESSIONS.c.agent_id == bindparam("b_agent_id"),
           _SESSIONS.c.version == bindparam("b_old_version"))
    .values(draft=bindparam("b_draft"), options=bindparam("b_options"),
            version=bindparam("b_new_version"))
)


class IdentityTaken(Exception):
    """A chat account is already bound to another agent."""


class ConcurrentUpdate(Exception):
    """Another process changed the agent's session since we read it."""


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class AgentRepository:
    """Agents, identities, invites and conversation state. The draft is client data (a phone
    number typed a minute ago, say), so it is stored encrypted."""

    def __init__(self, session: Session, cipher: FieldCipher) -> None:
        self._session = session
        self._cipher = cipher

    def draft_of(self, state: AgentSession) -> dict[str, Any] | None:
        """The decrypted conversation draft."""
        if not state.draft:
            return None
        if "enc" not in state.draft:
            return state.draft  # written before drafts were encrypted
        return json.loads(self._cipher.decrypt(state.draft["enc"]))

    def by_name(self, name: str) -> Agent | None:
        return self._session.scalar(select(Agent).where(Agent.name == name))

    def get(self, agent_id: int) -> Agent | None:
        return self._session.get(Agent, agent_id)

    def all(self) -> list[Agent]:
        return list(self._session.scalars(select(Agent).order_by(Agent.id)))

    def add(self, name: str, now: datetime, is_leader: bool = False) -> Agent:
        agent = Agent(name=name, is_leader=is_leader, created_at=now)
        self._session.add(agent)
        self._session.flush()
        return agent

    def by_identity(self, platform: str, external_id: str) -> Agent | None:
        return self._session.scalar(_BY_IDENTITY,
                                    {"platform": platform, "external_id": external_id})

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
        elif existing.agent_id != agent.id:
            # moving it would hand this chat account another agent's archive
            raise IdentityTaken(f"{platform}:{external_id}")
        else:
            existing.chat_id = chat_id

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

    def with_session(self, platform: str, external_id: str
                     ) -> tuple[Agent, AgentSession] | None:
        """The agent behind a chat identity and its conversation state, in one query."""
        row = self._session.execute(
            _WITH_SESSION, {"platform": platform, "external_id": external_id}).first()
        if row is None:
            return None
        agent, state = row
        return agent, state if state is not None else self.load_session(agent.id)

    # -- conversation state ------------------------------------------------------
    def load_session(self, agent_id: int) -> AgentSession:
        state = self._session.get(AgentSession, agent_id)
        if state is None:
            state = AgentSession(agent_id=agent_id, draft=None, options=[], version=0)
            self._session.add(state)
            self._session.flush()
        return state

    def offer_options(self, agent_id: int, values: list[str]) -> None:
        """A push just offered these options: a bare number in the next message picks one —
        unless a form or question is open, whose numbered answers must not change meaning."""
        state = self.load_session(agent_id)
        if state.draft:
            return
        self.save_session(state, None, values)

    def save_session(
        self, state: AgentSession, draft: dict[str, Any] | None, options: list[str]
    ) -> None:
        """Write the state back, guarded by its version (optimistic lock across processes)."""
        stored = ({"enc": self._cipher.encrypt(json.dumps(draft, ensure_ascii=False))}
                  if draft else None)
        result = self._session.execute(_SAVE_SESSION, {
            "b_agent_id": state.agent_id, "b_old_version": state.version, "b_draft": stored,
            "b_options": options, "b_new_version": state.version + 1})
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(state.agent_id)
        self._session.expire(state)
