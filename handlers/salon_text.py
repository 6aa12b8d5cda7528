"""Reading "/salon 周四 19:30 主题 #标签 @分层" (or 每周二四六 …) and showing salons (pure,
Chinese texts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from handlers.series_text import parse_weekly
from handlers.template import TIERS
from handlers.when import has_passed, show_clock, show_day, split_when
from storage.masking import mask_numbers

MAX_TOPIC = 100
MAX_TAG = 20
STATUS_LABELS = {"proposed": "建议邀请", "invited": "已邀请", "accepted": "已接受",
                 "declined": "已婉拒", "attended": "已到场"}
VERBS = {"邀请": "invited", "已邀请": "invited", "接受": "accepted", "答应": "accepted",
         "确认": "accepted", "拒绝": "declined", "婉拒": "declined", "参加": "attended",
         "出席": "attended", "到场": "attended", "签到": "attended"}
USAGE = (
    "沙龙用法：\n"
    "· /salon 周四 19:30 退休生活漫谈 #养老规划 @成交 @精选 — 新建沙龙，"
    "并按分层和兴趣推荐邀请对象\n"
    "  日期：今天、明天、后天、周二、下周四、11月26日、2026-11-26（已经过去的不行）；"
    "时间（可省略）：19:30、19点、下午3点；\n"
    "  #标签 按兴趣和需求匹配客户；@分层 限定邀请对象（不写则不限分层）\n"
    "· /salon 每周二四六 19:30 小沙 #亲子 @筛选 — 每周固定的沙龙（也可写 每周二、四、六 或 "
    "每周三），每场前几天自动推荐邀请对象，近两周推荐过的客户排在后面\n"
    "· /salon — 查看即将举行的沙龙和每周沙龙系列\n"
    "· /salon 停止 系列 3 — 停止一个每周沙龙系列（已生成的沙龙保留）\n"
    "· /salon #编号 — 查看沙龙和受邀名单\n"
    "· /salon #编号 邀请 张三 李四 — 标记已邀请（也可以：接受 / 拒绝 / 参加）"
)


@dataclass
class NewSalon:
    day: date | None = None
    weekdays: str = ""  # a series: date.weekday() digits ("135" = 每周二四六)
    time: str = ""
    topic: str = ""
    tags: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)


_CLOCK_LIKE = re.compile(r"\d{1,2}[:：]\d{1,2}")


def parse_new_salon(args: str, today: date) -> NewSalon | str:
    """The salon described by ``args``, or a polite Chinese message saying what is wrong."""
    salon = NewSalon()
    words: list[str] = []
    unread = ""  # why a 每周… word was not read as weekdays
    for token in args.split():
        if token[0] in "#＃":
            tag = mask_numbers(token.lstrip("#＃"))
            if len(tag) > MAX_TAG:
                return f"标签「{tag[:MAX_TAG]}…」太长了，每个标签不超过{MAX_TAG}字。"
            if tag and tag not in salon.tags:
                salon.tags.append(tag)
        elif token[0] in "@＠":
            tier = token.lstrip("@＠").removesuffix("本")
            if tier not in TIERS:
                return f"没有「{tier[:MAX_TAG]}」这个分层，可选：{' / '.join(TIERS)}。"
            if tier not in salon.tiers:
                salon.tiers.append(tier)
        elif (weekly := parse_weekly(token)) is not None:
            if isinstance(weekly, str):
                unread = weekly  # 每周一次的读书会: the topic's words
                words.append(token)
                continue
            if weekly[1] is not None and salon.time:
                return ("一个每周沙龙只能有一个时间；不同时间的，请分开发送，"
                        "如：/salon 每周二 19:30 小沙 和 /salon 每周四 20:00 小沙")
            # 每周二 每周四: both days (the same time)
            salon.weekdays = "".join(sorted(set(salon.weekdays) | set(weekly[0])))
            if weekly[1] is not None:
                salon.time = show_clock(weekly[1])
        elif not _take_when(salon, token, today):
            if _CLOCK_LIKE.fullmatch(token):
                return f"时间「{token}」不对，请写 0:00 到 23:59 之间的时间，如 19:30。"
            words.append(token)
    if salon.day is not None and salon.weekdays:
        return "每周的沙龙不用写日期，写星期几和时间即可，如：/salon 每周二四六 19:30 小沙"
    if salon.day is None and not salon.weekdays:
        return unread or f"没看懂沙龙的日期。\n\n{USAGE}"
    salon.topic = mask_numbers(" ".join(words))  # copied to clients' timelines: no numbers
    if not salon.topic:
        return "请写上沙龙的主题，如：/salon 周四 19:30 退休生活漫谈 #养老规划"
    if len(salon.topic) > MAX_TOPIC:
        return f"主题太长了（{len(salon.topic)}字），请控制在{MAX_TOPIC}字以内。"
    return salon


def _take_when(salon: NewSalon, token: str, today: date) -> bool:
    """Use the token as the salon's day and/or time when it is one and that slot is free."""
    if salon.day is not None and salon.time:
        return False
    day, clock = split_when(token, today)
    if (day is not None and salon.day is not None) or (clock is not None and salon.time):
        return False
    if day is None and clock is None:
        return False
    if day is not None:
        salon.day = day
    if clock is not None:
        salon.time = show_clock(clock)
    return True


def already_over(day: date, time: str, now: datetime) -> str | None:
    """Why a salon on ``day`` at ``time`` cannot be set up at the agent's local time ``now``
    (it is over: an earlier day, or today at a time already come), or None."""
    if not has_passed(day, time, now):
        return None
    when = f"今天 {time}" if day == now.date() else show_day(day, now.date())
    return (f"{when}已经过去了，沙龙要安排在以后。请换一个以后的日期或时间再发送，"
            "如：/salon 明天 19:30 读书会（也可以写 周四、下周二、12月3日）。")


def salon_title(day: date, time: str, topic: str, today: date) -> str:
    """'11月26日（周四） 19:30 退休生活漫谈' (with the year when it is not this year)."""
    return f"{show_day(day, today)}{' ' + time if time else ''} {topic}"


def salon_filters(tags: list[str], tiers: list[str]) -> str:
    parts = [f"标签：{'、'.join(tags)}" if tags else "",
             f"对象：{'、'.join(tiers) if tiers else '不限分层'}"]
    return " · ".join(part for part in parts if part)


def status_counts(statuses: list[str]) -> str:
    return " · ".join(f"{label} {statuses.count(status)}"
                      for status, label in STATUS_LABELS.items())
