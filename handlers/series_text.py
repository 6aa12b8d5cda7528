"""Reading "每周二四六" and showing recurring salons (pure, Chinese texts)."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from handlers.when import WEEKDAYS, parse_clock

ROTATION_DAYS = 14  # proposed for the same series this recently: after everyone else
_DAY = "[一二三四五六日天]"
_WEEKLY = re.compile(rf"每(?:周|星期)(?P<days>{_DAY}(?:[、，,]?{_DAY})*)(?P<rest>.*)")
STOP_WORDS = ("停止", "结束", "取消")
_SERIES_REF = re.compile(r"系列[#＃]?(\d{1,9})")


def parse_weekly(token: str) -> tuple[str, time | None] | str | None:
    """("135", 19:30) for 每周二四六19:30 (the weekdays as date.weekday() digits, and a time
    glued on, if any); a polite message when it starts with 每周 but is not that; None else."""
    if not token.startswith(("每周", "每星期")):
        return None
    match = _WEEKLY.fullmatch(token)
    clock = parse_clock(match["rest"]) if match and match["rest"] else None
    if match is None or (match["rest"] and clock is None):
        return (f"没看懂「{token[:20]}」：每周后面请直接写星期几，"
                "如 每周二四六、每周二、四、六、每周三。")
    days = {WEEKDAYS.index(day.replace("天", "日")) for day in re.sub("[、，,]", "",
                                                                     match["days"])}
    return "".join(str(day) for day in sorted(days)), clock


def show_weekdays(weekdays: str) -> str:
    """"135" → 每周二、四、六."""
    return "每周" + "、".join(WEEKDAYS[int(digit)] for digit in weekdays)


def meets_on(weekdays: str, day: date) -> bool:
    return str(day.weekday()) in weekdays


def next_meeting(weekdays: str, start: date) -> date:
    """The first day on or after ``start`` on one of ``weekdays``."""
    return next(start + timedelta(days=n) for n in range(7)
                if meets_on(weekdays, start + timedelta(days=n)))


def series_title(series_id: int, weekdays: str, time: str, topic: str) -> str:
    """'系列 3：每周二、四、六 19:30 小沙'."""
    return f"系列 {series_id}：{show_weekdays(weekdays)}{' ' + time if time else ''} {topic}"


def stop_hint(series_id: int) -> str:
    return f"/salon 停止 系列 {series_id}"


def parse_stop(words: list[str]) -> int | str | None:
    """The series id of "停止 系列 3" (also 停止系列3, 结束 系列 #3), a message when the first
    word is 停止 without a series after it, or None when it is not a stop (停止吸烟讲座…)."""
    first = words[0] if words else ""
    verb = next((word for word in STOP_WORDS
                 if first == word or first.startswith(f"{word}系列")), None)
    if verb is None:
        return None
    text = "".join(words)
    match = _SERIES_REF.fullmatch(text.removeprefix(verb))
    if match is None:
        return "请写上要停止的系列编号，如：/salon 停止 系列 3（发送 /salon 可以看到系列编号）。"
    return int(match[1])
