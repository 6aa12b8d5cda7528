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

A conversation is kept parsed (the draft, the message ids), not as the JSON written: parsing
it again cost a tenth of a typical message inside a round trip, where every message runs with
the CPU caches emptied. So it is handed out once: ``get`` takes it out of the cache (the
message may change the draft it holds), and the commit that saves it puts it back. A message
that commits without saving (a group's, a refusal) leaves the next one to read the row.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from storage.conversation_state import AgentInfo, Conversation, Offered

Identity = tuple[str, str]  # (platform, external id)
MAX_AGENTS = 1_000


class _Entry(NamedTuple):
    agent: AgentInfo
    version: int
    options: list[Offered]
    draft: dict[str, Any] | None
    recent: str | None
    recent_ids: list[str] | None


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
        """The conversation kept for ``identity``'s agent, taken out of the cache: the caller
        owns it (and what it holds) now."""
        agent_id = self._agent_of.get(identity)
        entry = None if agent_id is None else self._states.pop(agent_id, None)
        if entry is None:
            return None
        return Conversation(entry.agent, entry.version, entry.draft, entry.options, entry.recent,
                            entry.recent_ids)

    def put(self, identity: Identity, agent: AgentInfo, version: int, options: list[Offered],
            draft: dict[str, Any] | None, recent: str | None = None,
            recent_ids: list[str] | None = None) -> None:
        """After the commit that wrote this state; the cache owns ``draft`` and ``recent_ids``
        from now on (the unit of work that wrote them has ended)."""
        if len(self._states) >= MAX_AGENTS and agent.id not in self._states:
            self.clear()  # a bound on memory (drafts are client data); refilled as they write
        self._agent_of[identity] = agent.id
        self._states[agent.id] = _Entry(agent, version, list(options), draft, recent,
                                       recent_ids)

    def clear(self) -> None:
        self._agent_of.clear()
        self._states.clear()
