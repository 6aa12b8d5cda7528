"""Nudge rules: for one day, what falls due and for whom.

Each rule asks the indexed queries for the day's calendar keys and turns the rows into
`DueNudge`s whose (kind, subject, occurrence) identifies the event, so rerunning a day
never creates a second row.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers import reminder_texts
from handlers.ages import completed_years
from handlers.fields.children import CHILD_RELATIONS
from handlers.reminder_texts import days_ahead, renewal_occurrence, renewal_text
from handlers.when import has_passed, local_now, to_utc, zone_of
from scheduler import calendar as cal
from scheduler import texts
from scheduler.config import NudgeRules
from storage.nudges import LEAD_KINDS, TOP_TIERS_FIRST, followup_occurrence, list_entry
from storage.sweep_queries import PersonRow, Reminded, Reminder, SweepQueries


@dataclass(frozen=True)
class DueNudge:
    agent_id: int
    client_id: int | None
    kind: str
    subject: str
    occurrence: str
    due_date: date
    text: str
    listed: tuple[int, ...] | None = None  # a list's clients, in the order its text names them

    def row(self, now: datetime) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "client_id": self.client_id, "kind": self.kind,
                "subject": self.subject, "occurrence": self.occurrence,
                "due_date": self.due_date, "show_on": self.due_date, "text": self.text,
                "status": "open", "created_at": now,
                "listed": None if self.listed is None else list(self.listed)}


def keys(day: date) -> tuple[list[tuple[int, int]], list[tuple[int, int, bool]]]:
    return cal.solar_keys_falling_on(day), cal.lunar_keys_falling_on(day)


def _who(row: PersonRow) -> str:
    if row.member_id is None:
        return row.client_name
    return reminder_texts.person(row.client_name, row.relation, row.member_name)


def _subject(row: PersonRow) -> str:
    return f"m:{row.member_id}" if row.member_id else f"c:{row.client_id}"


def _calendar_note(row: PersonRow) -> str:
    return "（农历）" if row.calendar == "lunar" else ""


def birthdays(q: SweepQueries, day: date, rules: NudgeRules) -> list[DueNudge]:
    """On the day for everyone; days ahead for the tiers with a lead time (gift time)."""
    solar, lunar = keys(day)
    people = q.client_birthdays(solar, lunar) + q.member_birthdays(solar, lunar)
    due = [DueNudge(p.agent_id, p.client_id, "birthday", _subject(p), day.isoformat(), day,
                    f"🎂 {_who(p)} 今天生日{_calendar_note(p)}，记得送上祝福")
           for p in people]
    for lead, tiers in _gift_leads(rules):
        due += _gifts(q, day, day + timedelta(days=lead), tiers)
    return due


def _gift_leads(rules: NudgeRules) -> list[tuple[int, list[str]]]:
    """(days ahead, the tiers given that gift time), the shortest first."""
    leads = rules.birthday_lead_days
    return [(lead, [tier for tier, days in leads.items() if days == lead])
            for lead in sorted(set(leads.values()))]


def _gifts(q: SweepQueries, day: date, target: date, tiers: list[str],
           late: bool = False, again: bool = False) -> list[DueNudge]:
    """The gift-time reminders made on ``day`` for the birthdays on ``target`` of the
    clients of ``tiers`` and their family (``late``: only those not reminded yet; see
    ``_late`` for ``again``)."""
    solar, lunar = keys(target)
    occurrence = target.isoformat()
    unless = _late("birthday_ahead", occurrence, day, again) if late else None
    people = (q.client_birthdays(solar, lunar, tiers, unless)
              + q.member_birthdays(solar, lunar, tiers, unless))
    ahead = days_ahead((target - day).days)
    return [DueNudge(p.agent_id, p.client_id, "birthday_ahead", _subject(p), occurrence, day,
                     f"🎁 {_who(p)} {ahead}（{texts.md(target)}）生日{_calendar_note(p)}，"
                     f"【{p.tier}】客户，可以准备礼物了")
            for p in people]


def anniversaries(q: SweepQueries, day: date, rules: NudgeRules) -> list[DueNudge]:
    """Wedding, first-meeting and custom dates; years counted in the date's own calendar (a
    lunar date's year is a lunar year)."""
    solar, lunar = keys(day)
    lunar_year = cal.to_lunar(day)[0]
    due = []
    for row in q.anniversaries(solar, lunar):
        this_year = lunar_year if row.calendar == "lunar" else day.year
        if row.year is not None and row.year >= this_year:
            continue  # not a whole year yet (e.g. met today)
        years = f"{this_year - row.year}周年" if row.year else ""
        icon = {"wedding": "💍", "first_meeting": "🤝"}.get(row.kind, "📅")
        due.append(DueNudge(row.agent_id, row.client_id, "anniversary", f"d:{row.date_id}",
                            day.isoformat(), day,
                            f"{icon} {row.client_name} {row.label}{years}"))
    return due


