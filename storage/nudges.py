"""Nudges as the agent sees them: scoped by agent; done, snooze, today's list, digests."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Agent, Client, Identity, Nudge, SalonInvite

PAUSED = "paused"
# a follow-up or renewal reminder replaced by a later one, or a lead reminder whose event is over
SUPERSEDED = "superseded"
LEAD_KINDS = ("birthday_ahead", "renewal", "salon")  # made days before their event
EVENT_DAY = 10  # a lead reminder's occurrence opens with its event's ISO day: "2026-12-14/7"
TOP_TIERS_FIRST = ("核心", "精选", "成交", "筛选", "普通")  # handlers.template.TIERS, reversed
LIST_KINDS = ("festival", "salon")  # one nudge naming many clients
TIER_KINDS = ("birthday_ahead", "review", "followup")  # their texts name the client's tier
_LIST_COUNT = re.compile(r"(?:（共 (\d+) 位）| 等 (\d+) 位)$")
_NOT_SHOWN = re.compile(r" 等 \d+ 位$")  # a festival list names the first 15
_EMPTY_INVITEES = ("建议邀请：（", "建议邀请：（暂无建议人选）（")  # as it reads, as it should


def followup_occurrence(since: datetime, days: int) -> str:
    """A follow-up's key: the moment (naive UTC) of the contact, or of the client's creation,
    it counts from, and the days without contact it is about. Not the local day it falls on,
    which a change of the agent's time zone moves (2026-11-24 01:00 is 11-23 in Los Angeles):
    the same follow-up keeps its key whatever the zone, and a later contact gives new ones."""
    return f"{since:%Y%m%dT%H%M%S.%f}Z/{days}"


def event_day(nudge: Nudge) -> date | None:
    """The day of a lead reminder's event (the birthday, the premium, the salon); None for
    other kinds."""
    if nudge.kind not in LEAD_KINDS:
        return None
    return date.fromisoformat(nudge.occurrence[:EVENT_DAY])


def list_entry(name: str, tier: str) -> str:
    """A client as the festival and salon lists name them."""
    return f"{name}【{tier}】"


def by_urgency(query: Select[Any]) -> Select[Any]:
    """Today's first, then each earlier day; within a day the agent-wide lists (festival,
    salon), then the clients by tier from 核心 down (80% of the effort on the top 20%)."""
    rank = case({tier: n for n, tier in enumerate(TOP_TIERS_FIRST, start=1)},
                value=Client.tier, else_=0)
    return (query.outerjoin(Client, Client.id == Nudge.client_id)
            .order_by(Nudge.show_on.desc(), rank, Nudge.id))


class NudgeRepository:
    def __init__(self, session: Session, agent_id: int) -> None:
        self._session = session
        self.agent_id = agent_id

    def get(self, nudge_id: int) -> Nudge | None:
        nudge = self._session.get(Nudge, nudge_id)
        return nudge if nudge is not None and nudge.agent_id == self.agent_id else None

    def open_until(self, day: date, limit: int = 50) -> list[Nudge]:
        """The open nudges to show on ``day``, the most pressing first (``by_urgency``)."""
        query = select(Nudge).where(*self._open_until(day))
        return list(self._session.scalars(by_urgency(query).limit(limit)))

    def count_open_until(self, day: date) -> int:
        query = select(func.count()).select_from(Nudge).where(*self._open_until(day))
        return self._session.scalar(query) or 0

    def _open_until(self, day: date) -> tuple[Any, ...]:
        return Nudge.agent_id == self.agent_id, Nudge.status == "open", Nudge.show_on <= day

    def for_digest(self, day: date, limit: int = 200) -> list[Nudge]:
        """Open nudges to show on ``day`` that no digest has listed since they became due."""
        query = (select(Nudge)
                 .where(*self._open_until(day),
                        or_(Nudge.shown_on.is_(None), Nudge.shown_on < Nudge.show_on)))
        return list(self._session.scalars(by_urgency(query).limit(limit)))

    def mark_shown(self, nudges: list[Nudge], day: date) -> None:
        for nudge in nudges:
            nudge.shown_on = day

    def unmark_shown(self, days: list[date]) -> None:
        """The digests of ``days`` were withdrawn before being sent: their nudges go into
        the next one."""
        if days:
            self._session.execute(
                update(Nudge)
                .where(Nudge.agent_id == self.agent_id, Nudge.shown_on.in_(days))
                .values(shown_on=None)
                .execution_options(synchronize_session=False))

    def forget_subject(self, subject: str) -> None:
        """Delete every nudge about a deleted ``subject`` ("p:ID" a policy, "m:ID" a family
        member; a deleted client's go by the database's cascade)."""
        self._session.execute(
            delete(Nudge)
            .where(Nudge.agent_id == self.agent_id, Nudge.subject == subject)
            .execution_options(synchronize_session=False))

    def pending(self, subject: str, kinds: tuple[str, ...]) -> list[Nudge]:
        """The nudges of ``kinds`` about ``subject`` not yet dealt with (open, snoozed or
        held back)."""
        query = select(Nudge).where(*self._pending(subject, kinds))
        return list(self._session.scalars(query.order_by(Nudge.id)))

    def remove(self, nudge: Nudge) -> None:
        self._session.delete(nudge)

    def drop_pending(self, subject: str, kinds: tuple[str, ...] = ()) -> None:
        """Delete the nudges about ``subject`` not yet dealt with (open, snoozed or held
        back; of ``kinds`` only, when given): the dates they were computed from changed. Those
        dealt with stay, so the sweep's rerun of today and tomorrow does not bring them back;
        it makes the pending ones again from the new dates."""
        self._session.execute(delete(Nudge).where(*self._pending(subject, kinds))
                              .execution_options(synchronize_session=False))

    def _pending(self, subject: str, kinds: tuple[str, ...]) -> list[Any]:
        """Not yet dealt with (open, snoozed or held back), about ``subject``, of ``kinds``
        (any kind when empty)."""
        where = [Nudge.agent_id == self.agent_id, Nudge.subject == subject,
                 Nudge.status.in_(("open", PAUSED))]
        if kinds:
            where.append(Nudge.kind.in_(kinds))
        return where

    def pause_subject(self, subject: str) -> None:
        """Hold back the open nudges about ``subject`` while it does not apply (a policy not in
        force). The sweep makes no new ones meanwhile."""
        self._set_status(subject, "open", PAUSED)

    def resume_subject(self, subject: str, today: date) -> None:
        """Let the held-back nudges about ``subject`` out again, snoozes kept; those whose day
        has passed meanwhile are dropped."""
        where = (Nudge.agent_id == self.agent_id, Nudge.subject == subject,
                 Nudge.status == PAUSED)
        self._session.execute(delete(Nudge).where(*where, Nudge.due_date < today)
                              .execution_options(synchronize_session=False))
        self._set_status(subject, PAUSED, "open")

    def _set_status(self, subject: str, before: str, after: str) -> None:
        self._session.execute(
            update(Nudge)
            .where(Nudge.agent_id == self.agent_id, Nudge.subject == subject,
                   Nudge.status == before)
            .values(status=after)
            .execution_options(synchronize_session=False))

    def strike_from_lists(self, client: Client) -> None:
        """``client``, being deleted, leaves the festival and salon lists, those dealt with too
        (whatever tier the list gave them); a festival list left with nobody goes. A festival
        list names every client of the agent at the time it was made, the first 15: one made
        after the client was added that does not name them counts them among the rest."""
        query = select(Nudge).where(Nudge.agent_id == self.agent_id,
                                    Nudge.kind.in_(LIST_KINDS),
                                    or_(Nudge.text.contains(f"{client.name}【"),
                                        and_(Nudge.kind == "festival",
                                             Nudge.text.contains(" 等 "),
                                             Nudge.created_at > client.created_at)))
        lists = _Lists(self._session, client)
        for nudge in self._session.scalars(query):
            entry = lists.entry(nudge, client.tier)
            if entry is not None:
                text = _counted_one_less(_cut(nudge.text, *entry))
            elif (nudge.kind == "festival" and nudge.created_at > client.created_at
                  and _NOT_SHOWN.search(nudge.text)):
                text = _counted_one_less(nudge.text)  # among those not shown
            else:  # not on it (only another client of that name, or a longer name: 小张三)
                continue
            if nudge.listed is not None and client.id in nudge.listed:
                nudge.listed = [other for other in nudge.listed if other != client.id]
            if nudge.kind == "festival" and "（共 0 位）" in text:
                self._session.delete(nudge)
            else:
                nudge.text = text.replace(*_EMPTY_INVITEES)

    def retier(self, client: Client, old: str, new: str) -> None:
        """``client`` moved from tier ``old`` to ``new``: the reminders not yet dealt with that
        name the tier (gift time, policy review, follow-up; the client's entry in festival and
        salon lists) name the new one."""
        own = select(Nudge).where(Nudge.agent_id == self.agent_id, Nudge.client_id == client.id,
                                  Nudge.kind.in_(TIER_KINDS),
                                  Nudge.status.in_(("open", PAUSED)),
                                  Nudge.text.contains(f"【{old}】"))
        for nudge in self._session.scalars(own):
            nudge.text = nudge.text.replace(f"【{old}】", f"【{new}】", 1)
        query = select(Nudge).where(Nudge.agent_id == self.agent_id,
                                    Nudge.kind.in_(LIST_KINDS), Nudge.status == "open",
                                    Nudge.text.contains(list_entry(client.name, old)))
        lists = _Lists(self._session, client)
        for nudge in self._session.scalars(query):
            entry = lists.entry(nudge, old)
            if entry is not None and nudge.text[slice(*entry)] == list_entry(client.name, old):
                start, end = entry
                nudge.text = nudge.text[:start] + list_entry(client.name, new) + nudge.text[end:]

    def close_followups(self, client_id: int) -> None:
        """A logged contact resets the follow-up clock: open follow-ups are no longer due."""
        self._session.execute(
            update(Nudge)
            .where(Nudge.agent_id == self.agent_id, Nudge.client_id == client_id,
                   Nudge.kind == "followup", Nudge.status == "open")
            .values(status="done")
            .execution_options(synchronize_session=False))


def agents_with_chats(session: Session) -> list[tuple[Agent, list[Identity]]]:
    """Every reachable agent with its chat identities (for building digests)."""
    agents = list(session.scalars(select(Agent).where(Agent.unreachable.is_(False))))
    identities = list(session.scalars(select(Identity)))
    by_agent: dict[int, list[Identity]] = {}
    for identity in identities:
        by_agent.setdefault(identity.agent_id, []).append(identity)
    return [(agent, by_agent.get(agent.id, [])) for agent in agents]


class _Lists:
    """Where ``client``'s entry stands in a festival or salon list."""

    def __init__(self, session: Session, client: Client) -> None:
        self._session = session
        self._client = client
        self._invited_to: set[str] | None = None

    def entry(self, nudge: Nudge, tier: str) -> tuple[int, int] | None:
        """The (start, end) of the client's entry in ``nudge``'s text, or None when it does not
        name them. A list keeps the ids of the clients it names, in the order it names them;
        one made before it did (revision 0017) is read by name where it can name the client,
        the entry of that name with ``tier`` first."""
        client, listed = self._client, nudge.listed
        if listed is not None:
            if client.id not in listed:
                return None
            at = _entry_at(nudge.text, len(listed), listed.index(client.id), client.name)
            if at is not None:
                return at  # else read by name: the text is not as the list made it
        elif not self._may_name(nudge):
            return None
        entries = list(_entries_named(client.name).finditer(nudge.text))
        entry = next((match for match in entries if match[1] == tier), None)
        entry = entry or next(iter(entries), None)
        return entry.span() if entry is not None else None

    def _may_name(self, nudge: Nudge) -> bool:
        """Whether a list that keeps no ids can name the client: a festival list made since
        they were added, a salon list of a salon they were invited to (or proposed for)."""
        if nudge.kind == "festival":
            return nudge.created_at >= self._client.created_at
        return nudge.subject in self._salons()

    def _salons(self) -> set[str]:
        """The subjects ("s:ID") of the salons the client was invited to."""
        if self._invited_to is None:
            query = select(SalonInvite.salon_id).where(SalonInvite.client_id == self._client.id)
            self._invited_to = {f"s:{salon_id}" for salon_id in self._session.scalars(query)}
        return self._invited_to


