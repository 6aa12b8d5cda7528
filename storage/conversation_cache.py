"""The conversations one SQLite connection last wrote, kept while no other connection commits.

Every message reads its agent and conversation, and writes the conversation back. On the event
loop's connection (storage/loop_connection.py) the read can mostly be skipped: SQLite's
``PRAGMA data_version`` changes whenever another connection (a worker thread, the scheduler,
another process) commits. Checked inside the write transaction, an unchanged value means the
rows are still as this connection's last commit left them, so the conversation it wrote then is
the one it would read now; without the cache that read (a three-table join, and opening the
sealed draft) is a third of the statements' time of a typical message.

What the connection itself writes other than through ``ConversationStore.save`` (an ORM
session, an agent's flag) is not followed: the cache is emptied then. Within a transaction
only its first read may come from the cache, before anything is written.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from storage.conversation_state import AgentInfo, Conversation, Offered

Identity = tuple[str, str]  # (platform, external id)
MAX_AGENTS = 1_000


class _Entry(NamedTuple):
    agent: AgentInfo
    version: int
    options: list[Offered]
    draft_json: bytes | None  # the draft kept as JSON, so no caller shares it
    recent: str | None


class ConversationCache:
    """Each agent's conversation as last committed by this connection, and which identities
    (chat accounts) lead to the agent: an agent writing from one account and then from
    another finds the state written through the first."""

    def __init__(self) -> None:
        self._data_version: int | None = None
        self._agent_of: dict[Identity, int] = {}
        self._states: dict[int, _Entry] = {}

    def validate(self, driver: Any) -> None:
        """Inside the write transaction: forget everything if another connection committed
        since the last check."""
        version = driver.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self.clear()
            self._data_version = version

    def get(self, identity: Identity) -> Conversation | None:
        agent_id = self._agent_of.get(identity)
        entry = None if agent_id is None else self._states.get(agent_id)
        if entry is None:
            return None
        draft = None if entry.draft_json is None else orjson.loads(entry.draft_json)
        return Conversation(entry.agent, entry.version, draft, list(entry.options), entry.recent)

    def put(self, identity: Identity, agent: AgentInfo, version: int, options: list[Offered],
            draft_json: bytes | None, recent: str | None = None) -> None:
        """After the commit that wrote this state (the draft as ``draft_json``)."""
        if len(self._states) >= MAX_AGENTS and agent.id not in self._states:
            self.clear()  # a bound on memory (drafts are client data); refilled as they write
        self._agent_of[identity] = agent.id
        self._states[agent.id] = _Entry(agent, version, list(options), draft_json, recent)

    def clear(self) -> None:
        self._agent_of.clear()
        self._states.clear()