def renewals(q: SweepQueries, day: date, rules: NudgeRules) -> list[DueNudge]:
    """30, 7 and 1 days before an own policy's anniversary while payment years remain."""
    due = []
    for lead in rules.renewal_days_before:
        due += _renewals(q, day, day + timedelta(days=lead), lead)
    return due


def _renewals(q: SweepQueries, day: date, target: date, lead: int,
              late: bool = False, again: bool = False) -> list[DueNudge]:
    """The ``lead``-day renewal reminders, made on ``day``, of the premiums due on ``target``
    (``late``: only those not reminded yet; see ``_late`` for ``again``)."""
    occurrence = renewal_occurrence(target, lead)
    unless = _late("renewal", occurrence, day, again) if late else None
    # Late, when the lead day was swept in time (not by a catch-up after downtime, which makes
    # no lead reminders): only a policy recorded or edited since (back in force, another start
    # day) can lack its reminder (a day's margin, for time zones and one committed while that
    # sweep read). Reading all a day's premiums again on every tick made a day's sweep of
    # 1,000,000 clients on PostgreSQL 2 s slower.
    lead_day = target - timedelta(days=lead)
    swept = q.first_swept_at(lead_day) if late else None
    in_time = swept is not None and swept < datetime.combine(lead_day + timedelta(days=2),
                                                             time.min)
    since = swept - timedelta(days=1) if swept is not None and in_time else None
    due = []
    for p in q.own_policies_on(cal.solar_keys_falling_on(target), not_reminded=unless,
                               changed_since=since):
        text = renewal_text(p.client_name, p.product_type, p.annual_premium, p.payment_years,
                            p.start_date.year, target, (target - day).days)
        if text is not None:
            due.append(DueNudge(p.agent_id, p.client_id, "renewal", f"p:{p.policy_id}",
                                occurrence, day, text))
    return due


def reviews(q: SweepQueries, day: date, rules: NudgeRules) -> list[DueNudge]:
    """保单检视 on the anniversary of the client's first own policy, every N months."""
    due = []
    for months in sorted(set(rules.review_months.values())):
        tiers = [tier for tier, every in rules.review_months.items() if every == months]
        for offset in range(0, 12, months):
            anchor_keys = _anchor_keys(day, offset)
            for p in q.own_policies_on(anchor_keys, earliest_only=True, tiers=tiers):
                if day <= p.start_date:
                    continue
                every = "每年" if months == 12 else f"每{months}个月"
                due.append(DueNudge(p.agent_id, p.client_id, "review", f"c:{p.client_id}",
                                    day.isoformat(), day,
                                    f"📋 {p.client_name}【{p.tier}】该做保单检视了（{every}一次）"))
    return due


def _anchor_keys(day: date, months: int) -> list[tuple[int, int]]:
    """The (month, day) start keys whose date ``months`` later is ``day``: a start day missing
    in ``day``'s month (the 31st, 29–31 for February) falls on its last day, once."""
    if months % 12 == 0:
        return cal.solar_keys_falling_on(day)
    month = (day.month - 1 - months) % 12 + 1
    month_days = monthrange(day.year, day.month)[1]
    start_days = 29 if month == 2 else monthrange(2001, month)[1]
    return [(month, start) for start in range(1, start_days + 1)
            if min(start, month_days) == day.day]