def _entries_named(name: str) -> re.Pattern[str]:
    """The whole list entries of ``name`` (between "：" or "、" and "、", "（" or " 等"), their
    tier in group 1."""
    return re.compile(rf"(?<=[：、]){re.escape(name)}【([^【】]*)】(?=[、（ ])")


def _entry_at(text: str, count: int, index: int, name: str) -> tuple[int, int] | None:
    """The (start, end) of the ``index``-th of the ``count`` entries of a list's ``text``, when
    it is ``name``'s. The entries end at the text's last "】"; names and tiers hold no "、", so
    they are the last ``count`` pieces of the text before it, split at "、" (what comes before
    them, a salon's topic, may hold some)."""
    last = text.rfind("】") + 1
    pieces = text[:last].rsplit("、", count - 1)
    if not last or len(pieces) != count:
        return None
    end = last - sum(len(piece) + 1 for piece in pieces[index + 1:])
    entry = re.search(rf"{re.escape(name)}【[^【】]*】$", pieces[index])
    if entry is None:
        return None
    before = pieces[index][:entry.start()]
    fits = before == "" if index else before.endswith("：")
    return (end - len(entry[0]), end) if fits else None


def _cut(text: str, start: int, end: int) -> str:
    """``text`` without the list entry at ``start``:``end`` and the "、" that parts it from the
    next entry (or from the one before, for the last)."""
    if text[end] == "、":
        end += 1
    elif text[start - 1] == "、":
        start -= 1
    return text[:start] + text[end:]


def _counted_one_less(text: str) -> str:
    """A festival list's count (「（共 N 位）」 or 「 等 N 位」, at its end) lowered by one."""
    return _LIST_COUNT.sub(lambda m: m.group(0).replace(m.group(1) or m.group(2),
                                                        str(int(m.group(1) or m.group(2)) - 1)),
                           text, count=1)
