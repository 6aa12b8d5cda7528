"""Lead reminders (the gift time before a birthday, the renewal reminders before a premium,
a salon's invitee list) for what is recorded, raised to a top tier or swept after the lead
day: made once by the next sweep while the event is still ahead, for the nearest lead, saying
the days truly left; never for an event gone by, never again once done, never a pile after
downtime."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest

from bot.queries import preview_nudges
from scheduler.config import NudgeRules
from scheduler.rules import LEAD_KINDS
from storage.models import Nudge, OutboxMessage
from tests.support.chat import ChatDriver
from tests.support.rows import rows


def record(chat, name: str, birthday: str) -> None:
    chat.send(f"/record {name}")
    chat.script("女", birthday, "保存")


def add_policy(chat, name: str, start: str) -> None:
    chat.script(f"/policy {name}", "是", "重疾", start, "1万", "3", "跳过", "跳过", "有效")


def of_kind(app, kind: str) -> list[Nudge]:
    return [n for n in rows(app, Nudge) if n.kind == kind]


def tick_daily(app, clock, until: date) -> None:
    """A tick each morning at 09:00 (Shanghai) and each evening at 20:00, up to ``until``."""
    day = clock.now().date()
    while day <= until:
        for hour in (1, 12):
            moment = datetime(day.year, day.month, day.day, hour, 0)
            if moment > clock.now():
                clock.set(moment)
                app.nudges.tick()
        day += timedelta(days=1)


def test_a_top_client_recorded_three_days_before_her_birthday_gets_the_gift_reminder(
    app, chat, clock
):
    clock.set(datetime(2027, 3, 3, 0, 0))  # 08:00 on 3 March: the morning's sweep
    app.nudges.tick()
    clock.set(datetime(2027, 3, 3, 2, 0))  # 10:00: recorded, birthday on 6 March
    record(chat, "林静", "1985-3-6")
    chat.send("/tier 林静 精选 大客户")
    clock.advance(minutes=30)
    app.nudges.tick()  # the next sweep
    (gift,) = of_kind(app, "birthday_ahead")
    assert (gift.due_date, gift.occurrence, gift.status) == (date(2027, 3, 3), "2027-03-06",
                                                             "open")
    assert gift.text == "🎁 林静 3天后（3月6日）生日，【精选】客户，可以准备礼物了"
    assert "林静 3天后（3月6日）生日" in chat.send("/today")
    digests = [m.payload[0]["text"] for m in rows(app, OutboxMessage) if m.kind == "digest"]
    assert any("林静 3天后" in text for text in digests)
    tick_daily(app, clock, date(2027, 3, 7))
    assert len(of_kind(app, "birthday_ahead")) == 1  # once
    assert [n.due_date for n in of_kind(app, "birthday")] == [date(2027, 3, 6)]


def test_the_preview_of_today_lists_the_late_reminders_as_the_sweep_makes_them(
    app, chat, clock
):
    clock.set(datetime(2027, 3, 3, 0, 0))  # 08:00 on 3 March: the morning's sweep
    app.nudges.tick()
    clock.set(datetime(2027, 3, 3, 2, 0))  # 10:00: each recorded after its lead day
    record(chat, "林静", "1985-3-6")
    chat.send("/tier 林静 精选 大客户")
    add_policy(chat, "林静", "2025-3-23")  # premium in 20 days: the 30-day reminder, late
    chat.send("/salon 明天 19:30 读书会")  # its invitee list was due yesterday
    today = date(2027, 3, 3)

    def previewed() -> list[tuple[str, str, str, str]]:
        return sorted((row["kind"], row["client"] or "", row["date"], row["text"])
                      for row in preview_nudges(app, today, 1, "王芳")
                      if row["kind"] in LEAD_KINDS)

    before = previewed()
    assert [(kind, client) for kind, client, _, _ in before] == [
        ("birthday_ahead", "林静"), ("renewal", "林静"), ("salon", "")]
    assert "林静 3天后（3月6日）生日" in before[0][3] and "20天后（3月23日）续期" in before[1][3]
    assert rows(app, Nudge) == []  # the preview writes nothing
    tomorrow = [row["kind"] for row in preview_nudges(app, today + timedelta(days=1), 1, None)]
    assert not set(tomorrow) & set(LEAD_KINDS)  # late only on the day swept as today
    app.nudges.tick()
    made = sorted((n.kind, "林静" if n.client_id else "", n.due_date.isoformat(), n.text)
                  for n in rows(app, Nudge) if n.kind in LEAD_KINDS)
    assert made == before
    assert previewed() == before  # still listed once made, as the day's other reminders


def test_the_preview_of_a_day_gone_by_has_no_lead_reminders(app, chat, clock):
    record(chat, "林静", "1985-3-6")
    chat.send("/tier 林静 精选 大客户")
    clock.set(datetime(2027, 3, 3, 2, 0))
    lead_day = date(2027, 2, 27)  # 7 days before: a sweep of it now (a catch-up) makes none
    assert not [n for n in app.nudges.preview(lead_day) if n.kind == "birthday_ahead"]
    assert [n.kind for n in app.nudges.preview(date(2028, 2, 28))
            if n.kind == "birthday_ahead"] == ["birthday_ahead"]  # one still ahead: listed


def test_a_client_raised_to_a_top_tier_after_the_lead_day_gets_it_then(app, chat, clock):
    record(chat, "孙明", "1980-12-1")
    tick_daily(app, clock, date(2026, 11, 26))
    assert of_kind(app, "birthday_ahead") == []  # 普通: no gift time
    clock.set(datetime(2026, 11, 27, 3, 0))
    chat.send("/tier 孙明 核心 转介绍多")
    app.nudges.tick()
    (gift,) = of_kind(app, "birthday_ahead")
    assert gift.due_date == date(2026, 11, 27)
    assert gift.text.startswith("🎁 孙明 4天后（12月1日）生日，【核心】客户")


def test_a_family_members_birthday_recorded_late(app, chat, clock):
    record(chat, "王芳芳", "1980-6-1")
    chat.send("/tier 王芳芳 精选 大客户")
    app.nudges.tick()
    chat.script("/family 王芳芳", "女儿", "王小雨", "2015-11-26", "跳过", "是", "保存")
    app.nudges.tick()
    (gift,) = of_kind(app, "birthday_ahead")
    assert gift.subject.startswith("m:")
    assert gift.text.startswith("🎁 王芳芳的女儿 王小雨 2天后（11月26日）生日")


def test_a_policy_recorded_20_days_before_its_renewal_is_reminded_now_then_7_and_1_days_before(
    app, chat, clock
):
    chat.script("/record 孙明", "男", "保存")
    app.nudges.tick()
    add_policy(chat, "孙明", "2025-12-14")  # premium due on 2026-12-14, in 20 days
    app.nudges.tick()
    (now,) = of_kind(app, "renewal")
    assert (now.due_date, now.occurrence) == (date(2026, 11, 24), "2026-12-14/30")
    assert now.text == "💰 孙明 的重疾 20天后（12月14日）续期，年缴1万元（第2/3期）"
    tick_daily(app, clock, date(2026, 12, 14))  # the premium day (after it, all are retired)
    found = [(n.due_date, n.occurrence, n.status, n.text.split()[3].split("续期")[0])
             for n in of_kind(app, "renewal")]
    assert found == [
        (date(2026, 11, 24), "2026-12-14/30", "superseded", "20天后（12月14日）"),
        (date(2026, 12, 7), "2026-12-14/7", "superseded", "7天后（12月14日）"),
        (date(2026, 12, 13), "2026-12-14/1", "open", "1天后（12月14日）"),
    ]  # one open reminder per premium, the nearest
    assert chat.send("/today").count("孙明 的重疾") == 1
    first = of_kind(app, "renewal")[0]
    assert "已有更近的一条提醒" in chat.send(f"/snooze {first.id} 3")


def test_a_policy_recorded_5_days_before_gets_the_7_day_reminder_late_and_the_1_day_one(
    app, chat, clock
):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-11-29")
    tick_daily(app, clock, date(2026, 11, 30))
    found = [(n.due_date, n.occurrence, n.text.split()[3][:4]) for n in of_kind(app, "renewal")]
    assert found == [(date(2026, 11, 24), "2026-11-29/7", "5天后（"),
                     (date(2026, 11, 28), "2026-11-29/1", "1天后（")]


def test_a_premium_due_today_is_reminded_one_due_yesterday_is_not(app, chat, clock):
    chat.script("/record 今天", "男", "保存")
    add_policy(chat, "今天", "2025-11-24")
    chat.script("/record 昨天", "男", "保存")
    add_policy(chat, "昨天", "2025-11-23")
    chat.script("/record 首年", "男", "保存")
    add_policy(chat, "首年", "2026-11-30")  # the first premium was paid at the start
    tick_daily(app, clock, date(2026, 11, 25))
    (today,) = of_kind(app, "renewal")
    assert today.text.startswith("💰 今天 的重疾 今天（11月24日）续期")
    assert today.occurrence == "2026-11-24/1"


def test_a_done_or_snoozed_late_reminder_is_not_made_again(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-12-14")
    record(chat, "林静", "1980-11-27")
    chat.send("/tier 林静 精选 大客户")
    app.nudges.tick()
    renewal, = of_kind(app, "renewal")
    gift, = of_kind(app, "birthday_ahead")
    chat.send(f"/done {renewal.id}")
    chat.send(f"/snooze {gift.id} 1")
    tick_daily(app, clock, date(2026, 11, 26))
    assert [(n.id, n.status) for n in of_kind(app, "renewal")] == [(renewal.id, "done")]
    assert [(n.id, n.show_on) for n in of_kind(app, "birthday_ahead")] == [
        (gift.id, date(2026, 11, 25))]


def test_downtime_over_lead_days_leaves_one_reminder_the_nearest(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-12-24")  # 30 days ahead: reminded today
    chat.script("/record 李雷", "男", "保存")
    add_policy(chat, "李雷", "2026-1-25")  # 62 days ahead: nothing yet
    app.nudges.tick()
    clock.set(datetime(2026, 12, 21, 1, 0))  # down until three days before 孙明's premium
    app.nudges.tick()
    sun = {(n.due_date, n.occurrence, n.status, n.text.split()[3][:4])
           for n in of_kind(app, "renewal")}
    assert sun == {(date(2026, 11, 24), "2026-12-24/30", "superseded", "30天后"),
                   (date(2026, 12, 21), "2026-12-24/7", "open", "3天后（")}
    clock.set(datetime(2027, 1, 22, 1, 0))  # down again, over 李雷's 30- and 7-day lead
    app.nudges.tick()                        # days, and 孙明's 1-day one and premium
    (lilei,) = [n for n in of_kind(app, "renewal") if "李雷" in n.text]
    assert (lilei.due_date, lilei.occurrence) == (date(2027, 1, 22), "2027-01-25/7")
    assert "3天后（1月25日）续期" in lilei.text
    assert len(of_kind(app, "renewal")) == 3  # nothing for 孙明's premium, gone by
    digest = [m for m in rows(app, OutboxMessage) if m.kind == "digest"][-1]
    assert digest.payload[0]["text"].count("李雷 的重疾") == 1


def test_no_gift_reminder_after_downtime_past_the_birthday(app, chat, clock):
    record(chat, "过了", "1980-12-5")
    chat.send("/tier 过了 精选 大客户")
    record(chat, "还早", "1980-12-13")
    chat.send("/tier 还早 精选 大客户")
    app.nudges.tick()  # 11-24: neither is within 7 days
    clock.set(datetime(2026, 12, 7, 1, 0))  # down over 过了's lead day and birthday
    app.nudges.tick()
    (gift,) = of_kind(app, "birthday_ahead")  # 还早: its lead day is today
    assert "还早 6天后（12月13日）生日" in gift.text
    assert [n.text.split()[1] for n in of_kind(app, "birthday")] == ["过了"]


def test_a_salon_set_up_for_tomorrow_gets_its_invitee_list(app, chat, clock):
    chat.script("/record 张丽华", "女", "保存")
    app.nudges.tick()
    chat.send("/salon 2026-11-25 19:30 亲子教育")
    app.nudges.tick()
    (salon,) = of_kind(app, "salon")
    assert salon.due_date == date(2026, 11, 24)
    assert "11月25日 19:30 沙龙「亲子教育」，建议邀请：张丽华【普通】" in salon.text
    tick_daily(app, clock, date(2026, 11, 26))
    assert len(of_kind(app, "salon")) == 1


def _salon_lists(app) -> list[tuple[date, str]]:
    """(due date, topic) of each salon invitee list made, by topic."""
    return sorted((n.due_date, n.text.split("「")[1].split("」")[0])
                  for n in of_kind(app, "salon"))


def test_a_salon_over_today_gets_no_late_invitee_list(app, chat, clock):
    """Recorded in the morning, no sweep until 10:00 (the bot down): the 09:30 salon is over
    by then; the evening one, the one without a time (not over all day) and tomorrow's one
    still get their lists, late."""
    chat.script("/record 张丽华", "女", "保存")
    for salon in ("今天 9:30 早茶会", "今天 19:30 读书会", "今天 亲子手工", "明天 8:00 晨跑"):
        assert "已创建沙龙" in chat.send(f"/salon {salon}")
    clock.set(datetime(2026, 11, 24, 2, 0))  # 10:00 in Shanghai
    expected = [(date(2026, 11, 24), topic) for topic in ("亲子手工", "晨跑", "读书会")]
    previewed = sorted((row["date"], row["text"].split("「")[1].split("」")[0])
                       for row in preview_nudges(app, date(2026, 11, 24), 1, "王芳")
                       if row["kind"] == "salon")
    assert previewed == [(day.isoformat(), topic) for day, topic in expected]
    app.nudges.tick()
    assert _salon_lists(app) == expected
    (timeless,) = [n for n in of_kind(app, "salon") if "亲子手工" in n.text]
    assert timeless.text.startswith("🍵 11月24日 沙龙「亲子手工」")  # no time, no gap
    assert "早茶会" not in chat.send("/today")
    tick_daily(app, clock, date(2026, 11, 26))
    assert _salon_lists(app) == expected  # never made later, the others once


@pytest.mark.parametrize(("zone", "now", "made"), [
    ("Asia/Tokyo", datetime(2026, 11, 24, 10, 45), False),  # 19:45 there, 18:45 in Shanghai
    ("Europe/London", datetime(2026, 11, 24, 12, 0), True),  # 12:00 there, 20:00 in Shanghai
])
def test_a_salon_over_is_counted_in_the_agents_time_zone(app, chat, clock, zone, now, made):
    chat.send(f"/settings 时区 {zone}")
    clock.set(datetime(2026, 11, 24, 8, 0))  # 08:00 in London, 17:00 in Tokyo
    assert "已创建沙龙" in chat.send("/salon 今天 19:30 读书会")
    clock.set(now)
    app.nudges.tick()
    assert [topic for _, topic in _salon_lists(app)] == (["读书会"] if made else [])


def _lists_on_the_day(make_app) -> ChatDriver:
    """王芳 on a bot that lists a salon's invitees on its day (``salon_invite_days_before: 0``):
    today's lists are on-time ones, never late."""
    return ChatDriver.for_new_agent(make_app(nudges=NudgeRules(salon_invite_days_before=0)),
                                    "王芳")


