"""What one message knows of its agent and conversation, as read (or kept) for it."""

from __future__ import annotations

from typing import Any, NamedTuple

Offered = str | list[str]  # an option offered last: its value, or [label, value]


class AgentInfo(NamedTuple):
    """An agent as one message sees it (change settings through ``AgentRepository``). A named
    tuple: made on every message, where a frozen dataclass costs three times as much."""

    id: int
    name: str
    is_leader: bool
    timezone: str
    digest_hour: int
    quiet_start: int
    quiet_end: int
    unreachable: bool


class Conversation(NamedTuple):
    """The agent and the conversation state as read; ``version`` None: no state row yet.
    ``recent``: the ids of the agent's latest messages, as stored (a JSON list of
    "platform:id"); None while the row keeps none (see ``ConversationStore.claim_message``).
    ``recent_ids``: the same list parsed, when it was kept so (the loop's cache)."""

    agent: AgentInfo
    version: int | None
    draft: dict[str, Any] | None
    options: list[Offered]
    recent: str | None = None
    recent_ids: list[str] | None = None
