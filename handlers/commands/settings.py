"""/settings 设置: the daily reminder hour, quiet hours and time zone of the agent."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from handlers.context import Context
from handlers.fields.text import compact, first_word
from handlers.types import Reply
from storage.models import Agent

ZONE_ALIASES = {"北京": "Asia/Shanghai", "上海": "Asia/Shanghai", "中国": "Asia/Shanghai",
                "香港": "Asia/Hong_Kong", "澳门": "Asia/Macau", "台北": "Asia/Taipei",
                "新加坡": "Asia/Singapore", "东京": "Asia/Tokyo", "伦敦": "Europe/London",
                "纽约": "America/New_York", "悉尼": "Australia/Sydney"}
USAGE = ("可以这样修改：\n"
         "· /settings 提醒时间 7 — 每天几点收到提醒汇总（0–23）\n"
         "· /settings 免打扰 22-8 — 免打扰时段（从几点到几点）\n"
         "· /settings 时区 Asia/Shanghai — 时区（也可以写：北京、香港、新加坡…）")
_HOUR = re.compile(r"(\d{1,2})(?::00|点|时)?")
_RANGE = re.compile(r"(\d{1,2})(?::00|点|时)?(?:-|~|到|至)(\d{1,2})(?::00|点|时)?")


def settings(ctx: Context, args: str) -> list[Reply]:
    key, value = first_word(args)
    value = value.strip()
    if not key:
        return [Reply(_current(ctx))]
    if key in {"提醒时间", "提醒", "汇总时间"}:
        return [Reply(_digest_hour(ctx, value))]
    if key in {"免打扰", "勿扰"}:
        return [Reply(_quiet_hours(ctx, value))]
    if key == "时区":
        return [Reply(_timezone(ctx, value))]
    return [Reply(f"没有「{key[:20]}」这项设置。\n{USAGE}")]


def _agent_row(ctx: Context) -> Agent:
    agent = ctx.uow.agents.get(ctx.agent.id)
    assert agent is not None  # the message was routed to this agent in this transaction
    return agent


def _current(ctx: Context) -> str:
    agent = ctx.agent
    return (f"⚙️ 当前设置\n每日提醒时间：{agent.digest_hour}:00\n"
            f"免打扰时段：{agent.quiet_start}:00–{agent.quiet_end}:00\n"
            f"时区：{agent.timezone}\n\n{USAGE}")


def _hour(text: str) -> int | None:
    match = _HOUR.fullmatch(text)
    return int(match[1]) if match and int(match[1]) <= 23 else None


def _digest_hour(ctx: Context, value: str) -> str:
    hour = _hour(compact(value))
    if hour is None:
        return "提醒时间请写0到23之间的整点，如：/settings 提醒时间 7"
    _agent_row(ctx).digest_hour = hour
    ctx.audit("settings", detail=f"digest_hour={hour}")
    return f"✅ 好的，以后每天 {hour}:00 发送提醒汇总。"


def _quiet_hours(ctx: Context, value: str) -> str:
    match = _RANGE.fullmatch(compact(value))
    start, end = (int(match[1]), int(match[2])) if match else (-1, -1)
    if not (0 <= start <= 23 and 0 <= end <= 23):
        return "免打扰时段请写成“开始-结束”的整点（0到23），如：/settings 免打扰 22-8"
    if start == end:
        return "免打扰的开始和结束不能是同一个钟点，如：/settings 免打扰 22-8"
    agent = _agent_row(ctx)
    agent.quiet_start, agent.quiet_end = start, end
    ctx.audit("settings", detail=f"quiet={start}-{end}")
    return f"✅ 好的，{start}:00 到 {end}:00 之间不主动打扰您。"


def _timezone(ctx: Context, value: str) -> str:
    name = ZONE_ALIASES.get(value, value)
    if not _valid_zone(name):
        return ("没有找到这个时区，请写标准时区名，如：/settings 时区 Asia/Shanghai"
                "（也可以写：北京、香港、新加坡、东京、伦敦、纽约）")
    agent = _agent_row(ctx)
    if agent.timezone != name:  # the sweep looks again at the follow-ups this moves back
        agent.timezone, agent.timezone_changed_at = name, ctx.now
    ctx.audit("settings", detail=f"timezone={name}")
    return f"✅ 好的，时区已改为 {name}。"


def _valid_zone(name: str) -> bool:
    if not name or len(name) > 64 or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-/]*", name):
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
