"""The agent behind a chat account and its conversation state: the statements every message runs.

Every incoming message claims its id, reads the agent and the conversation, and writes the
conversation back, inside the unit of work's transaction. These few statements run in the
driver's own SQL on the transaction's connection: through the ORM they cost ten times as much
as the rest of a typical message (an answer to a form question), and that time is the agent's
wait for every reply. The rows and their meaning are the ORM models' (``ProcessedMessage``,
``Agent``, ``Identity``, ``AgentSession``); the draft is client data (a phone number typed a
minute ago), so it is stored sealed (AES-GCM, bound to its agent), as bytes in ``sealed``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection

from storage.conversation_cache import ConversationCache, Identity
from storage.conversation_state import AgentInfo, Conversation, Offered
from storage.crypto import FieldCipher

__all__ = ["AgentInfo", "ConcurrentUpdate", "Conversation", "ConversationStore", "Statements"]


class ConcurrentUpdate(Exception):
    """Another process changed the agent's conversation since we read it."""


_AGENT_COLUMNS = (
    "a.id, a.name, a.is_leader, a.timezone, a.digest_hour, a.quiet_start, a.quiet_end, "
    "a.unreachable, s.version, s.sealed, s.draft, s.options, s.recent_messages"
)
# How many of an agent's latest message ids the conversation row keeps: more than a channel
# redelivers of one agent after a reconnect or a restart (the messages in flight then).
RECENT_KEPT = 50


class Statements:
    """The SQL texts and parameter conversions of one database dialect, built once."""

    def __init__(self, dialect: Dialect) -> None:
        postgres = dialect.name == "postgresql"
        mark = "%s" if postgres else "?"
        as_json = f"{mark}::json" if postgres else mark
        same = "IS NOT DISTINCT FROM" if postgres else "IS"  # equal, NULL to NULL too

        def sql(text: str) -> str:
            return text.replace("?", mark).replace("<json>", as_json).replace("<same>", same)

        self.claim = sql(
            "INSERT INTO processed_messages (platform, message_id, at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING RETURNING message_id")
        self.claimed = sql(
            "SELECT 1 FROM processed_messages WHERE platform = ? AND message_id = ?")
        # SQLite only: there every unit of work writes under BEGIN IMMEDIATE, so a redelivery
        # racing into another process reads the row after the first commit. On PostgreSQL it
        # would run the whole message before losing at the write (and could use up the
        # retries); the claim's insert there waits for the first to commit instead.
        self.ids_in_rows = not postgres
        self.by_identity = sql(
            f"SELECT {_AGENT_COLUMNS} FROM identities i JOIN agents a ON a.id = i.agent_id "
            "LEFT JOIN agent_sessions s ON s.agent_id = a.id "
            "WHERE i.platform = ? AND i.external_id = ?")
        self.by_agent = sql(
            f"SELECT {_AGENT_COLUMNS} FROM agents a "
            "LEFT JOIN agent_sessions s ON s.agent_id = a.id WHERE a.id = ?")
        # Guarded by the version and the message ids read: an optimistic lock across processes.
        self.update = sql(
            "UPDATE agent_sessions SET sealed = ?, draft = NULL, options = <json>, version = ?, "
            "recent_messages = ? WHERE agent_id = ? AND version = ? AND recent_messages <same> ?")
        self.insert = sql(
            "INSERT INTO agent_sessions (agent_id, sealed, options, version, recent_messages) "
            "VALUES (?, ?, <json>, 1, ?) ON CONFLICT DO NOTHING")
        self.remember = sql(
            "UPDATE agent_sessions SET recent_messages = ? "
            "WHERE agent_id = ? AND version = ? AND recent_messages = ?")
        self.reachable = sql("UPDATE agents SET unreachable = ? WHERE id = ?")
        self.forget = sql("DELETE FROM processed_messages WHERE at < ?")
        # Datetimes as the ORM stores them (SQLite: text in SQLAlchemy's format).
        processor = DateTime().dialect_impl(dialect).bind_processor(dialect)
        self.timestamp: Callable[[datetime], Any] = processor or (lambda value: value)


def _dumps(value: object) -> bytes:
    # orjson refuses what it could not read back exactly (an integer beyond 64 bits, say); the
    # field parsers bound every number far below that.
    return orjson.dumps(value)


def _json(value: object) -> str | None:
    return None if value is None else _dumps(value).decode()


def _parsed(value: Any) -> Any:
    """A JSON column as read by the driver: text on SQLite, already parsed on PostgreSQL."""
    return orjson.loads(value) if isinstance(value, str) else value


