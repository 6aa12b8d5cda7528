"""The outbox: pushes enqueued exactly once, claimed atomically, marked after sending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from storage.dialect import insert_ignoring_conflicts
from storage.models import Agent, Identity, OutboxMessage

DIGEST = "digest"
WITHDRAWN = "withdrawn"  # held back before sending; a digest may be refilled and let out
FOLDED = "folded"  # a digest that could only have gone out after its day: the next one lists it
DIGEST_LOCK = 0x6469  # the first key of the advisory locks that hold one agent's digests
# How long a claimed row is its sender's: after that it is due again (a crashed sender).
SEND_LEASE = timedelta(minutes=5)


def digest_key(agent_id: int, day: date) -> str:
    """The dedupe key of an agent's digest of one local day: one a day."""
    return f"{DIGEST}:{agent_id}:{day.isoformat()}"


def digest_day(dedupe_key: str) -> date:
    """The day of a digest's key (``digest_key``'s inverse)."""
    return date.fromisoformat(dedupe_key.rsplit(":", 1)[1])


def record_push_key(meeting_id: int) -> str:
    """The dedupe key of the record-it-now push after a meeting."""
    return f"record:{meeting_id}"


class Outbox:
    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue(self, dedupe_key: str, agent_id: int, platform: str, chat_id: str, kind: str,
                payload: list[dict[str, Any]], now: datetime,
                not_before: datetime | None = None) -> bool:
        """Add a push unless one with the same key exists; True when it was added."""
        statement = insert_ignoring_conflicts(self._session, OutboxMessage, {
            "dedupe_key": dedupe_key, "agent_id": agent_id, "platform": platform,
            "chat_id": chat_id, "kind": kind, "payload": payload, "status": "pending",
            "attempts": 0, "next_attempt_at": not_before or now, "created_at": now,
        })
        returning = statement.returning(OutboxMessage.__table__.c.id)
        return self._session.execute(returning).first() is not None

    def hold_digests(self, agent_id: int) -> None:
        """Until this transaction ends, no other builds or withdraws the agent's digest.

        Taken before reading the reminders a digest lists, and before changing them to
        withdraw one: otherwise, on PostgreSQL, a digest built from reminders read just before
        a deletion commits could be enqueued just after it, naming what was deleted. SQLite
        runs one writer at a time already."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(select(func.pg_advisory_xact_lock(DIGEST_LOCK, agent_id)))

    def fold_past_digests(self, agent_id: int, day: date) -> list[date]:
        """The agent's digests of days before ``day`` still waiting (no process sent them on
        their day): folded, as ``fold_into_next_digest``; their days, for
        ``NudgeRepository.unmark_shown``. Call under ``hold_digests``."""
        folded = self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.agent_id == agent_id, OutboxMessage.kind == DIGEST,
                   OutboxMessage.status == "pending",
                   # the agent's keys differ only in their ISO day, which sorts by date
                   OutboxMessage.dedupe_key < digest_key(agent_id, day))
            .values(status=FOLDED, payload=[])
            .returning(OutboxMessage.dedupe_key)
            .execution_options(synchronize_session=False)).scalars().all()
        return [digest_day(key) for key in folded]

    def withdraw_queued(self, agent_id: int, keys: Sequence[str] = ()) -> list[date]:
        """Hold back the agent's pushes still waiting (not being sent, not sent): every
        digest, and the rows with ``keys``. Returns the days of the digests withheld, to be
        built again (``refill``) from what is left; each keeps its key (one digest a day) and
        its place in the retry schedule (a daily cap, a flood wait)."""
        withdrawn = self._withdraw(agent_id, or_(OutboxMessage.kind == DIGEST,
                                                 OutboxMessage.dedupe_key.in_(list(keys))))
        return [digest_day(key) for kind, key in withdrawn if kind == DIGEST]

    def withdraw_waiting(self, agent_id: int) -> int:
        """Hold back every push of the agent still waiting (its access was taken away)."""
        return len(self._withdraw(agent_id))

    def _withdraw(self, agent_id: int, *where: Any) -> list[tuple[str, str]]:
        """(kind, key) of the agent's waiting pushes (matching ``where``) now withdrawn. A row
        claimed for sending counts as waiting: its sender checks before it sends
        (``renew_claim``), and a send already under way that fails is not retried as it was."""
        withdrawn = self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.agent_id == agent_id,
                   OutboxMessage.status.in_(("pending", "sending")), *where)
            # what it said may name the deleted; a row claimed keeps the time of its claim
            # (its sender may be sending it: see ``refill``)
            .values(status=WITHDRAWN, payload=[],
                    claimed_at=case((OutboxMessage.status == "sending",
                                     OutboxMessage.claimed_at), else_=None))
            .returning(OutboxMessage.kind, OutboxMessage.dedupe_key)
            .execution_options(synchronize_session=False)).all()
        return [(kind, key) for kind, key in withdrawn]

    def status_of(self, dedupe_key: str) -> str | None:
        """The status of the push with this key, None when there is none."""
        return self._session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.dedupe_key == dedupe_key))

    def refill(self, dedupe_key: str, payload: list[dict[str, Any]], platform: str,
               chat_id: str, now: datetime) -> bool:
        """Let a withdrawn push out again with new content, to the agent's chat now (the one
        it was made for may have been unbound meanwhile); its attempts and next attempt kept.
        False when it is not withdrawn (another process refilled it first), or when it was
        withdrawn while a sender held it, which may be sending it right now: its sender lets
        it go if it did not (``let_go_unsent``), else it is refilled after the lease."""
        refilled = self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == WITHDRAWN,
                   or_(OutboxMessage.claimed_at.is_(None),
                       OutboxMessage.claimed_at < now - SEND_LEASE))
            .values(status="pending", payload=payload, parts_sent=0, platform=platform,
                    chat_id=chat_id)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)).first()
        return refilled is not None

    def claim(self, platforms: list[str], now: datetime, limit: int,
              lease: timedelta) -> list[OutboxMessage]:
        """Mark up to ``limit`` due rows as sending and return them. Rows left in "sending"
        longer than ``lease`` (a crashed sender) are due again, that attempt counted."""
        due = or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - lease),
        )
        candidates = (select(OutboxMessage.id)
                      .where(OutboxMessage.platform.in_(platforms), due)
                      .order_by(OutboxMessage.id).limit(limit))
        if self._session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(self._session.scalars(candidates))
        if not ids:
            return []
        # The conditional update is the claim on SQLite (writers are serialised by
        # BEGIN IMMEDIATE); on PostgreSQL the rows are already locked by SKIP LOCKED.
        claimed = self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), due)
            .values(status="sending", claimed_at=now,
                    attempts=case((OutboxMessage.status == "sending",
                                   OutboxMessage.attempts + 1), else_=OutboxMessage.attempts))
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).scalars().all()
        query = select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(
            OutboxMessage.id)
        return list(self._session.scalars(query.execution_options(populate_existing=True)))

    def renew_claim(self, message: OutboxMessage, now: datetime) -> bool:
        """Just before sending a claimed row: extend its lease, or False when it is no longer
        this sender's (withdrawn, refilled, or claimed again by another process after the
        lease ran out while it waited its turn). Updates ``message.claimed_at``."""
        renewed = self._session.execute(
            update(OutboxMessage)
            .where(*self._still_claimed(message))
            .values(claimed_at=now)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)).first()
        if renewed is not None:
            message.claimed_at = now
        return renewed is not None

    def let_go_unsent(self, message: OutboxMessage) -> None:
        """A row withdrawn while this sender held it, and not sent: it may be refilled now."""
        self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.status == WITHDRAWN,
                   OutboxMessage.claimed_at == message.claimed_at)
            .values(claimed_at=None)
            .execution_options(synchronize_session=False))

    def withdraw_unbound(self, message: OutboxMessage) -> bool:
        """Before sending a claimed row: withdraw it (its content blanked) when no chat
        account of its agent leads to its chat any more (access taken away, or the account
        bound to another agent); whether it was."""
        bound = select(Identity.id).where(
            Identity.agent_id == message.agent_id, Identity.platform == message.platform,
            func.coalesce(Identity.chat_id, Identity.external_id) == message.chat_id)
        if self._session.scalar(bound.limit(1)) is not None:
            return False
        # withdrawn by its own sender, which will not send it: no claim to wait out
        self._set(message.id, status=WITHDRAWN, payload=[], claimed_at=None)
        return True

    def mark_sent(self, message_id: int, now: datetime) -> None:
        """Sent: what it said is in the chat now, and not kept here (it may name a client
        deleted later)."""
        self._set(message_id, status="sent", sent_at=now, last_error=None, payload=[])

    def retry_later(self, message: OutboxMessage, at: datetime, error: str,
                    count: bool, parts_sent: int = 0,
                    payload: list[dict[str, Any]] | None = None) -> bool:
        """Schedule another attempt of a row this sender still holds, which skips the
        ``parts_sent`` platform messages already delivered of its ``payload`` (when given: what
        was sent, which the retry must split the same way); False when it no longer holds it
        (withdrawn or refilled meanwhile: not retried with what it said)."""
        values: dict[str, Any] = {"status": "pending", "next_attempt_at": at, "claimed_at": None,
                                  "last_error": error[:500], "parts_sent": parts_sent}
        if payload is not None:
            values["payload"] = payload
        if count:
            values["attempts"] = OutboxMessage.attempts + 1
        return self._update_claimed(message, values)

    def mark_dead(self, message: OutboxMessage, error: str) -> bool:
        """Give up a row this sender still holds (what it said not kept: the agent is pointed
        to /today instead); False when it no longer does."""
        return self._update_claimed(message, {"status": "dead", "last_error": error[:500],
                                              "payload": []})

    def fold_into_next_digest(self, message: OutboxMessage) -> bool:
        """A digest that could only go out after its day: withdrawn (not sent stale); its
        reminders go into the next digest (``NudgeRepository.unmark_shown``)."""
        return self._update_claimed(message, {"status": FOLDED, "payload": []})

    def _update_claimed(self, message: OutboxMessage, values: dict[str, Any]) -> bool:
        updated = self._session.execute(
            update(OutboxMessage)
            .where(*self._still_claimed(message))
            .values(**values)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)).first()
        return updated is not None

    @staticmethod
    def _still_claimed(message: OutboxMessage) -> tuple[Any, ...]:
        return (OutboxMessage.id == message.id, OutboxMessage.status == "sending",
                OutboxMessage.claimed_at == message.claimed_at)

    def mark_unreachable(self, agent_id: int) -> None:
        self._session.execute(update(Agent).where(Agent.id == agent_id).values(unreachable=True))

    def _set(self, message_id: int, **values: Any) -> None:
        self._session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                              .values(**values).execution_options(synchronize_session=False))
