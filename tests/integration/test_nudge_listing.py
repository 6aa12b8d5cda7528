"""/today and the digest: today's and the top tiers' reminders first, every item actionable;
a digest built late waits for the end of quiet hours."""

from __future__ import annotations

import re
from datetime import date, datetime

from storage.models import Nudge, OutboxMessage
from tests.support.rows import rows


def _birthday_client(chat, name: str, birthday: str, tier: str | None = None) -> None:
    chat.script(f"/record {name}", "女", birthday, "保存")
    if tier:
        chat.send(f"/tier {name} {tier} 测试")


def test_today_shows_todays_reminders_when_many_older_ones_are_open(app, chat, clock):
    for n in range(55):
        _birthday_client(chat, f"旧客户{n}", "1981-11-20")
    _birthday_client(chat, "今天普通", "1981-11-24")
    _birthday_client(chat, "今天核心", "1981-11-24", "核心")
    app.nudges.sweeper.sweep_day(date(2026, 11, 20), datetime(2026, 11, 20, 1, 0))
    app.nudges.tick()
    reply = chat.send("/today")
    lines = reply.splitlines()
    # and 今天核心's gift time, made late on the 20th (its lead day, the 17th, had gone by)
    assert lines[0] == "今天的提醒（共 58 项）："
    assert "今天核心 今天生日" in lines[1] and "今天普通 今天生日" in lines[2]
    assert "另有 8 项较早的提醒未列出" in reply


def test_every_listed_item_can_be_opened_and_top_tiers_come_first(app, chat, clock):
    for n in range(10):
        _birthday_client(chat, f"普通{n}", "1981-11-24")
    _birthday_client(chat, "筛选客户", "1981-11-24", "筛选")
    _birthday_client(chat, "成交客户", "1981-11-24", "成交")
    _birthday_client(chat, "精选客户", "1981-11-24", "精选")
    _birthday_client(chat, "核心客户", "1981-11-24", "核心")
    clock.set(datetime(2026, 11, 24, 0, 30))  # 08:30 in Shanghai: the digest hour
    app.nudges.tick()
    (digest,) = [m for m in rows(app, OutboxMessage) if m.kind == "digest"]
    lines = digest.payload[0]["text"].splitlines()[1:]
    names = [re.search(r"🎂 (\S+) 今天生日", line).group(1) for line in lines[:4]]
    assert names == ["核心客户", "精选客户", "成交客户", "筛选客户"]
    assert len(digest.payload[0]["options"]) == 10
    twelfth = lines[11]
    (nudge_id,) = re.findall(r"/nudge (\d+)", twelfth)
    (nudge,) = [n for n in rows(app, Nudge) if n.id == int(nudge_id)]
    assert nudge.text in twelfth
    menu = chat.send(f"/nudge {nudge_id}")
    assert nudge.text in menu and "推迟3天" in menu


def test_a_digest_built_in_quiet_hours_waits_for_their_end(app, chat, clock):
    _birthday_client(chat, "张丽华", "1981-11-25")
    chat.send("/settings 提醒时间 7")  # quiet hours 22-8 still hold at 7
    clock.set(datetime(2026, 11, 24, 15, 30))  # 23:30 in Shanghai: it could only go tomorrow
    assert app.nudges.tick().digests == 0
    clock.set(datetime(2026, 11, 24, 23, 5))  # 07:05
    assert app.nudges.tick().digests == 1
    (digest,) = [m for m in rows(app, OutboxMessage) if m.kind == "digest"]
    assert digest.next_attempt_at == datetime(2026, 11, 25, 0, 0)  # 08:00 local
