"""What the scheduler does on each tick, independent of APScheduler (tests call it directly)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from handlers.types import Clock
from handlers.when import local_now
from scheduler.config import NudgeRules
from scheduler.digest import build_digests, push_record_reminders
from scheduler.rules import DueNudge
from scheduler.sweep import Sweeper
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class TickResult:
    nudges: int
    digests: int
    pushes: int


class NudgeService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, rules: NudgeRules,
                 timezone: str) -> None:
        self._uow = uow
        self._clock = clock
        self._rules = rules
        self.sweeper = Sweeper(uow, rules, ZoneInfo(timezone))

    def tick(self) -> TickResult:
        """Sweep (catching up missed days), then enqueue due digests and pushes."""
        nudges = self.sweep_tick()
        digests, pushes = self.push_tick()
        return TickResult(nudges, digests, pushes)

    def sweep_tick(self) -> int:
        """Sweep the missed days, today and tomorrow (new records since the last sweep)."""
        return self.sweeper.catch_up(self._clock.now())

    def push_tick(self) -> tuple[int, int]:
        """Enqueue the digests whose hour has come and the record-it-now pushes (cheap)."""
        now = self._clock.now()
        digests = build_digests(self._uow, now, self.sweeper.zone)
        pushes = push_record_reminders(self._uow, now, self._rules, self.sweeper.zone)
        if digests or pushes:
            log.info("enqueued %d digests and %d pushes", digests, pushes)
        return digests, pushes

    def sweep_now(self) -> int:
        return self.sweeper.sweep_day(self._today(), self._clock.now())

    def preview(self, day: date) -> list[DueNudge]:
        return self.sweeper.preview(day, self._clock.now())

    def _today(self) -> date:
        return local_now(self._clock.now(), self.sweeper.zone).date()
