"""Indexed reads the nudge sweep needs, and the idempotent insert of nudges.

Every read takes the (month, day) keys of the day being swept (computed by
scheduler.calendar, fallbacks included) so that one indexed query finds all matches.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    extract,
    false,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from storage.dialect import insert_ignoring_conflicts, insert_rows_ignoring_conflicts
from storage.models import (
    Agent,
    Client,
    ClientDate,
    FamilyMember,
    Meeting,
    Nudge,
    Policy,
    Salon,
    SalonInvite,
    SalonSeries,
    SweepDay,
    TimelineEntry,
)
from storage.nudges import EVENT_DAY, LEAD_KINDS, SUPERSEDED

_MEMBER_COLUMNS = (Client.agent_id, Client.id, Client.name, Client.tier, FamilyMember.id,
                   FamilyMember.name, FamilyMember.relation, FamilyMember.birth_calendar,
                   FamilyMember.birth_year, FamilyMember.birth_month, FamilyMember.birth_day,
                   FamilyMember.birth_leap)
_SUBJECTS_PER_QUERY = 500  # within SQLite's bound parameters, whatever its build
_WINDOWS_PER_QUERY = 100  # SQLite parses a long OR as a tree at most 1,000 deep
SolarKeys = Iterable[tuple[int, int]]
LunarKeys = Iterable[tuple[int, int, bool]]


class Reminded(NamedTuple):
    """A late reminder, (kind, occurrence): the rows that have it already are left out; with
    ``before``, only those that got it on an earlier day (a preview of that day lists again
    the ones its sweep made)."""

    kind: str
    occurrence: str
    before: date | None = None


Reminder = Reminded | None


# Timeline kinds that record what the agent learned (after a meeting: no reminder needed).
RECORDED_KINDS = ("note", "record", "policy", "family", "tags")


@dataclass(frozen=True)
class PersonRow:
    """A client, or one family member of a client, with a birthday."""

    agent_id: int
    client_id: int
    client_name: str
    tier: str
    member_id: int | None
    member_name: str | None
    relation: str | None
    calendar: str | None
    year: int | None
    month: int | None
    day: int | None
    leap: bool


@dataclass(frozen=True)
class DateRow:
    agent_id: int
    client_id: int
    client_name: str
    tier: str
    date_id: int
    kind: str
    label: str
    calendar: str
    year: int | None


@dataclass(frozen=True)
class PolicyRow:
    agent_id: int
    client_id: int
    client_name: str
    tier: str
    policy_id: int
    product_type: str | None
    start_date: date
    annual_premium: int | None
    payment_years: int | None


def _not_reminded(query: Select[Any], reminder: Reminder, left: Any, prefix: str,
                  id_column: Any) -> Select[Any]:
    """``query`` without the rows of ``left`` that have the nudge ``reminder`` already (their
    subject: ``prefix`` and the row's id). An outer join on the nudges' unique key, one index
    lookup per row: it leaves the rest of the plan alone, where SQLite, given NOT EXISTS,
    read every client of the tiers instead of those born on the day."""
    if reminder is None:
        return query
    kind, occurrence, before = reminder
    made = aliased(Nudge)
    match = [made.kind == kind, made.subject == literal(prefix) + cast(id_column, String),
             made.occurrence == occurrence]
    if before is not None:
        match.append(made.due_date < before)
    return query.outerjoin_from(left, made, and_(*match)).where(made.id.is_(None))


def _own_in_force_on(solar: SolarKeys) -> tuple[Any, ...]:
    """Own in-force policies whose start anniversary falls on one of the (month, day) keys."""
    terms = [and_(Policy.start_month == m, Policy.start_day == d) for m, d in solar]
    return (or_(*terms) if terms else false(), Policy.is_own.is_(True),
            Policy.status == "有效", Policy.start_date.is_not(None))


def _date_match(calendar_col: Any, month_col: Any, day_col: Any, leap_col: Any,
                solar: SolarKeys, lunar: LunarKeys) -> Any:
    solar_terms = [and_(month_col == m, day_col == d) for m, d in solar]
    lunar_terms = [and_(month_col == m, day_col == d, leap_col == leap) for m, d, leap in lunar]
    terms = []
    if solar_terms:
        terms.append(and_(calendar_col == "solar", or_(*solar_terms)))
    if lunar_terms:
        terms.append(and_(calendar_col == "lunar", or_(*lunar_terms)))
    return or_(*terms) if terms else false()


class SweepQueries:
    """One sweep's reads. Birthday rows are remembered per set of keys: the birthday and the
    life-stage rules both ask for the same day."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._people: dict[tuple[Any, ...], list[PersonRow]] = {}

    def client_birthdays(self, solar: SolarKeys, lunar: LunarKeys,
                         tiers: list[str] | None = None,
                         not_reminded: Reminder = None) -> list[PersonRow]:
        """Clients (of ``tiers``) with a birthday on the keys' day (without the nudge
        ``not_reminded`` yet)."""
        solar, lunar = list(solar), list(lunar)
        key = ("clients", tuple(solar), tuple(lunar), tuple(tiers) if tiers else None,
               not_reminded)
        if key not in self._people:
            self._people[key] = self._client_birthdays(solar, lunar, tiers, not_reminded)
        return self._people[key]

    def member_birthdays(self, solar: SolarKeys, lunar: LunarKeys,
                         tiers: list[str] | None = None,
                         not_reminded: Reminder = None) -> list[PersonRow]:
        """Family members, of clients of ``tiers``, likewise."""
        solar, lunar = list(solar), list(lunar)
        key = ("members", tuple(solar), tuple(lunar), tuple(tiers) if tiers else None,
               not_reminded)
        if key not in self._people:
            self._people[key] = self._member_birthdays(solar, lunar, tiers, not_reminded)
        return self._people[key]

    def _client_birthdays(self, solar: list[tuple[int, int]], lunar: list[tuple[int, int, bool]],
                          tiers: list[str] | None, not_reminded: Reminder) -> list[PersonRow]:
        query = select(Client).where(_date_match(Client.birth_calendar, Client.birth_month,
                                                 Client.birth_day, Client.birth_leap,
                                                 solar, lunar))
        if tiers is not None:
            query = query.where(Client.tier.in_(tiers))
        query = _not_reminded(query, not_reminded, Client, "c:", Client.id)
        rows = self._session.execute(query.with_only_columns(
            Client.agent_id, Client.id, Client.name, Client.tier, Client.birth_calendar,
            Client.birth_year, Client.birth_month, Client.birth_day, Client.birth_leap))
        return [PersonRow(r[0], r[1], r[2], r[3], None, None, None, r[4], r[5], r[6], r[7],
                          bool(r[8])) for r in rows]

    def _member_birthdays(self, solar: list[tuple[int, int]], lunar: list[tuple[int, int, bool]],
                          tiers: list[str] | None, not_reminded: Reminder) -> list[PersonRow]:
        query = (
            select(*_MEMBER_COLUMNS)
            .join(Client, Client.id == FamilyMember.client_id)
            .where(_date_match(FamilyMember.birth_calendar, FamilyMember.birth_month,
                               FamilyMember.birth_day, FamilyMember.birth_leap, solar, lunar))
        )
        if tiers is not None:
            query = query.where(Client.tier.in_(tiers))
        query = _not_reminded(query, not_reminded, FamilyMember, "m:", FamilyMember.id)
        return [PersonRow(*r[:11], bool(r[11])) for r in self._session.execute(query)]

    def members_without_birthday(self, relations: Sequence[str], birth_years: list[int]
                                 ) -> list[PersonRow]:
        """Family members whose birthday is unknown but whose birth year is (from an age)."""
        query = (
            select(*_MEMBER_COLUMNS)
            .join(Client, Client.id == FamilyMember.client_id)
            .where(FamilyMember.birth_month.is_(None), FamilyMember.relation.in_(relations),
                   FamilyMember.birth_year.in_(birth_years))
        )
        return [PersonRow(*r[:11], bool(r[11])) for r in self._session.execute(query)]

    def clients_without_birthday(self, birth_years: list[int]) -> list[PersonRow]:
        """Clients born in one of ``birth_years`` whose age moves on each 1 January: a birth
        year without a birthday, or no birth year but an age typed in some year
        (``attrs.age_year``, else the year the client was added; a birthday without a year
        may be known), as handlers.ages counts them."""
        typed_in = func.coalesce(Client.attrs["age_year"].as_integer(),
                                 extract("year", Client.created_at))
        query = (
            select(Client.agent_id, Client.id, Client.name, Client.tier, Client.birth_year,
                   Client.age, typed_in)
            .where(or_(and_(Client.birth_month.is_(None), Client.birth_year.in_(birth_years)),
                       and_(Client.birth_year.is_(None), Client.age.is_not(None),
                            or_(*[Client.age == typed_in - year for year in birth_years]))))
        )
        return [PersonRow(r[0], r[1], r[2], r[3], None, None, None, None,
                          r[4] if r[4] is not None else int(r[6]) - r[5], None, None, False)
                for r in self._session.execute(query)]

    def anniversaries(self, solar: SolarKeys, lunar: LunarKeys) -> list[DateRow]:
        solar, lunar = list(solar), list(lunar)
        query = (
            select(Client.agent_id, Client.id, Client.name, Client.tier, ClientDate.id,
                   ClientDate.kind, ClientDate.label, ClientDate.calendar, ClientDate.year)
            .join(Client, Client.id == ClientDate.client_id)
            .where(_date_match(ClientDate.calendar, ClientDate.month, ClientDate.day,
                               ClientDate.leap, solar, lunar))
        )
        return [DateRow(*row) for row in self._session.execute(query)]

    def birthday_keys(self, solar: SolarKeys, lunar: LunarKeys, tiers: list[str]
                      ) -> set[tuple[str, int, int, bool]]:
        """Which of the keys are the birthdays of clients of ``tiers`` or of their family:
        (calendar, month, day, leap; False for solar) of each (two queries, whatever the number
        of keys)."""
        solar, lunar = list(solar), list(lunar)
        found = set()
        for person in (Client, FamilyMember):
            query = select(person.birth_calendar, person.birth_month, person.birth_day,
                           person.birth_leap).where(
                _date_match(person.birth_calendar, person.birth_month, person.birth_day,
                            person.birth_leap, solar, lunar), Client.tier.in_(tiers))
            if person is FamilyMember:
                query = query.join(Client, Client.id == FamilyMember.client_id)
            found |= {(r[0], r[1], r[2], r[0] == "lunar" and bool(r[3]))
                      for r in self._session.execute(query.distinct())}
        return found

    def policy_days(self, solar: SolarKeys) -> set[tuple[int, int]]:
        """Which of the (month, day) keys own in-force policies started on (one query)."""
        query = select(Policy.start_month, Policy.start_day).where(*_own_in_force_on(solar))
        return {(r[0], r[1]) for r in self._session.execute(query.distinct())}

    def own_policies_on(self, solar: SolarKeys, earliest_only: bool = False,
                        tiers: list[str] | None = None,
                        not_reminded: Reminder = None,
                        changed_since: datetime | None = None) -> list[PolicyRow]:
        """Own in-force policies whose start anniversary falls on the keys' day (without the
        nudge ``not_reminded`` yet; recorded or edited at or after ``changed_since``, when
        given)."""
        query = (
            select(Client.agent_id, Client.id, Client.name, Client.tier, Policy.id,
                   Policy.product_type, Policy.start_date, Policy.annual_premium,
                   Policy.payment_years)
            .join(Client, Client.id == Policy.client_id)
            .where(*_own_in_force_on(solar))
        )
        if tiers is not None:
            query = query.where(Client.tier.in_(tiers))
        if changed_since is not None:
            query = query.where(Policy.changed_at >= changed_since)
        if earliest_only:
            earlier = aliased(Policy)
            query = query.where(~exists().where(
                earlier.client_id == Policy.client_id, earlier.is_own.is_(True),
                earlier.status == "有效",
                or_(earlier.start_date < Policy.start_date,
                    and_(earlier.start_date == Policy.start_date, earlier.id < Policy.id)),
            ))
        found = [PolicyRow(*row) for row in self._session.execute(query)]
        if not_reminded is None:
            return found
        # Left out afterwards, not by an outer join as for birthdays: PostgreSQL planned that
        # join over every nudge, 1.5 s for each of a month's days (42 s a sweep).
        made = self._reminded(not_reminded, [f"p:{row.policy_id}" for row in found])
        return [row for row in found if f"p:{row.policy_id}" not in made]

    def _reminded(self, reminder: Reminded, subjects: list[str]) -> set[str]:
        """Which of ``subjects`` have the nudge ``reminder`` (kind, occurrence) already: index
        lookups on the nudges' unique key (``_subjects_among``)."""
        kind, occurrence, before = reminder
        made: set[str] = set()
        for among in self._subjects_among(subjects):
            query = select(Nudge.subject).where(
                Nudge.kind == kind, among, Nudge.occurrence == occurrence)
            if before is not None:
                query = query.where(Nudge.due_date < before)
            made.update(self._session.scalars(query))
        return made

    def _subjects_among(self, subjects: list[str]) -> list[Any]:
        """Conditions that together find every one of ``subjects``: on PostgreSQL one array
        parameter (a query for each 500 subjects, each planned with its 500 parameters, took
        a sixth of a day's sweep); on SQLite lists within its bound on parameters."""
        if self._session.get_bind().dialect.name == "postgresql":
            return [Nudge.subject == any_(bindparam("subjects", subjects,
                                                    type_=postgresql.ARRAY(String)))]
        return [Nudge.subject.in_(subjects[first:first + _SUBJECTS_PER_QUERY])
                for first in range(0, len(subjects), _SUBJECTS_PER_QUERY)]

    def oldest_contact(self, tier: str) -> datetime | None:
        """The earliest last contact among a tier's clients, or creation for those never
        contacted (two index lookups)."""
        contacted = select(func.min(Client.last_contact_at)).where(Client.tier == tier)
        created = select(func.min(Client.created_at)).where(
            Client.tier == tier, Client.last_contact_at.is_(None))
        found = [self._session.scalar(query) for query in (contacted, created)]
        return min((moment for moment in found if moment is not None), default=None)

    def zone_of_each_agent(self) -> dict[int, str]:
        """Agent id → the time zone the agent chose (as stored)."""
        return {row[0]: row[1] for row in self._session.execute(select(Agent.id, Agent.timezone))}

    def zone_changes(self, since: datetime) -> list[tuple[int, str, datetime]]:
        """(agent, zone, when) of the agents whose time zone was changed at or after ``since``."""
        query = select(Agent.id, Agent.timezone, Agent.timezone_changed_at).where(
            Agent.timezone_changed_at >= since)
        return [(r[0], r[1], r[2]) for r in self._session.execute(query)]

    def contacted_in(self, tier: str, windows: list[tuple[datetime, datetime]], zone: str,
                     agent_id: int | None = None) -> list[tuple[int, int, str, datetime, bool]]:
        """(agent, client, name, since, contacted): the clients of a tier and of the agents in
        ``zone`` (of that one agent, when given) whose last contact — or creation, for those
        never contacted — falls in one of the ``windows`` [start, end)."""
        found: list[tuple[int, int, str, datetime, bool]] = []
        for first in range(0, len(windows), _WINDOWS_PER_QUERY):
            chunk = windows[first:first + _WINDOWS_PER_QUERY]
            contact = [and_(Client.tier == tier, Client.last_contact_at >= start,
                            Client.last_contact_at < end) for start, end in chunk]
            created = and_(Client.tier == tier, Client.last_contact_at.is_(None),
                           or_(*[and_(Client.created_at >= start, Client.created_at < end)
                                 for start, end in chunk]))
            query = select(Client.agent_id, Client.id, Client.name,
                           func.coalesce(Client.last_contact_at, Client.created_at),
                           Client.last_contact_at.is_not(None)
                           ).join(Agent, Agent.id == Client.agent_id
                                  ).where(Agent.timezone == zone, or_(*contact, created))
            if agent_id is not None:
                query = query.where(Client.agent_id == agent_id)
            found += [(r[0], r[1], r[2], r[3], bool(r[4])) for r in self._session.execute(query)]
        return found

    def clients_by_agent(self) -> list[tuple[int, int, str, str]]:
        """(agent, client, name, tier) of every client: the festival greeting lists."""
        query = select(Client.agent_id, Client.id, Client.name, Client.tier)
        return [(r[0], r[1], r[2], r[3]) for r in self._session.execute(query)]

    def salons_on(self, day: date, not_reminded: Reminder = None) -> list[tuple[Salon, str]]:
        """The salons held on ``day``, each with its agent's time zone (as stored)."""
        query = select(Salon, Agent.timezone).join(Agent, Agent.id == Salon.agent_id).where(
            Salon.day == day)
        query = _not_reminded(query, not_reminded, Salon, "s:", Salon.id)
        return [(row[0], row[1]) for row in self._session.execute(query)]

    def series_on(self, day: date) -> list[tuple[SalonSeries, str]]:
        """Series still running that meet on ``day``'s weekday, each with its agent's time
        zone (as stored), oldest first (two sweepers then make occurrences in the same order
        and never wait on each other in a circle)."""
        query = select(SalonSeries, Agent.timezone).join(
            Agent, Agent.id == SalonSeries.agent_id).where(
            SalonSeries.stopped_at.is_(None), SalonSeries.starts_on <= day,
            SalonSeries.weekdays.contains(str(day.weekday())))
        return [(row[0], row[1]) for row in self._session.execute(query.order_by(SalonSeries.id))]

    def salon_invitees(self, salon_id: int) -> list[tuple[int, str, str]]:
        """(client, name, tier) of a salon's invitees, leaving out those who declined."""
        query = (select(SalonInvite.client_id, Client.name, Client.tier)
                 .join(Client, Client.id == SalonInvite.client_id)
                 .where(SalonInvite.salon_id == salon_id, SalonInvite.status != "declined")
                 .order_by(SalonInvite.id))
        return [(r[0], r[1], r[2]) for r in self._session.execute(query)]

    def unrecorded_meetings(self, start: datetime, end: datetime
                            ) -> list[tuple[int, int, int, str, datetime]]:
        """(meeting, agent, client, name, at) for meetings in [start, end) with nothing
        recorded about that client after them (a note, the profile, a policy, a family
        member, tags)."""
        followed = exists().where(TimelineEntry.client_id == Meeting.client_id,
                                  TimelineEntry.kind.in_(RECORDED_KINDS),
                                  TimelineEntry.at > Meeting.at)
        query = (select(Meeting.id, Meeting.agent_id, Meeting.client_id, Client.name, Meeting.at)
                 .join(Client, Client.id == Meeting.client_id)
                 .where(Meeting.at >= start, Meeting.at < end, ~followed))
        return [(r[0], r[1], r[2], r[3], r[4]) for r in self._session.execute(query)]

    # -- writing ------------------------------------------------------------------
    def insert_nudges(self, rows: list[dict[str, Any]]) -> int:
        """Insert, skipping any (kind, subject, occurrence) that exists; returns how many new."""
        return insert_rows_ignoring_conflicts(self._session, Nudge, rows)

    def retire_replaced(self, day: date, zones: Collection[str] | None = None) -> None:
        """One open reminder per thing, the latest, not a pile: a client due for a follow-up
        again on ``day`` supersedes its open follow-ups of earlier days, and a renewal
        reminder due on ``day`` (nearer the premium) the open ones of earlier days for the
        same premium (its day opens the occurrence, "2026-12-14/7"). ``zones``: only those
        of the agents in these time zones (as stored), when given."""
        # Driven by the day's own nudges (a few thousand: open, or done already, as they are
        # made ahead and shown from the agent's midnight), each finding its subject's older
        # ones by the unique key, not by reading every older nudge of the kind (a month of a
        # million clients' follow-ups made this take seconds).
        def made_on_day(kind: str) -> Any:
            return Nudge.subject.in_(select(Nudge.subject).where(
                Nudge.status.in_(("open", "done")), Nudge.kind == kind, Nudge.due_date == day))

        # the agents' ids, read once (a lookup for each nudge made PostgreSQL give up its
        # plan for a slower one)
        of_agents = () if zones is None else (Nudge.agent_id.in_(select(Agent.id).where(
            Agent.timezone.in_(zones))),)
        self._supersede(Nudge.kind == "followup", Nudge.due_date < day,
                        made_on_day("followup"), *of_agents, by_subject=True)
        nearer = aliased(Nudge)
        same_premium = exists().where(
            nearer.kind == "renewal", nearer.subject == Nudge.subject, nearer.due_date == day,
            func.substr(nearer.occurrence, 1, EVENT_DAY)
            == func.substr(Nudge.occurrence, 1, EVENT_DAY))
        self._supersede(Nudge.kind == "renewal", Nudge.due_date < day,
                        made_on_day("renewal"), same_premium, *of_agents, by_subject=True)

    def retire_gone_by(self, today_in: Mapping[str, date]) -> None:
        """The open lead reminders (gift time, renewal, salon list), snoozed or not, whose
        event (the day their occurrence opens with) is before their agent's today, retired:
        one statement. ``today_in``: the local today of each time zone agents chose (an agent
        west of the bot is still on the event's day). A lead reminder falls due on or before
        its event, so only those due before the latest today are read."""
        if not today_in:
            return
        zones_on: dict[date, list[str]] = {}
        for name, day in today_in.items():
            zones_on.setdefault(day, []).append(name)
        # the agent's today by a key lookup; a zone chosen since ``today_in`` was read: the
        # earliest (one parameter a zone: SQLite may allow only 999)
        agents_today = select(case(
            *[(Agent.timezone.in_(names), day.isoformat()) for day, names in zones_on.items()],
            else_=min(zones_on).isoformat())).where(Agent.id == Nudge.agent_id).scalar_subquery()
        self._supersede(Nudge.kind.in_(LEAD_KINDS), Nudge.due_date < max(zones_on),
                        func.substr(Nudge.occurrence, 1, EVENT_DAY) < agents_today)

    def forget_superseded(self, due_before: date, at_most: int) -> int:
        """Delete up to ``at_most`` superseded nudges due before ``due_before``; returns how
        many. ``due_before`` must lie further back than any sweep looks (``catch_up_days``):
        only then do their unique keys no longer keep anything from being made twice."""
        oldest = (select(Nudge.id)
                  .where(Nudge.status == SUPERSEDED, Nudge.kind.in_(("followup", *LEAD_KINDS)),
                         Nudge.due_date < due_before)  # the kinds the sweep supersedes:
                  .limit(at_most))  # each one range of its index, not every superseded one
        result = self._session.execute(
            delete(Nudge).where(Nudge.id.in_(oldest))
            .execution_options(synchronize_session=False))
        return int(result.rowcount)

    def _supersede(self, *where: Any, by_subject: bool = False) -> None:
        """Open nudges matching ``where`` superseded. ``by_subject``: found by the subjects
        ``where`` names (the unique key), never by the index of open nudges: SQLite, which
        plans without statistics, would read every open one of the kind by it (``|| ''`` keeps
        that index out; a month of 200,000 clients' follow-ups took a minute)."""
        is_open = (Nudge.status + "" if by_subject else Nudge.status) == "open"
        self._session.execute(
            update(Nudge)
            .where(is_open, *where)
            .values(status=SUPERSEDED)
            .execution_options(synchronize_session=False))

    def swept_days(self, since: date) -> dict[date, datetime]:
        """Each day swept since ``since`` → when it was first swept."""
        query = select(SweepDay.day, SweepDay.finished_at).where(SweepDay.day >= since)
        return {row[0]: row[1] for row in self._session.execute(query)}

    def last_swept_day(self) -> date | None:
        return self._session.scalar(select(SweepDay.day).order_by(SweepDay.day.desc()).limit(1))

    def first_swept_at(self, day: date) -> datetime | None:
        """When ``day`` was first swept (None: never, e.g. the bot was down)."""
        return self._session.scalar(select(SweepDay.finished_at).where(SweepDay.day == day))

    def mark_swept(self, day: date, now: datetime) -> None:
        self._session.execute(insert_ignoring_conflicts(
            self._session, SweepDay, {"day": day, "finished_at": now}))
