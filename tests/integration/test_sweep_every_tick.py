"""Every scheduler tick sweeps today and tomorrow again: what is recorded after the morning's
sweep still becomes a reminder, once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.models import Nudge, OutboxMessage
from tests.support.rows import rows


def _tick_every_half_hour(app, clock, until: datetime) -> None:
    while clock.now() < until:
        clock.advance(minutes=30)
        app.nudges.tick()


def test_a_client_recorded_after_the_morning_sweep_gets_today_and_tomorrow(app, chat, clock):
    clock.set(datetime(2026, 11, 24, 0, 0))  # 08:00 in Shanghai: the first tick of the day
    app.nudges.tick()
    clock.set(datetime(2026, 11, 24, 2, 0))  # 10:00: two clients recorded after it
    chat.script("/record 今天寿星", "女", "1980-11-24", "保存")
    chat.script("/record 明天寿星", "女", "1980-11-25", "保存")
    chat.script("/record 精选寿星", "女", "1980-12-01", "保存")  # 7 days ahead: tomorrow
    chat.send("/tier 精选寿星 精选 大客户")
    _tick_every_half_hour(app, clock, datetime(2026, 11, 26, 4, 0))
    nudges = {(n.kind, n.text.split()[1], n.due_date) for n in rows(app, Nudge)}
    assert nudges == {("birthday", "今天寿星", date(2026, 11, 24)),
                      ("birthday", "明天寿星", date(2026, 11, 25)),
                      ("birthday_ahead", "精选寿星", date(2026, 11, 24))}
    digests = [m.payload[0]["text"] for m in rows(app, OutboxMessage)
               if m.kind == "digest" and m.payload]  # (a digest of the day before: folded)
    assert any("明天寿星 今天生日" in text for text in digests)


def test_a_salon_created_two_days_ahead_is_proposed_the_same_day(app, chat, clock):
    chat.script("/record 张丽华", "女", "保存")
    app.nudges.tick()
    clock.advance(hours=3)
    chat.send("/salon 2026-11-26 19:30 退休生活漫谈")
    _tick_every_half_hour(app, clock, clock.now() + timedelta(hours=1))
    (salon,) = [n for n in rows(app, Nudge) if n.kind == "salon"]
    assert salon.due_date == date(2026, 11, 24)


def test_re_sweeping_today_inserts_nothing_twice(app, chat, clock):
    chat.script("/record 张丽华", "女", "1977-11-24", "保存")
    assert app.nudges.tick().nudges == 1
    _tick_every_half_hour(app, clock, clock.now() + timedelta(hours=3))
    assert len(rows(app, Nudge)) == 1
