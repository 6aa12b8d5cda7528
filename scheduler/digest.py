"""Morning digests (one per agent per local day, at the agent's hour) and timely pushes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.nudge_list import numbered
from handlers.types import Option, Reply, reply_to_json
from handlers.when import local_now, to_utc, zone_of
from scheduler import texts
from scheduler.config import NudgeRules
from storage.models import Agent, Identity, Nudge
from storage.nudges import agents_with_chats
from storage.outbox import DIGEST, WITHDRAWN, digest_key, record_push_key
from storage.sweep_queries import SweepQueries
from storage.uow import UnitOfWork, UnitOfWorkFactory

PLATFORM_PREFERENCE = ("telegram", "wechat", "terminal")
BUILDABLE = (None, WITHDRAWN)  # a digest's status while one may be built: none yet, or held back


def preferred_chat(identities: list[Identity]) -> Identity | None:
    """Where pushes to an agent go: Telegram, else WeChat, else the terminal."""
    ranked = sorted(identities, key=lambda i: PLATFORM_PREFERENCE.index(i.platform)
                    if i.platform in PLATFORM_PREFERENCE else 99)
    return ranked[0] if ranked else None


def local_time(now: datetime, agent: Agent, bot_zone: ZoneInfo) -> datetime:
    """``now`` (naive UTC) as the agent's naive local time (``bot_zone``'s, when the agent's
    stored zone is unusable)."""
    return local_now(now, zone_of(agent.timezone, bot_zone))


def in_quiet_hours(hour: int, agent: Agent) -> bool:
    start, end = agent.quiet_start, agent.quiet_end
    if start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def quiet_until(now: datetime, agent: Agent, bot_zone: ZoneInfo) -> datetime | None:
    """The UTC moment quiet hours end, or None when it is not quiet now."""
    local = local_time(now, agent, bot_zone)
    if not in_quiet_hours(local.hour, agent):
        return None
    end = local.replace(hour=agent.quiet_end, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return to_utc(end.date(), end.time(), zone_of(agent.timezone, bot_zone))


def digest_reply(day: date, nudges: list[Nudge]) -> Reply:
    return numbered(f"☀️ {texts.md(day)} 今日提醒（{len(nudges)} 项）", nudges, day,
                    "每一项都可以标记完成、推迟或查看档案；发送 /today 随时查看。")


def build_digests(uow_factory: UnitOfWorkFactory, now: datetime, bot_zone: ZoneInfo) -> int:
    """Enqueue today's digest for every agent whose digest hour has come; returns how many."""
    created = 0
    with uow_factory() as uow:
        for agent, identities in agents_with_chats(uow.session):
            local = local_time(now, agent, bot_zone)
            chat = preferred_chat(identities)
            if chat is None or local.hour < agent.digest_hour:
                continue
            day = local.date()
            held = quiet_until(now, agent, bot_zone)
            if held is not None and local_time(held, agent, bot_zone).date() > day:
                continue  # it could only go out tomorrow, beside tomorrow's, which lists these
            if uow.outbox.status_of(digest_key(agent.id, day)) not in BUILDABLE:
                continue  # today's is made already: one a day
            created += _digest_for(uow, agent, chat, day, now, bot_zone)
            uow.commit()  # each agent's own transaction: its lock is not held for the rest
        uow.commit()
    return created


def _digest_for(uow: UnitOfWork, agent: Agent, chat: Identity, day: date, now: datetime,
                bot_zone: ZoneInfo) -> int:
    uow.outbox.hold_digests(agent.id)
    key = digest_key(agent.id, day)
    status = uow.outbox.status_of(key)
    if status not in BUILDABLE:  # made meanwhile by another process
        return 0
    repo = uow.nudges(agent.id)
    repo.unmark_shown(uow.outbox.fold_past_digests(agent.id, day))  # listed in this one
    nudges = [n for n in repo.for_digest(day) if n.kind != "record_now"]
    if not nudges:
        return 0
    payload = [reply_to_json(digest_reply(day, nudges))]
    if status == WITHDRAWN:  # withheld after a deletion: built again from what is left
        added = uow.outbox.refill(key, payload, chat.platform, chat.chat_id or chat.external_id,
                                  now)
    else:
        held = quiet_until(now, agent, bot_zone)  # built late: waits
        added = uow.outbox.enqueue(key, agent.id, chat.platform,
                                   chat.chat_id or chat.external_id, DIGEST, payload, now,
                                   not_before=held)
    if not added:
        return 0  # another process enqueued it first; its transaction marks the nudges
    repo.mark_shown(nudges, day)
    return 1


def push_record_reminders(uow_factory: UnitOfWorkFactory, now: datetime, rules: NudgeRules,
                          bot_zone: ZoneInfo) -> int:
    """An hour after a logged meeting with no note or record since, a single push."""
    after = timedelta(minutes=rules.record_after_minutes)
    pushed = 0
    with uow_factory() as uow:
        chats = {agent.id: (agent, preferred_chat(ids))
                 for agent, ids in agents_with_chats(uow.session)}
        meetings = SweepQueries(uow.session).unrecorded_meetings(now - timedelta(days=1),
                                                                 now - after)
        for meeting_id, agent_id, client_id, name, at in meetings:
            agent, chat = chats.get(agent_id, (None, None))
            if agent is None or chat is None:
                continue
            met = local_time(at, agent, bot_zone)
            reply = Reply(f"✍️ {met:%H:%M} 见了 {name}，还没有记录。趁记忆新鲜记下聊到的软信息吧。",
                          (Option("记录档案", f"/record #{client_id}"),
                           Option("查看档案", f"/card #{client_id}")))
            pushed += uow.outbox.enqueue(
                record_push_key(meeting_id), agent_id, chat.platform,
                chat.chat_id or chat.external_id, "push", [reply_to_json(reply)], now,
                not_before=quiet_until(now, agent, bot_zone))
        uow.commit()
    return pushed
