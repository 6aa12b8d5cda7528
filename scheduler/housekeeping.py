"""Database upkeep: old message ids, long-superseded reminders, SQLite's write-ahead log."""

from __future__ import annotations

from datetime import timedelta

from handlers.types import Clock
from storage.sweep_queries import SweepQueries
from storage.uow import UnitOfWorkFactory

MESSAGE_IDS_KEPT = timedelta(days=7)  # far past any redelivery (Telegram keeps updates 24 h)
# A reminder replaced by a newer one (a follow-up, a renewal reminder) or retired after its
# event still answers /nudge from an old digest this long after its day; at a million
# clients the follow-ups alone leave ~40,000 of them a day.
SUPERSEDED_KEPT = timedelta(days=90)
FORGET_AT_ONCE = 10_000  # a transaction each, so that no write lock is held for long


class Housekeeping:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, catch_up_days: int) -> None:
        """``catch_up_days``: how far back a sweep may go (the rules'); a superseded reminder
        is kept longer than that, so that its unique key still stops it being made again."""
        self._uow = uow
        self._clock = clock
        self._superseded_kept = max(SUPERSEDED_KEPT, timedelta(days=catch_up_days + 7))

    def forget_message_ids(self) -> int:
        """Forget the ids of messages handled more than a week ago; returns how many."""
        with self._uow() as uow:
            before = self._clock.now() - MESSAGE_IDS_KEPT
            forgotten = uow.conversations.forget_messages(before)
            uow.agents.forget_strangers(before)  # their wrong codes and refusals, likewise
            uow.commit()
        return forgotten

    def forget_superseded_nudges(self) -> int:
        """Delete the superseded reminders due more than ``SUPERSEDED_KEPT`` ago (longer
        ago than any sweep looks back), a batch a transaction; returns how many."""
        due_before = (self._clock.now() - self._superseded_kept).date()
        forgotten = 0
        while True:
            with self._uow() as uow:
                batch = SweepQueries(uow.session).forget_superseded(due_before, FORGET_AT_ONCE)
                uow.commit()
            forgotten += batch
            if batch < FORGET_AT_ONCE:
                return forgotten

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database here, in the scheduler's worker
        thread, so that the event loop's commits rarely have to (see LoopConnection)."""
        self._uow.checkpoint()
