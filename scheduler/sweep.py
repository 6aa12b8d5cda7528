"""The sweep: compute the nudges of a day and insert them idempotently; catch up after downtime."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.series import make_occurrence
from handlers.when import local_now, zone_of
from scheduler import rules as r
from scheduler.config import NudgeRules
from storage.sweep_queries import SweepQueries
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
DAY_RULES = (r.birthdays, r.anniversaries, r.renewals, r.reviews, r.followups, r.life_stages,
             r.festivals, r.salons)


def compute(q: SweepQueries, day: date, rules: NudgeRules, now: datetime,
            late: bool = False, again: bool = False) -> list[r.DueNudge]:
    """Every nudge that falls due on ``day`` (reads only); with ``late`` (``day`` is today),
    also the lead reminders whose lead day went by without them, for the events still ahead
    at ``now`` (with ``again``, those made today already too, for a preview)."""
    due: list[r.DueNudge] = []
    for rule in DAY_RULES:
        due += rule(q, day, rules)
    if late:
        due += r.late_leads(q, day, rules, now, again)
    return due


class Sweeper:
    def __init__(self, uow: UnitOfWorkFactory, rules: NudgeRules, zone: ZoneInfo) -> None:
        self._uow = uow
        self._rules = rules
        self.zone = zone

    def preview(self, day: date, now: datetime) -> list[r.DueNudge]:
        """What the sweep of ``day`` makes, without writing anything: the day's nudges, made
        yet or not; on today, the late lead reminders too; on a day gone by, no lead
        reminders (a catch-up makes none, today's late ones stand for them)."""
        today = local_now(now, self.zone).date()
        with self._uow() as uow:
            due = compute(SweepQueries(uow.session), day, self._rules, now, late=day == today,
                          again=True)
        return [nudge for nudge in due if not r.is_stale(nudge, today)]

    def sweep_day(self, day: date, now: datetime) -> int:
        """Insert the day's nudges (existing ones are skipped); returns how many were new."""
        today = local_now(now, self.zone).date()
        with self._uow() as uow:
            uow.widen_page_cache()
            queries = SweepQueries(uow.session)
            self._make_salons(uow, queries, day, now)
            due = [nudge for nudge in compute(queries, day, self._rules, now, late=day == today)
                   if not r.is_stale(nudge, today)]
            moved = r.followups_moved_back(queries, day, self._rules)
            inserted = queries.insert_nudges([nudge.row(now) for nudge in due + moved])
            for moved_day in sorted({nudge.due_date for nudge in moved}):  # all before today
                queries.retire_replaced(moved_day)
            if day <= today:  # not before the new one shows
                queries.retire_replaced(day)
            if day == today:
                queries.retire_gone_by(_agents_today(queries, now))
            queries.mark_swept(day, now)
            uow.commit()
        log.info("swept %s: %d due, %d new", day, len(due), inserted)
        return inserted

    def _make_salons(self, uow: UnitOfWork, queries: SweepQueries, day: date,
                     now: datetime) -> None:
        """The occurrences of recurring salons whose invitees fall due on ``day``; none over
        in its agent's time zone (a day caught up after downtime makes none that are over,
        nor today's whose time has gone by)."""
        target = day + timedelta(days=self._rules.salon_invite_days_before)
        for series, zone in queries.series_on(target):
            make_occurrence(uow.series(series.agent_id), series, target, now, zone_of(zone))

    def catch_up(self, now: datetime) -> int:
        """Sweep the days missed since the last sweep (at most ``catch_up_days`` back), then
        today and tomorrow (agents east of us) on every call: what was recorded since the last
        tick falls due too, and nothing already inserted is inserted again."""
        today = local_now(now, self.zone).date()
        with self._uow() as uow:
            queries = SweepQueries(uow.session)
            last = queries.last_swept_day()
            first = today - timedelta(days=self._rules.catch_up_days - 1)
            done = queries.swept_days(first)
        start = max(first, min(last + timedelta(days=1), today)) if last else today
        if last and last + timedelta(days=1) < first:  # down for longer than catch_up_days
            log.warning("sweep: the days %s to %s were not swept (more than catch_up_days=%d "
                        "ago); their reminders are not made", last + timedelta(days=1),
                        first - timedelta(days=1), self._rules.catch_up_days)
        if last is not None and first <= last < today:
            # swept only as "tomorrow" before the bot went down: its follow-ups and renewal
            # reminders were not yet due then, so the older ones they replace were left open
            self._retire_replaced(last)
        inserted = 0
        day = start
        while day <= today + timedelta(days=1):
            if day not in done or day >= today:
                inserted += self.sweep_day(day, now)
            day += timedelta(days=1)
        return inserted

    def _retire_replaced(self, day: date) -> None:
        with self._uow() as uow:
            SweepQueries(uow.session).retire_replaced(day)
            uow.commit()


def _agents_today(queries: SweepQueries, now: datetime) -> dict[str, date]:
    """The local today of each time zone agents chose, as stored."""
    return {name: local_now(now, zone_of(name)).date() for name in queries.agent_zones()}
