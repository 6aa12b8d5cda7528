"""A salon must lie ahead: a day gone by, or today at a time already gone (in the agent's own
time zone), is refused politely, nothing is made and the conversation stays where it was. A
meeting that happened is still logged."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import Salon, SalonInvite
from tests.support.chat import ChatDriver

# The clock starts on Tuesday 2026-11-24 at 09:00 in Shanghai (tests/conftest.py START).


def _salons(app) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Salon)))


def _invites(app) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(SalonInvite)))


@pytest.mark.parametrize(("words", "shown"), [
    ("昨天 19:30", "11月23日（周一）"),
    ("前天", "11月22日（周日）"),
    ("2026-11-23 19:30", "11月23日（周一）"),
    ("2025年12月1日", "2025年12月1日（周一）"),
    ("本周一 19:30", "11月23日（周一）"),
    ("今天 08:00", "今天 08:00"),
    ("周二 上午8点半", "今天 08:30"),  # the 周二 of this week is today
    ("今天9:00", "今天 09:00"),  # starting this minute
])
def test_a_salon_already_over_is_refused(chat, app, words, shown):
    chat.script("/record 李娜", "女", "保存")
    reply = chat.send(f"/salon {words} 读书会 @普通")
    assert f"{shown}已经过去了" in reply and "请换一个以后的日期或时间" in reply
    assert "已创建沙龙" not in reply
    assert (_salons(app), _invites(app)) == (0, 0)


@pytest.mark.parametrize("words", ["今天", "今天 09:01", "今天 晚上7点", "明天 08:00",
                                   "周二 19:30"])
def test_a_salon_later_today_or_after_is_made(chat, words):
    assert "已创建沙龙 #1" in chat.send(f"/salon {words} 读书会")


def test_past_is_counted_in_the_agents_time_zone(app, chat):
    # 09:00 on the 24th in Shanghai is 20:00 on the 23rd in New York
    new_york = ChatDriver.for_new_agent(app, "纽约经纪人")
    new_york.send("/settings 时区 America/New_York")
    assert "已创建沙龙" in new_york.send("/salon 今天 21:00 读书会")
    assert "已创建沙龙" in new_york.send("/salon 11月24日 08:00 早餐会")  # tomorrow there
    assert "已经过去了" in new_york.send("/salon 今天 19:30 读书会")
    assert "已经过去了" in chat.send("/salon 11月24日 08:00 早餐会")  # in Shanghai: today, gone


def test_a_record_in_progress_stays_where_it_was(chat):
    chat.script("/record 李娜", "女")
    reply = chat.send("/salon 昨天 19:30 读书会")
    assert "已经过去了" in reply and "「李娜」的档案还没记录完" in reply
    assert "生日" in chat.send("继续")


def test_a_meeting_earlier_today_is_still_logged(chat):
    chat.script("/record 李娜", "女", "保存")
    assert "🤝 已记录：今天 08:00 与「李娜」见面" in chat.send("/meet 李娜 08:00")