def followups(q: SweepQueries, day: date, rules: NudgeRules, zone_names: Iterable[str],
              bot_zone: ZoneInfo) -> list[DueNudge]:
    """A client not contacted for the tier's cadence falls due, and again at every further
    multiple of it while still not contacted; one never contacted counts from its creation.
    Days are the agent's local days, for the agents in each of ``zone_names`` (as stored;
    ``bot_zone`` for one unusable); the key is the contact's moment and the days
    (``followup_occurrence``), so a change of zone, which moves the day, never makes one
    twice."""
    return _followups(q, day, rules, [(zone_name, None) for zone_name in zone_names], bot_zone)


def followups_moved_back(q: SweepQueries, day: date, rules: NudgeRules,
                         bot_zone: ZoneInfo) -> list[DueNudge]:
    """The follow-ups of the two days before ``day`` of each agent who changed time zone
    lately. A zone further west moves a follow-up back by up to two days, possibly onto a day
    no longer swept for the agent (each tick sweeps each agent's today, the bot's today and
    tomorrow): the sweep of a later day makes it, dated the day it now falls on (one made
    before the change has the same key and is not made again). A day more than two after the
    change's local day has been swept since the change: it is not looked at again."""
    due = []
    lately = datetime.combine(day - timedelta(days=5), time.min)  # before day-4 began anywhere
    for agent_id, zone_name, changed_at in q.zone_changes(since=lately):
        changed_on = local_now(changed_at, zone_of(zone_name, bot_zone)).date()
        for back in (2, 1):
            earlier = day - timedelta(days=back)
            if earlier <= changed_on + timedelta(days=2):
                due += _followups(q, earlier, rules, [(zone_name, agent_id)], bot_zone)
    return due


def _followups(q: SweepQueries, day: date, rules: NudgeRules,
               zones: list[tuple[str, int | None]], bot_zone: ZoneInfo) -> list[DueNudge]:
    """The follow-ups due on ``day`` for the agents in each (zone, agent) of ``zones`` (every
    agent in the zone when the agent is None; ``bot_zone`` for a zone name unusable)."""
    due = []
    for tier, cadence in rules.followup_days.items():
        oldest = q.oldest_contact(tier)
        if oldest is None:
            continue
        periods = (day - oldest.date()).days // cadence + 1  # one more: UTC vs local day
        last_days = [day - timedelta(days=cadence * k) for k in range(1, periods + 1)]
        for zone_name, agent_id in zones:
            due += _followups_in_zone(q, day, tier, cadence, last_days,
                                      zone_name, agent_id, bot_zone)
    return due


def _followups_in_zone(q: SweepQueries, day: date, tier: str, cadence: int,
                       last_days: list[date], zone_name: str,
                       only_agent: int | None, bot_zone: ZoneInfo) -> list[DueNudge]:
    zone = zone_of(zone_name, bot_zone)
    windows = [(to_utc(last, time.min, zone), to_utc(last + timedelta(days=1), time.min, zone))
               for last in last_days]
    due = []
    for agent_id, client_id, name, since, contacted in q.contacted_in(tier, windows, zone_name,
                                                                     only_agent):
        last_day = local_now(since, zone).date()
        days = (day - last_day).days
        if days < cadence or days % cadence:
            continue
        since_when = (f"已 {days} 天没有联系（上次 {texts.md(last_day)}）" if contacted
                      else f"建档 {days} 天还没有联系过（建档于 {texts.md(last_day)}）")
        due.append(DueNudge(agent_id, client_id, "followup", f"c:{client_id}",
                            followup_occurrence(since, days), day,
                            f"⏰ {name}【{tier}】{since_when}，该跟进了"))
    return due


