"""Days and times as agents type them (明天, 周四, 下周二, 11月26日, 19:30, 下午3点), in the
agent's own time zone. Pure: nothing here raises for bad input, it returns None."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.fields import ParseError
from handlers.fields.dates import parse_solar
from handlers.fields.numbers import small_int
from handlers.fields.text import compact

WEEKDAYS = "一二三四五六日"
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
             "昨天": -1, "昨日": -1, "前天": -2, "大前天": -3}
_WEEKDAY = re.compile(r"(?P<which>下下|下个?|这个?|本)?(?:周|星期|礼拜)(?P<d>[一二三四五六日天])")
_CLOCK = re.compile(
    r"(?P<p>上午|早上|早晨|中午|下午|傍晚|晚上|凌晨)?(?P<h>\d{1,2}|[零一二两三四五六七八九十]{1,3})"
    r"(?::(?P<m>\d{2})|[点时](?:(?P<half>半)|(?P<m2>\d{1,2}|[零一二三四五六七八九十]{1,3})分?)?)"
)
_AFTERNOON = {"下午", "傍晚", "晚上"}
MAX_GLUED = 20  # longer tokens are not tried as a day glued to a time


def zone_of(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The agent's zone; none or an unusable stored name falls back to ``fallback`` (the
    bot's configured zone)."""
    try:
        return ZoneInfo(name) if name else fallback
    except (ValueError, KeyError, OSError):
        return fallback


def local_now(now: datetime, zone: ZoneInfo) -> datetime:
    """``now`` (naive UTC) as a naive local datetime in ``zone``."""
    return now.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local day and time as naive UTC."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def parse_day(word: str, today: date) -> date | None:
    """今天/明天/后天 (昨天/前天 too), 周四 (the next one, today included), 下周二 (本周一, this
    week's, may have passed), 11月26日 (the next one), 2026-11-26; a two-digit year is the
    nearest from this year on (27年1月9日 in 2026: 2027)."""
    text = compact(word)
    if text in _RELATIVE:
        return today + timedelta(days=_RELATIVE[text])
    match = _WEEKDAY.fullmatch(text)
    if match:
        weekday = WEEKDAYS.index(match["d"].replace("天", "日"))
        monday = today - timedelta(days=today.weekday())
        which = match["which"] or ""
        if which.startswith("下"):
            return monday + timedelta(days=7 * which.count("下") + weekday)
        if which:
            return monday + timedelta(days=weekday)
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    try:
        value = parse_solar(text, today, "ahead")
    except ParseError:
        return None
    if value["year"] is not None:
        return date(value["year"], value["month"], value["day"])
    return _next_occurrence(value["month"], value["day"], today)


def _next_occurrence(month: int, day: int, today: date) -> date | None:
    """This year's date, or next year's when it has passed (2月29日: the next leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def parse_clock(word: str) -> time | None:
    """19:30, 19点, 7点半, 下午3点, 晚上七点十五 → a time of day."""
    match = _CLOCK.fullmatch(compact(word))
    if not match:
        return None
    hour = small_int(match["h"])
    minute = 30 if match["half"] else small_int(match["m"] or match["m2"] or "0")
    if hour is None or minute is None:
        return None
    period = match["p"]
    if (period in _AFTERNOON and hour < 12) or (period == "中午" and hour < 6):
        hour += 12
    elif period == "凌晨" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def split_when(word: str, today: date) -> tuple[date | None, time | None]:
    """A token that is a day, a time, or a day glued to a time (周四19:30, 明天下午3点)."""
    day = parse_day(word, today)
    if day is not None:
        return day, None
    clock = parse_clock(word)
    if clock is not None:
        return None, clock
    if len(word) > MAX_GLUED:
        return None, None
    for cut in range(1, len(word)):
        day, clock = parse_day(word[:cut], today), parse_clock(word[cut:])
        if day is not None and clock is not None:
            return day, clock
    return None, None


def has_passed(day: date, clock: str, now: datetime) -> bool:
    """Whether ``day`` at ``clock`` ("19:30"; "" for a day without a time) is over at the local
    time ``now``: an earlier day, or today at a time already come."""
    today = now.date()
    return day < today or (day == today and bool(clock) and clock <= f"{now:%H:%M}")


def show_day(day: date, today: date | None = None) -> str:
    """'11月26日（周四）'; with the year when it is not ``today``'s year."""
    year = f"{day.year}年" if today is not None and day.year != today.year else ""
    return f"{year}{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def show_clock(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"
