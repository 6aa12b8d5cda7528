"""A client's own reminders follow what they were computed from: a corrected birthday or
anniversary, and the policy the yearly review counts from (deleted, not in force, moved)."""

from __future__ import annotations

from datetime import datetime

from storage.models import Nudge, Policy
from tests.support.rows import rows


def open_nudges(app, kind: str) -> list[Nudge]:
    return [n for n in rows(app, Nudge) if n.kind == kind and n.status == "open"]


def test_a_birthday_corrected_by_a_note_takes_the_old_reminders_with_it(app, chat, clock):
    chat.script("/record 周敏", "女", "1980-12-10", "保存")
    chat.send("/tier 周敏 精选 大客户")
    clock.set(datetime(2026, 12, 3, 1, 0))  # 09:00: a week before 12-10, the gift reminder
    app.nudges.tick()
    assert [n.due_date.isoformat() for n in open_nudges(app, "birthday_ahead")] == ["2026-12-03"]

    assert "生日" in chat.send("/note 周敏 她说生日是12月20日")
    saved = chat.send("保存")
    assert "按旧生日排的提醒已删除" in saved
    assert open_nudges(app, "birthday_ahead") == []
    clock.set(datetime(2026, 12, 4, 1, 0))
    app.nudges.tick()
    assert "12月10日" not in chat.send("/today")
    clock.set(datetime(2026, 12, 13, 1, 0))  # a week before the 20th
    app.nudges.tick()
    assert "7天后（12月20日）" in chat.send("/today")


def test_the_same_birthday_given_again_keeps_its_reminders(app, chat, clock):
    chat.script("/record 周敏", "女", "1980-11-25", "保存")
    app.nudges.tick()  # the 24th: tomorrow's birthday is made
    (birthday,) = open_nudges(app, "birthday")
    saved = chat.script("/record 周敏 生日", "1980-11-25")
    assert "提醒已删除" not in saved
    assert [n.id for n in open_nudges(app, "birthday")] == [birthday.id]


def test_a_wedding_day_corrected_replaces_its_anniversary_reminder(app, chat, clock):
    chat.send("/record 孙明")
    chat.script("男", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "已婚", "王丽",
                "医生", "2015-11-25", "保存")
    app.nudges.tick()  # the 24th: tomorrow's 11th anniversary is made
    assert len(open_nudges(app, "anniversary")) == 1
    chat.send("/note 孙明 结婚纪念日是2015年12月25日")
    assert "按旧纪念日排的提醒已删除" in chat.send("保存")
    clock.set(datetime(2026, 11, 25, 1, 0))
    app.nudges.tick()
    assert "结婚纪念日" not in chat.send("/today")
    assert open_nudges(app, "anniversary") == []


def policy(chat, name: str, start: str) -> None:
    chat.script(f"/policy {name}", "是", "医疗", start, "3000", "10", "跳过", "跳过", "有效")


def test_a_review_goes_with_the_policy_it_counted_from(app, chat, clock):
    chat.script("/record 成交客户", "男", "保存")
    policy(chat, "成交客户", "2025-11-25")
    app.nudges.tick()  # the 24th: tomorrow's yearly review is made
    assert len(open_nudges(app, "review")) == 1
    assert "已删除" in chat.script("/delete 成交客户", "1", "确认删除")  # the policy
    assert open_nudges(app, "review") == []
    clock.set(datetime(2026, 11, 25, 1, 0))
    app.nudges.tick()
    assert "保单检视" not in chat.send("/today")


def test_a_review_stays_when_another_policy_changes(app, chat, clock):
    chat.script("/record 成交客户", "男", "保存")
    policy(chat, "成交客户", "2025-11-25")
    policy(chat, "成交客户", "2026-3-1")
    app.nudges.tick()
    (review,) = open_nudges(app, "review")
    first, second = sorted(rows(app, Policy), key=lambda p: p.start_date)
    assert "续期" in chat.send(f"/policy 成交客户 失效 p{second.id}")  # not the one they count from
    assert [n.id for n in open_nudges(app, "review")] == [review.id]
    chat.send(f"/policy 成交客户 退保 p{first.id}")  # the one they count from: none in force now
    assert open_nudges(app, "review") == []


def test_a_wedding_day_given_again_keeps_its_reminders_and_what_was_done(app, chat, clock):
    chat.send("/record 孙明")
    chat.script("男", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "已婚", "王丽",
                "医生", "2015-11-24", "保存")
    app.nudges.tick()  # the 24th: today's anniversary
    (anniversary,) = open_nudges(app, "anniversary")
    chat.send(f"/done {anniversary.id}")
    saved = chat.script("/record 孙明 结婚纪念日", "2015-11-24")
    assert "提醒已删除" not in saved
    app.nudges.tick()
    assert open_nudges(app, "anniversary") == []  # done stays done