def test_a_salon_over_by_a_catch_up_gets_no_list_on_its_day(make_app, clock):
    """No sweep until 10:00 (the bot down): the 09:30 salon is over by then; the evening one
    and the one without a time get their lists today, tomorrow's tomorrow."""
    chat = _lists_on_the_day(make_app)
    chat.script("/record 张丽华", "女", "保存")
    for salon in ("今天 9:30 早茶会", "今天 19:30 读书会", "今天 亲子手工", "明天 8:00 晨跑"):
        assert "已创建沙龙" in chat.send(f"/salon {salon}")
    clock.set(datetime(2026, 11, 24, 2, 0))  # 10:00 in Shanghai
    today = [(date(2026, 11, 24), topic) for topic in ("亲子手工", "读书会")]
    expected = sorted([*today, (date(2026, 11, 25), "晨跑")])
    previewed = sorted((row["date"], row["text"].split("「")[1].split("」")[0])
                       for row in preview_nudges(chat.app, date(2026, 11, 24), 1, "王芳")
                       if row["kind"] == "salon")
    assert previewed == [(day.isoformat(), topic) for day, topic in today]
    chat.app.nudges.tick()
    assert _salon_lists(chat.app) == expected
    assert "早茶会" not in chat.send("/today")
    tick_daily(chat.app, clock, date(2026, 11, 26))
    assert _salon_lists(chat.app) == expected  # never made later, the others once


