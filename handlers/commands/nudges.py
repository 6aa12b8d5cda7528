"""Acting on reminders: /nudge ID (menu), /done ID, /snooze ID DAYS, /today 今天."""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Context
from handlers.fields.numbers import small_int
from handlers.nudge_list import month_day, numbered
from handlers.resolve import MAX_ID
from handlers.types import Option, Reply
from storage.models import Nudge
from storage.nudges import PAUSED, SUPERSEDED, event_day

SNOOZE_DAYS = (1, 3, 7)


def _nudge_id(args: str) -> int | None:
    word = args.strip().lstrip("#")
    return int(word) if word.isdecimal() and int(word) <= MAX_ID else None


def menu(ctx: Context, args: str) -> list[Reply]:
    nudge_id = _nudge_id(args)
    nudge = ctx.uow.nudges(ctx.agent.id).get(nudge_id) if nudge_id else None
    if nudge is None:
        return [Reply("没有找到这条提醒。发送 /today 查看今天的提醒。")]
    options = [Option("✅ 完成", f"/done {nudge.id}")]
    options += [Option(f"推迟{days}天", f"/snooze {nudge.id} {days}") for days in SNOOZE_DAYS]
    if nudge.client_id:
        options.append(Option("查看档案", f"/card #{nudge.client_id}"))
    state = {"done": "（已完成）", SUPERSEDED: "（已有更新的一条）"}.get(nudge.status, "")
    if _gone_by(nudge, ctx):
        state = "（日子已过）"
    return [Reply(f"{nudge.text}{state}", tuple(options))]


def _gone_by(nudge: Nudge, ctx: Context) -> bool:
    """A lead reminder retired because its event (birthday, premium, salon) is over."""
    day = event_day(nudge)
    return nudge.status == SUPERSEDED and day is not None and day < ctx.today


def done(ctx: Context, args: str) -> list[Reply]:
    nudge_id = _nudge_id(args)
    nudge = ctx.uow.nudges(ctx.agent.id).get(nudge_id) if nudge_id else None
    if nudge is None:
        return [Reply("没有找到这条提醒。")]
    if nudge.status == "done":
        return [Reply("这条提醒已经完成了。")]
    nudge.status = "done"
    client = ctx.clients.get(nudge.client_id) if nudge.client_id else None
    if client is not None:
        ctx.touch(client)
        ctx.clients.add_timeline(client, "contact", f"完成提醒：{nudge.text}", ctx.now)
    ctx.audit("nudge_done", client, str(nudge.id))
    contact = "，已记为一次联系" if client is not None else ""
    return [Reply(f"✅ 已完成{contact}。")]


def snooze(ctx: Context, args: str) -> list[Reply]:
    parts = args.split()
    nudge_id = _nudge_id(parts[0]) if parts else None
    nudge = ctx.uow.nudges(ctx.agent.id).get(nudge_id) if nudge_id else None
    if nudge is None:
        return [Reply("没有找到这条提醒。用法：/snooze 提醒编号 天数")]
    days = _days(parts[1]) if len(parts) > 1 else 1
    if days is None or not 1 <= days <= 30:
        return [Reply(f"推迟天数请写 1 到 30 之间的数，如：/snooze {parts[0]} 3")]
    if nudge.status == "done":  # another copy of its menu, pressed later: it stays done
        return [Reply("这条提醒已经完成了，不用再推迟。")]
    if nudge.status == PAUSED:
        return [Reply("这条提醒的保单不在有效状态，已暂停；保单改回「有效」后会恢复提醒。")]
    if _gone_by(nudge, ctx):
        return [Reply("这条提醒的日子已经过了，不用再推迟。")]
    if nudge.status == SUPERSEDED:
        newer = ("这位客户已有更新的一条跟进提醒" if nudge.kind == "followup"
                 else "这笔续期已有更近的一条提醒")
        return [Reply(f"{newer}，请发送 /today 查看。")]
    nudge.show_on = ctx.today + timedelta(days=days)
    nudge.status = "open"
    ctx.audit("nudge_snooze", None, f"{nudge.id}:{days}")
    return [Reply(f"⏰ 好的，{days}天后（{month_day(nudge.show_on)}）再提醒你。")]


def _days(text: str) -> int | None:
    """3, 3天, 三天, 十日; None when it is not a plain count of days."""
    return small_int(text.removesuffix("天").removesuffix("日"))


def today(ctx: Context, args: str) -> list[Reply]:
    """The open reminders, today's and the top tiers' first; how many more there are."""
    repo = ctx.uow.nudges(ctx.agent.id)
    nudges = repo.open_until(ctx.today)
    if not nudges:
        return [Reply("今天没有待办提醒。")]
    total = repo.count_open_until(ctx.today)
    more = total - len(nudges)
    footer = f"另有 {more} 项较早的提醒未列出，处理掉上面的再发送 /today 查看。" if more else ""
    return [numbered(f"今天的提醒（共 {total} 项）：", nudges, ctx.today, footer)]
