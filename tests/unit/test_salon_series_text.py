"""Reading "每周二四六", stopping a series, and rotating the proposed invitees (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest

from handlers.invitees import propose_invitees, rotate
from handlers.salon_text import NewSalon, parse_new_salon
from handlers.series_text import (
    meets_on,
    next_meeting,
    parse_stop,
    parse_weekly,
    series_title,
    show_weekdays,
)

TUESDAY = date(2026, 11, 24)


@pytest.mark.parametrize(("token", "weekdays", "clock"), [
    ("每周二四六", "135", None),
    ("每周二、四、六", "135", None),
    ("每周二，四，六", "135", None),
    ("每周六四二", "135", None),
    ("每周三", "2", None),
    ("每周日", "6", None),
    ("每周天", "6", None),
    ("每星期一三五", "024", None),
    ("每周二二四", "13", None),
    ("每周二四六19:30", "135", time(19, 30)),
    ("每周三晚上7点", "2", time(19, 0)),
])
def test_weekly_days_are_read(token, weekdays, clock):
    assert parse_weekly(token) == (weekdays, clock)


@pytest.mark.parametrize("token", ["每周", "每周一至五", "每周二到六", "每周二四六小沙", "每周八"])
def test_what_is_not_plainly_weekdays_gets_a_polite_answer(token):
    answer = parse_weekly(token)
    assert isinstance(answer, str) and "每周二四六" in answer


@pytest.mark.parametrize("token", ["周二", "每天", "二四六", "每月"])
def test_other_words_are_not_weekly(token):
    assert parse_weekly(token) is None


def test_a_weekly_salon_is_parsed_with_topic_tags_and_tiers():
    parsed = parse_new_salon("每周二四六 19:30 小沙 #亲子 @筛选 @成交", TUESDAY)
    assert parsed == NewSalon(day=None, weekdays="135", time="19:30", topic="小沙",
                              tags=["亲子"], tiers=["筛选", "成交"])


def test_a_weekly_salon_takes_no_date():
    assert "不用写日期" in str(parse_new_salon("每周二四六 周四 小沙", TUESDAY))
    assert "没看懂「每周一至五」" in str(parse_new_salon("每周一至五 小沙", TUESDAY))
    assert "主题" in str(parse_new_salon("每周三 19:30", TUESDAY))


def test_weekly_words_written_apart_add_up():
    parsed = parse_new_salon("每周二 每周四 19:30 小沙", TUESDAY)
    assert isinstance(parsed, NewSalon) and (parsed.weekdays, parsed.topic) == ("13", "小沙")
    two_times = parse_new_salon("每周二19:30 每周四20:00 小沙", TUESDAY)
    assert isinstance(two_times, str) and "只能有一个时间" in two_times


def test_a_one_off_salon_may_have_every_week_in_its_topic():
    parsed = parse_new_salon("周四 每周一次的读书会", TUESDAY)
    assert isinstance(parsed, NewSalon) and parsed.topic == "每周一次的读书会"
    assert parsed.day == date(2026, 11, 26) and not parsed.weekdays


def test_weekdays_shown_and_met():
    assert show_weekdays("135") == "每周二、四、六"
    assert series_title(3, "2", "", "读书会") == "系列 3：每周三 读书会"
    assert meets_on("135", TUESDAY) and not meets_on("135", date(2026, 11, 25))
    assert next_meeting("135", date(2026, 11, 25)) == date(2026, 11, 26)
    assert next_meeting("0", TUESDAY) == date(2026, 11, 30)
    assert next_meeting("1", TUESDAY) == TUESDAY


@pytest.mark.parametrize(("words", "expected"), [
    ("停止 系列 3", 3), ("停止系列3", 3), ("结束 系列 #12", 12), ("取消 系列＃4", 4),
    ("周四 19:30 沙龙", None), ("每周二 停止吸烟讲座", None), ("停止吸烟 周四", None),
])
def test_stopping_a_series_names_its_number(words, expected):
    assert parse_stop(words.split()) == expected


def test_stopping_without_a_number_asks_for_it():
    answer = parse_stop(["停止", "小沙"])
    assert isinstance(answer, str) and "系列编号" in answer


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    tier: str = "普通"
    tags: list[str] | None = None
    last_contact_at: datetime | None = None


def test_rotation_puts_recent_invitees_last_the_longest_ago_first():
    people = [Person(n, f"客户{n}", tags=["亲子"] if n < 3 else None) for n in range(6)]
    ranked = propose_invitees(["亲子"], [], people, limit=len(people))
    assert [p.client.id for p in ranked] == [0, 1, 2, 3, 4, 5]
    lately = {0: date(2026, 11, 24), 1: date(2026, 11, 26), 3: date(2026, 11, 24)}
    rotated = rotate(ranked, lately)
    assert [p.client.id for p in rotated] == [2, 4, 5, 0, 3, 1]
    assert rotated[-1].matched == ("亲子",)  # the reason stays
    assert [p.client.id for p in rotate(ranked, lately, limit=2)] == [2, 4]