@pytest.mark.parametrize(("zone", "now", "made"), [
    ("Asia/Tokyo", datetime(2026, 11, 24, 10, 45), False),  # 19:45 there, 18:45 in Shanghai
    ("Europe/London", datetime(2026, 11, 24, 12, 0), True),  # 12:00 there, 20:00 in Shanghai
])
def test_a_salon_over_on_its_day_is_counted_in_the_agents_time_zone(make_app, clock, zone,
                                                                    now, made):
    chat = _lists_on_the_day(make_app)
    chat.send(f"/settings 时区 {zone}")
    clock.set(datetime(2026, 11, 24, 8, 0))  # 08:00 in London, 17:00 in Tokyo
    assert "已创建沙龙" in chat.send("/salon 今天 19:30 读书会")
    clock.set(now)
    chat.app.nudges.tick()
    assert [topic for _, topic in _salon_lists(chat.app)] == (["读书会"] if made else [])


def test_a_corrected_premium_keeps_the_days_the_late_reminder_gave(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-12-14")
    app.nudges.tick()
    chat.script("/policy 孙明 修改 保费", "2万")
    (renewal,) = of_kind(app, "renewal")
    assert renewal.text == "💰 孙明 的重疾 20天后（12月14日）续期，年缴2万元（第2/3期）"


def test_two_sweeps_racing_make_each_late_reminder_once(make_app, chat):
    for n in range(20):
        record(chat, f"精选{n}", "1970-11-27")
        chat.send(f"/tier 精选{n} 精选 大客户")
        chat.script(f"/record 保单{n}", "男", "保存")
        add_policy(chat, f"保单{n}", "2025-12-10")
    apps = [chat.app, make_app()]
    today, now = date(2026, 11, 24), datetime(2026, 11, 24, 1, 0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        inserted = list(pool.map(lambda a: a.nudges.sweeper.sweep_day(today, now), apps * 2))
    assert sum(inserted) == 40
    made = [n for n in rows(chat.app, Nudge) if n.kind in ("birthday_ahead", "renewal")]
    assert len(made) == 40 == len({(n.kind, n.subject, n.occurrence) for n in made})
    assert all(n.due_date == today and ("3天后" in n.text or "16天后" in n.text) for n in made)


def test_a_policy_back_in_force_after_its_lead_day_is_reminded_then(app, chat, clock):
    clock.set(datetime(2026, 11, 10, 1, 0))
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-12-14")  # premium due on 2026-12-14
    chat.send("/policy 孙明 失效")
    tick_daily(app, clock, date(2026, 11, 26))  # its lead day (11-14) swept while lapsed
    assert of_kind(app, "renewal") == []
    clock.set(datetime(2026, 11, 27, 3, 0))
    assert "续期提醒照常" in chat.send("/policy 孙明 有效")  # the premium was paid after all
    app.nudges.tick()
    (late,) = of_kind(app, "renewal")
    assert (late.due_date, late.occurrence) == (date(2026, 11, 27), "2026-12-14/30")
    assert late.text.startswith("💰 孙明 的重疾 17天后（12月14日）续期")


def test_a_start_date_moved_to_a_premium_whose_lead_day_went_by_is_reminded_then(
    app, chat, clock
):
    clock.set(datetime(2026, 11, 8, 1, 0))
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-3-1")
    tick_daily(app, clock, date(2026, 11, 26))  # 11-10, the new date's lead day, swept
    assert of_kind(app, "renewal") == []
    clock.set(datetime(2026, 11, 27, 3, 0))
    chat.send("/policy 孙明 修改 生效日期")
    chat.send("2025-12-10")  # mistyped: the premium is due in 13 days
    app.nudges.tick()
    (late,) = of_kind(app, "renewal")
    assert (late.due_date, late.occurrence) == (date(2026, 11, 27), "2026-12-10/30")
    assert late.text.startswith("💰 孙明 的重疾 13天后（12月10日）续期")


def test_going_down_from_0018_and_up_again_keeps_policies_and_their_ids(app, chat, clock,
                                                                        database_url):
    """Stored policies take the time they were recorded as their change; on SQLite the
    rebuilt table stays AUTOINCREMENT (revision 0006)."""
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config, upgrade
    from storage.models import Policy

    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-12-14")
    clock.advance(days=2)
    chat.send("/policy 孙明 失效")
    (before,) = rows(app, Policy)
    assert (before.created_at, before.changed_at) == (datetime(2026, 11, 24, 1, 0),
                                                      datetime(2026, 11, 26, 1, 0))
    app.dispose()
    command.downgrade(alembic_config(database_url), "0017")
    upgrade(database_url)
    (after,) = rows(app, Policy)
    assert (after.id, after.status, after.changed_at) == (before.id, "失效", before.created_at)
    if database_url.startswith("sqlite"):
        with app.uow.engine.connect() as connection:
            assert "AUTOINCREMENT" in connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'policies'")).scalar()


def test_a_nearer_renewal_reminder_done_early_still_replaces_the_farther_one(app, chat, clock):
    """An agent east of the bot can deal with the 7-day reminder (made ahead, when the bot
    swept its day as tomorrow) as their day begins, before the next tick: the 30-day one goes
    all the same when that tick's sweep of their day retires what it replaces."""
    chat.send("/settings 时区 Asia/Tokyo")
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2025-12-14")
    tick_daily(app, clock, date(2026, 12, 6))
    clock.set(datetime(2026, 12, 6, 14, 55))  # 23:55 in Tokyo: 12-07 swept as tomorrow
    app.nudges.tick()
    nearer = {n.occurrence: n for n in of_kind(app, "renewal")}["2026-12-14/7"]
    clock.set(datetime(2026, 12, 6, 15, 10))  # 00:10 on 12-07 in Tokyo
    assert "已完成" in chat.send(f"/done {nearer.id}")
    clock.set(datetime(2026, 12, 6, 15, 25))  # the next tick
    app.nudges.tick()
    found = {n.occurrence: n.status for n in of_kind(app, "renewal")}
    assert found == {"2026-12-14/30": "superseded", "2026-12-14/7": "done"}
    assert "续期" not in chat.send("/today")
