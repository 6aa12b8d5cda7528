"""Invitee proposals and day/time words (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.invitees import propose_invitees
from handlers.salon_text import NewSalon, parse_new_salon
from handlers.when import parse_clock, parse_day, split_when, to_utc, zone_of

TUESDAY = date(2026, 11, 24)


@dataclass
class Person:
    name: str
    tier: str = "普通"
    tags: list[str] = field(default_factory=list)
    last_contact_at: datetime | None = None


def test_proposals_rank_by_tags_then_tier_then_contact():
    people = [
        Person("a", "核心"),
        Person("b", "成交", ["养老规划"], datetime(2026, 1, 1)),
        Person("c", "成交", ["养老规划"], None),  # never contacted: longest
        Person("d", "筛选", ["养老规划", "健康保障"], datetime(2026, 11, 1)),
        Person("e", "普通", ["养老"]),  # "养老" matches "养老规划"
    ]
    chosen = propose_invitees(["养老规划", "健康保障"], [], people)
    assert [p.client.name for p in chosen] == ["d", "c", "b", "e", "a"]
    assert chosen[0].matched == ("养老规划", "健康保障") and chosen[-1].matched == ()
    assert [p.client.name for p in propose_invitees([], ["成交"], people, limit=1)] == ["c"]
    assert propose_invitees(["x"], ["精选"], people) == []


@pytest.mark.parametrize(("word", "expected"), [
    ("今天", date(2026, 11, 24)), ("大后天", date(2026, 11, 27)), ("周一", date(2026, 11, 30)),
    ("本周一", date(2026, 11, 23)), ("礼拜天", date(2026, 11, 29)),
    ("昨天", date(2026, 11, 23)), ("前天", date(2026, 11, 22)),
    ("下个星期二", date(2026, 12, 1)), ("下下周二", date(2026, 12, 8)),
    ("2月29日", date(2028, 2, 29)), ("2026年12月5日", date(2026, 12, 5)),
    ("27年1月9日", date(2027, 1, 9)), ("26.12.5", date(2026, 12, 5)),  # the nearest year ahead
    ("35年1月9日", date(2035, 1, 9)),
    ("周八", None), ("2月30日", None), ("退休", None),
])
def test_day_words(word, expected):
    assert parse_day(word, TUESDAY) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("19:30", time(19, 30)), ("１９：３０", time(19, 30)), ("19点", time(19)),
    ("7点半", time(7, 30)), ("下午3点", time(15)), ("晚上七点十五", time(19, 15)),
    ("中午12点", time(12)), ("凌晨12点", time(0)), ("25:00", None), ("3", None),
    ("19:75", None),
])
def test_clock_words(word, expected):
    assert parse_clock(word) == expected


def test_glued_day_and_time_and_zone():
    assert split_when("周四19:30", TUESDAY) == (date(2026, 11, 26), time(19, 30))
    assert split_when("读书会", TUESDAY) == (None, None)
    london = ZoneInfo("Europe/London")  # the bot's configured zone
    assert to_utc(TUESDAY, time(15), zone_of("Asia/Shanghai", london)) == datetime(2026, 11, 24, 7)
    assert [zone_of(name, london).key for name in ("Not/AZone", "../x", "America", "", None)] \
        == ["Europe/London"] * 5


@given(st.text(max_size=60))
def test_salon_arguments_never_raise(text):
    result = parse_new_salon(text, TUESDAY)
    assert isinstance(result, (NewSalon, str))