def life_stages(q: SweepQueries, day: date, rules: NudgeRules) -> list[DueNudge]:
    """Children reaching school ages; clients reaching retirement-planning ages."""
    solar, lunar = keys(day)
    due = []
    members = [p for p in q.member_birthdays(solar, lunar) if p.relation in CHILD_RELATIONS]
    if (day.month, day.day) == (1, 1):  # birthday unknown: the year they reach the age
        members += q.members_without_birthday(CHILD_RELATIONS,
                                              [day.year - age for age in rules.child_ages])
    for person in members:
        age = _age(person, day)
        if age in rules.child_ages:
            need = texts.NEED_BY_CHILD_AGE.get(age, "教育规划")
            due.append(DueNudge(person.agent_id, person.client_id, "life_stage",
                                _subject(person), f"age{age}", day,
                                f"🎒 {_who(person)} 今年满{age}岁：{need}"))
    clients = list(q.client_birthdays(solar, lunar))  # a copy: the query caches its list
    if (day.month, day.day) == (1, 1):
        clients += q.clients_without_birthday([day.year - age for age in rules.client_ages])
    for person in clients:
        age = _age(person, day)
        if age in rules.client_ages:
            need = texts.NEED_BY_CLIENT_AGE.get(age, "养老规划")
            when = "今天" if person.month else "今年"
            due.append(DueNudge(person.agent_id, person.client_id, "life_stage",
                                _subject(person), f"age{age}", day,
                                f"🌅 {person.client_name} {when}满{age}岁：{need}"))
    return due


def _age(person: PersonRow, day: date) -> int | None:
    """The same 周岁 as the card shows (handlers.ages)."""
    if person.year is None:
        return None
    return completed_years(person.year, person.month, person.day, day,
                           calendar=person.calendar, leap=person.leap)


def festivals(q: SweepQueries, day: date, rules: NudgeRules) -> list[DueNudge]:
    """On a festival, one list per agent of the clients to greet, top tiers first."""
    lunar = cal.lunar_key(day)
    names = [name for name, (m, d) in rules.festivals_lunar.items() if (m, d, False) == lunar]
    names += [name for name, (m, d) in rules.festivals_solar.items()
              if (m, d) == (day.month, day.day)]
    if not names:
        return []
    by_agent: dict[int, list[tuple[str, str, int]]] = {}
    for agent_id, client_id, client_name, tier in q.clients_by_agent():
        by_agent.setdefault(agent_id, []).append((tier, client_name, client_id))
    festival = "、".join(names)
    due = []
    for agent_id, clients in by_agent.items():
        clients.sort(key=lambda item: (TOP_TIERS_FIRST.index(item[0]), item[1], item[2]))
        shown = "、".join(list_entry(name, tier) for tier, name, _ in clients[:15])
        more = f" 等 {len(clients)} 位" if len(clients) > 15 else f"（共 {len(clients)} 位）"
        due.append(DueNudge(agent_id, None, "festival", f"a:{agent_id}",
                            f"{day.isoformat()}/{festival}", day,
                            f"🏮 今天是{festival}，建议问候：{shown}{more}",
                            tuple(client_id for _, _, client_id in clients[:15])))
    return due


def salons(q: SweepQueries, day: date, rules: NudgeRules, now: datetime,
           bot_zone: ZoneInfo) -> list[DueNudge]:
    """The invitee list of each salon, pushed some days before it; none for a salon over by
    ``now`` (with no days before, one of today whose time has come: a catch-up later in the
    day)."""
    target = day + timedelta(days=rules.salon_invite_days_before)
    return _salon_lists(q, day, target, now, bot_zone)


def _salon_lists(q: SweepQueries, day: date, target: date, now: datetime, bot_zone: ZoneInfo,
                 late: bool = False, again: bool = False) -> list[DueNudge]:
    """The invitee lists, made on ``day``, of the salons held on ``target`` (``late``: only
    those not made yet; see ``_late`` for ``again``); none for a salon over by ``now`` in
    its agent's time zone (as ``/salon`` counts it; ``bot_zone`` for one stored unusable)."""
    unless = _late("salon", target.isoformat(), day, again) if late else None
    due = []
    for salon, zone_name in q.salons_on(target, unless):
        if has_passed(salon.day, salon.time, local_now(now, zone_of(zone_name, bot_zone))):
            continue
        invitees = q.salon_invitees(salon.id)[:20]
        listed = "、".join(list_entry(name, tier) for _, name, tier in invitees)
        listed = listed or "（暂无建议人选）"
        due.append(DueNudge(salon.agent_id, None, "salon", f"s:{salon.id}", target.isoformat(),
                            day, f"🍵 {' '.join(filter(None, (texts.md(target), salon.time)))} "
                                 f"沙龙「{salon.topic}」，"
                                 f"建议邀请：{listed}（发送 /salon #{salon.id} 标记邀约）",
                            tuple(client_id for client_id, _, _ in invitees)))
    return due