def _ids(conversation: Conversation) -> list[str]:
    """The message ids its row keeps (``recent`` is not None); the caller must not change the
    list."""
    if conversation.recent_ids is not None:
        return conversation.recent_ids
    return orjson.loads(conversation.recent)  # type: ignore[arg-type,no-any-return]


def bound_to(agent_id: int) -> bytes:
    return f"draft:{agent_id}".encode()


class ConversationStore:
    """Message ids, agent lookups and conversation state, in the unit of work's transaction
    (``driver()`` returns the driver's connection, with the transaction begun)."""

    def __init__(self, driver: Callable[[], DBAPIConnection], cipher: FieldCipher,
                 statements: Statements, cache: ConversationCache | None = None) -> None:
        """``cache``: the connection's (the event loop's); the unit of work reports its end
        (``committed`` / ``abandoned``)."""
        self._driver = driver
        self._cipher = cipher
        self._sql = statements
        self._cache = cache
        self._read: tuple[Identity, int] | None = None  # by identity: (identity, agent id)
        # As written: agent, version, options, the draft, the message ids (as stored, parsed).
        self._saved: tuple[AgentInfo, int, list[Offered], dict[str, Any] | None, str | None,
                           list[str] | None] | None = None
        # The message claimed in its agent's row, not written there yet (see claim_message),
        # with the ids the row keeps (as read, parsed once).
        self._message: tuple[Conversation, str, list[str]] | None = None
        self._untracked = False  # this transaction wrote something the cache does not follow
        self._shared = False  # an ORM session writes in this unit's transactions too

    def _run(self, sql: str, params: tuple[Any, ...]) -> tuple[tuple[Any, ...] | None, int]:
        """Execute one statement: its first row (if it returns rows) and its row count."""
        cursor = self._driver().cursor()
        try:
            cursor.execute(sql, params)
            return (cursor.fetchone() if cursor.description else None), cursor.rowcount
        finally:
            cursor.close()

    def claim_message(self, platform: str, message_id: str, now: datetime,
                      conversation: Conversation | None = None) -> bool:
        """Claim a platform message id; False when it was handled before (a redelivery).

        ``conversation``: the agent's, as just read, for a message in their direct chat. On
        SQLite its row, written on every such message anyway, keeps the ids of the agent's
        latest messages (``RECENT_KEPT``); the claim is added there by ``save``, or before the
        commit. That spares a random page of a second B-tree on every message. Other messages
        (a stranger's, a group's, any on PostgreSQL) are claimed in processed_messages, kept a
        week, and so is an agent's first since the row's list began (NULL: after the upgrade,
        or a chat account bound since). Until the list is full, an id missing from it is looked
        for there too: one claimed before the list began (the registration, say)."""
        key = f"{platform}:{message_id}"
        row_of = conversation if self._sql.ids_in_rows else None
        if row_of is not None and row_of.recent is not None:
            kept = _ids(row_of)
            if key in kept:
                return False
            if len(kept) < RECENT_KEPT and self._run(self._sql.claimed,
                                                     (platform, message_id))[0] is not None:
                return False
            self._message = (row_of, key, kept)
            return True
        row, _ = self._run(self._sql.claim, (platform, message_id, self._sql.timestamp(now)))
        if row is None:
            return False
        if row_of is not None:  # the row begins its list when it is saved
            self._message = (row_of, key, [])
        return True

    def forget_messages(self, before: datetime) -> int:
        """Forget the ids of messages claimed before ``before`` (past any redelivery); returns
        how many."""
        return self._run(self._sql.forget, (self._sql.timestamp(before),))[1]

    def by_identity(self, platform: str, external_id: str) -> Conversation | None:
        """The agent behind a chat account and its conversation, in one query (or none, when
        the cache still holds what this connection wrote)."""
        identity = (platform, external_id)
        conversation = None
        if self._cache is not None and self._saved is None and not self._untracked \
                and not self._shared:
            self._cache.validate(self._driver())
            conversation = self._cache.get(identity)
        if conversation is None:
            conversation = self._conversation(self._run(self._sql.by_identity, identity)[0])
        if conversation is not None:
            self._read = (identity, conversation.agent.id)
        return conversation

    def by_agent(self, agent_id: int) -> Conversation | None:
        return self._conversation(self._run(self._sql.by_agent, (agent_id,))[0])

    def save(self, conversation: Conversation, draft: dict[str, Any] | None,
             options: list[Offered]) -> None:
        """Write the state back, guarded by the version read (an optimistic lock across
        processes): ``ConcurrentUpdate`` when another process wrote it in between."""
        agent_id, version = conversation.agent.id, conversation.version
        draft_json = _dumps(draft) if draft else None
        sealed = self._cipher.seal(draft_json, bound_to(agent_id)) if draft_json else None
        recent, recent_ids = self._recent_after(conversation)
        if version is None:
            _, written = self._run(self._sql.insert, (agent_id, sealed, _json(options), recent))
        else:
            _, written = self._run(self._sql.update, (
                sealed, _json(options), version + 1, recent, agent_id, version,
                conversation.recent))
        if written != 1:
            raise ConcurrentUpdate(agent_id)
        if self._read is None or self._read[1] != agent_id:
            self._untracked = True
        self._saved = (conversation.agent, (version or 0) + 1, options, draft or None, recent,
                       recent_ids)

    def _recent_after(self, conversation: Conversation) -> tuple[str | None, list[str] | None]:
        """The message ids ``conversation``'s row keeps once written (as stored, and parsed if
        known): with the message claimed for its agent (then no longer pending)."""
        if self._message is None or self._message[0].agent.id != conversation.agent.id:
            return conversation.recent, conversation.recent_ids
        claimed_in, key, kept = self._message
        self._message = None
        if conversation.recent is not claimed_in.recent:  # read again since the claim
            kept = _ids(conversation) if conversation.recent is not None else []
        ids = [*kept[-(RECENT_KEPT - 1):], key]
        return _json(ids), ids

    def before_commit(self) -> None:
        """Add the message claimed in its agent's row, if nothing saved the row (an answer that
        leaves the state as it was); the version stays, so the options offered still stand."""
        if self._message is None:
            return
        conversation = self._message[0]
        if conversation.recent is None:  # claimed in processed_messages
            self._message = None
            return
        recent, _ = self._recent_after(conversation)
        _, written = self._run(self._sql.remember, (recent, conversation.agent.id,
                                                    conversation.version, conversation.recent))
        if written != 1:
            raise ConcurrentUpdate(conversation.agent.id)
        self._untracked = True  # rare (a note, a refusal): the next message reads the row

    def offer_options(self, agent_id: int, values: list[Offered]) -> None:
        """A push just offered these options: a bare number in the next message picks one —
        unless a form or question is open, whose numbered answers must not change meaning."""
        conversation = self.by_agent(agent_id)
        if conversation is None or conversation.draft:
            return
        self.save(conversation, None, values)

    def mark_reachable(self, agent_id: int) -> None:
        """They wrote to us: pushes can reach them again."""
        self._untracked = True
        self._run(self._sql.reachable, (False, agent_id))

    def shared(self) -> None:
        """An ORM session joined the unit's transactions: what it writes is not followed."""
        self._shared = True

    def committed(self) -> None:
        """The unit of work committed: the cache learns what was written, or forgets all."""
        if self._cache is not None:
            if self._untracked or self._shared:
                self._cache.clear()
            elif self._saved is not None and self._read is not None:
                self._cache.put(self._read[0], *self._saved)
        self._end_transaction()

    def abandoned(self) -> None:
        """The unit of work rolled back, or its commit failed."""
        if self._cache is not None:
            self._cache.clear()
        self._end_transaction()

    def _end_transaction(self) -> None:
        self._read = self._saved = self._message = None
        self._untracked = False

    def _conversation(self, row: tuple[Any, ...] | None) -> Conversation | None:
        if row is None:
            return None
        (agent_id, name, is_leader, timezone, digest_hour, quiet_start, quiet_end, unreachable,
         version, sealed, stored, options, recent) = row
        agent = AgentInfo(agent_id, name, bool(is_leader), timezone, digest_hour, quiet_start,
                          quiet_end, bool(unreachable))
        if sealed is not None:
            draft = orjson.loads(self._cipher.open(bytes(sealed), bound_to(agent_id)))
        else:
            draft = self._earlier_draft(agent_id, _parsed(stored))
        return Conversation(agent, version, draft, list(_parsed(options) or []), recent)

    def _earlier_draft(self, agent_id: int, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """A draft as earlier versions wrote it into the JSON column ``draft``."""
        if not stored:
            return None
        if "sealed" in stored:  # AES-GCM, base64
            sealed = base64.urlsafe_b64decode(stored["sealed"])
            return orjson.loads(self._cipher.open(sealed, bound_to(agent_id)))  # type: ignore[no-any-return]
        if "enc" in stored:  # Fernet
            return json.loads(self._cipher.decrypt(stored["enc"]))  # type: ignore[no-any-return]
        return stored  # written before drafts were encrypted
