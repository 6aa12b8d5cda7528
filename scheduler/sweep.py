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


class AgentDays:
    """Each agent's local today at one moment, in the time zone the agent chose (read as their
    digests and /today read it: the bot's ``zone`` for one stored unusable); an agent added
    since it was read is on the bot's today."""

    def __init__(self, zones: dict[int, str], now: datetime, zone: ZoneInfo) -> None:
        self.now = now
        self.zone = zone
        self.by_zone = {name: local_now(now, zone_of(name, zone)).date()
                        for name in set(zones.values())}
        self._of_agent = {agent_id: self.by_zone[name] for agent_id, name in zones.items()}
        self._bot_today = local_now(now, zone).date()
        self.days = set(self.by_zone.values())

    def of(self, agent_id: int) -> date:
        return self._of_agent.get(agent_id, self._bot_today)

    @property
    def earliest(self) -> date:
        """The earliest today, the bot's too (of an agent west of the bot, it may be the
        bot's yesterday)."""
        return min(self.days | {self._bot_today})


def retire_replaced(q: SweepQueries, day: date, todays: AgentDays) -> None:
    """Retire what ``day``'s follow-ups and renewal reminders replace for the agents whose
    today ``day`` is or was, when the new ones show: one west of the bot keeps the old one
    until their own ``day``, one east of it sees only the new one from its start."""
    reached = [name for name, today in todays.by_zone.items() if today >= day]
    if reached:
        q.retire_replaced(day, None if len(reached) == len(todays.by_zone) else reached)


def compute(q: SweepQueries, day: date, rules: NudgeRules, todays: AgentDays,
            again: bool = False) -> list[r.DueNudge]:
    """Every nudge that falls due on ``day`` (reads only), each for its agent's own today:
    on that today, also the lead reminders whose lead day went by without them (with
    ``again``, those made today already too, for a preview); on a day gone by for the agent,
    no lead reminders (``is_stale``); no salon list for a salon over by ``todays.now``."""
    due = [nudge for nudge in _on_time(q, day, rules, todays)
           if not r.is_stale(nudge, todays.of(nudge.agent_id))]
    if day in todays.days:
        due += [nudge for nudge in r.late_leads(q, day, rules, todays.now, todays.zone, again)
                if todays.of(nudge.agent_id) == day]
    return due


def _on_time(q: SweepQueries, day: date, rules: NudgeRules,
             todays: AgentDays) -> list[r.DueNudge]:
    """The day's own nudges, rule by rule in this order (the digest lists a tier's as made)."""
    return [*r.birthdays(q, day, rules), *r.anniversaries(q, day, rules),
            *r.renewals(q, day, rules), *r.reviews(q, day, rules),
            *r.followups(q, day, rules, todays.by_zone, todays.zone), *r.life_stages(q, day, rules),
            *r.festivals(q, day, rules), *r.salons(q, day, rules, todays.now, todays.zone)]


class Sweeper:
    def __init__(self, uow: UnitOfWorkFactory, rules: NudgeRules, zone: ZoneInfo) -> None:
        self._uow = uow
        self._rules = rules
        self.zone = zone

    def preview(self, day: date, now: datetime) -> list[r.DueNudge]:
        """What the sweep of ``day`` makes, without writing anything: the day's nudges, made
        yet or not; on an agent's today, their late lead reminders too; on a day gone by for
        an agent, none of their lead reminders (a catch-up makes none, the late ones of their
        today stand for them)."""
        with self._uow() as uow:
            queries = SweepQueries(uow.session)
            return compute(queries, day, self._rules, self._todays(queries, now), again=True)

    def sweep_day(self, day: date, now: datetime, todays: AgentDays | None = None) -> int:
        """Insert the day's nudges (existing ones are skipped); returns how many were new.
        A day swept before is swept again for the agents not yet past it (an agent west of
        the bot is still on it): one past it got its nudges then (a birthday of yesterday
        recorded today is not "today's"). ``todays``: the agents' days at ``now``, if read."""
        today = local_now(now, self.zone).date()
        with self._uow() as uow:
            uow.widen_page_cache()
            queries = SweepQueries(uow.session)
            todays = todays or self._todays(queries, now)
            swept_before = queries.first_swept_at(day) is not None
            self._make_salons(uow, queries, day, now)
            due = [nudge for nudge in compute(queries, day, self._rules, todays)
                   if not swept_before or todays.of(nudge.agent_id) <= day]
            moved = r.followups_moved_back(queries, day, self._rules, self.zone)
            inserted = queries.insert_nudges([nudge.row(now) for nudge in due + moved])
            for moved_day in sorted({nudge.due_date for nudge in moved}):
                retire_replaced(queries, moved_day, todays)
            retire_replaced(queries, day, todays)
            if day == today:
                queries.retire_gone_by(todays.by_zone)
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
            make_occurrence(uow.series(series.agent_id), series, target, now,
                            zone_of(zone, self.zone))

    def catch_up(self, now: datetime) -> int:
        """Sweep the days missed since the last sweep (at most ``catch_up_days`` back), then
        every agent's today and the bot's today and tomorrow on every call: what was recorded
        since the last tick falls due too, and nothing already inserted is inserted again.
        After downtime, first retire what the days left ahead of an agent replace."""
        bot_today = local_now(now, self.zone).date()
        with self._uow() as uow:
            queries = SweepQueries(uow.session)
            zones = queries.zone_of_each_agent()
            agent_days = AgentDays(zones, now, self.zone)
            earliest = agent_days.earliest
            last = queries.last_swept_day()
            first = earliest - timedelta(days=self._rules.catch_up_days - 1)
            done = queries.swept_days(first)
            for day in self._left_ahead(zones, done, earliest):
                retire_replaced(queries, day, agent_days)
            uow.commit()
        start = max(first, min(last + timedelta(days=1), earliest)) if last else earliest
        if last and last + timedelta(days=1) < first:  # down for longer than catch_up_days
            log.warning("sweep: the days %s to %s were not swept (more than catch_up_days=%d "
                        "ago); their reminders are not made", last + timedelta(days=1),
                        first - timedelta(days=1), self._rules.catch_up_days)
        inserted = 0
        day = start
        while day <= max(agent_days.days | {bot_today + timedelta(days=1)}):  # agents east too
            if day not in done or day >= earliest:
                inserted += self.sweep_day(day, now, agent_days)
            day += timedelta(days=1)
        return inserted

    def _left_ahead(self, zones: dict[int, str], done: dict[date, datetime],
                    earliest: date) -> list[date]:
        """The days last swept while some agent had not reached them, before every agent's
        today now (the bot was down over that agent's whole day): what their follow-ups and
        renewal reminders replace is still open for that agent. Every tick sweeps each day
        from the earliest today on, so they come after the earliest today at the latest
        first sweep (at or before the last tick)."""
        if not done:
            return []
        then = max(done.values())
        earliest_then = AgentDays(zones, then, self.zone).earliest
        return sorted(day for day in done if earliest_then < day < earliest)

    def _todays(self, queries: SweepQueries, now: datetime) -> AgentDays:
        return AgentDays(queries.zone_of_each_agent(), now, self.zone)