def late_leads(q: SweepQueries, day: date, rules: NudgeRules, now: datetime,
               bot_zone: ZoneInfo, again: bool = False) -> list[DueNudge]:
    """The lead reminders whose lead day went by without them, made on ``day`` (today) for
    the events still ahead: a birthday, policy or salon recorded after it, a client raised to
    a tier with gift time after it, the bot down on it. One per event, the nearest lead day
    gone by (a premium in 20 days: its 30-day reminder; in 5 days: its 7-day one), saying the
    days truly left; made once (its unique key: those made already, done or not, are not even
    read). None for an event gone by (a salon today whose time has come by ``now``, in its
    agent's time zone, included), nor a gift reminder on the birthday itself (the
    birthday's own reminder is due then). With ``again`` (a preview), those made on ``day``
    already are listed again, as the sweep made them (a salon's list only while the salon is
    ahead)."""
    due = []
    for lead, tiers in _gift_leads(rules):
        for target in _birthdays_among([day + timedelta(days=d) for d in range(1, lead)],
                                       q, tiers):
            due += _gifts(q, day, target, tiers, late=True, again=again)
    leads = sorted(set(rules.renewal_days_before))
    late_days = [days for days in range(max(leads, default=0)) if days not in leads]
    for target in _premiums_among([day + timedelta(days=days) for days in late_days], q):
        nearest = next(lead for lead in leads if lead > (target - day).days)
        due += _renewals(q, day, target, nearest, late=True, again=again)
    for days in range(rules.salon_invite_days_before):
        due += _salon_lists(q, day, day + timedelta(days=days), now, bot_zone, late=True,
                            again=again)
    return due


def _late(kind: str, occurrence: str, day: date, again: bool) -> Reminder:
    """The late reminder to leave out where made already: on any day, or (``again``) on a
    day before ``day``, so that a preview of ``day`` still lists those its sweep made."""
    return Reminded(kind, occurrence, day if again else None)


def _birthdays_among(targets: list[date], q: SweepQueries, tiers: list[str]) -> list[date]:
    """The days of ``targets`` someone of ``tiers`` (or of their family) has a birthday on,
    found at once: the late reminders then query only those days, not each of up to a month's
    (which made every sweep tick several times slower)."""
    day_keys = {target: keys(target) for target in targets}
    found = q.birthday_keys([k for solar, _ in day_keys.values() for k in solar],
                            [k for _, lunar in day_keys.values() for k in lunar], tiers)
    return [target for target, (solar, lunar) in day_keys.items()
            if any(("solar", m, d, False) in found for m, d in solar)
            or any(("lunar", m, d, leap) in found for m, d, leap in lunar)]


def _premiums_among(targets: list[date], q: SweepQueries) -> list[date]:
    """The days of ``targets`` some own policy's premium may fall due on (found at once, as
    ``_birthdays_among``)."""
    day_keys = {target: cal.solar_keys_falling_on(target) for target in targets}
    found = q.policy_days([k for solar in day_keys.values() for k in solar])
    return [target for target, solar in day_keys.items() if any(k in found for k in solar)]


def is_stale(nudge: DueNudge, today: date) -> bool:
    """A lead reminder of a day gone by (caught up after downtime): not made, as its days
    are no longer true and its event may be over; today's ``late_leads`` make the one still
    worth having."""
    return nudge.kind in LEAD_KINDS and nudge.due_date < today
