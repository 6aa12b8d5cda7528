"""Database upkeep besides the nudges: old message ids, and SQLite's write-ahead log."""

from __future__ import annotations

from datetime import timedelta

from handlers.types import Clock
from storage.uow import UnitOfWorkFactory

MESSAGE_IDS_KEPT = timedelta(days=7)  # far past any redelivery (Telegram keeps updates 24 h)


class Housekeeping:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def forget_message_ids(self) -> int:
        """Forget the ids of messages handled more than a week ago; returns how many."""
        with self._uow() as uow:
            before = self._clock.now() - MESSAGE_IDS_KEPT
            forgotten = uow.conversations.forget_messages(before)
            uow.agents.forget_strangers(before)  # their wrong codes and refusals, likewise
            uow.commit()
        return forgotten

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database here, in the scheduler's worker
        thread, so that the event loop's commits rarely have to (see LoopConnection)."""
        self._uow.checkpoint()
