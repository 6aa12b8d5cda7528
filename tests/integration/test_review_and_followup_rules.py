"""Policy reviews once a period at month ends; follow-ups repeated while a client is not
contacted; lunar anniversaries counted in lunar years."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.models import Nudge
from tests.support.rows import rows


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _due(app, kind: str, name: str, days: list[date]) -> list[date]:
    return [day for day in days
            if any(n.kind == kind and name in n.text for n in app.nudges.preview(day))]


def _select_client_with_policy(chat, name: str, start: str) -> None:
    chat.script(f"/record {name}", "男", "保存")
    chat.script(f"/policy {name}", "是", "本公司", "年金", start, "10万", "10", "跳过", "跳过",
                "有效")  # 10万 a year: 精选, reviewed every six months


def test_a_review_falls_once_a_period_when_the_start_day_is_a_month_end(app, chat):
    _select_client_with_policy(chat, "二月底", "2025-02-28")
    _select_client_with_policy(chat, "九月底", "2025-09-30")
    _select_client_with_policy(chat, "八月底", "2025-08-31")
    month_ends = (_days(date(2026, 2, 25), date(2026, 3, 31))
                  + _days(date(2026, 8, 25), date(2026, 9, 30)))
    assert _due(app, "review", "二月底", month_ends) == [date(2026, 2, 28), date(2026, 8, 28)]
    assert _due(app, "review", "九月底", month_ends) == [date(2026, 3, 30), date(2026, 9, 30)]
    assert _due(app, "review", "八月底", month_ends) == [date(2026, 2, 28), date(2026, 8, 31)]



def _tick_daily(app, clock, until: date) -> None:
    """One tick at 09:00 Shanghai each day up to ``until``."""
    while clock.now().date() < until:
        clock.advance(days=1)
        app.nudges.tick()


def test_a_follow_up_repeats_every_cadence_until_the_client_is_contacted(app, chat, clock):
    chat.script("/record 筛选客户", "女", "保存")
    chat.send("/tier 筛选客户 筛选 有潜力")  # last contact: the record, 2026-11-24
    days = _days(date(2026, 11, 25), date(2026, 12, 31))
    assert _due(app, "followup", "筛选客户", days) == [
        date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 22),
        date(2026, 12, 29)]
    (nudge,) = [n for n in app.nudges.preview(date(2026, 12, 15)) if n.kind == "followup"]
    assert "已 21 天没有联系" in nudge.text and "上次 11月24日" in nudge.text
    _tick_daily(app, clock, date(2026, 12, 9))
    chat.send("/note 筛选客户 电话聊了孩子的升学")  # contact on 12-09: the clock restarts
    assert _due(app, "followup", "筛选客户", days[-23:]) == [date(2026, 12, 16),
                                                            date(2026, 12, 23),
                                                            date(2026, 12, 30)]


def test_a_tier_raised_after_the_cadence_passed_is_followed_up(app, chat, clock):
    chat.script("/record 升级客户", "女", "保存")  # 2026-11-24, 普通: every 90 days
    _tick_daily(app, clock, date(2026, 12, 10))
    chat.send("/tier 升级客户 筛选 有潜力")  # 16 days without contact: 筛选 is every 7
    _tick_daily(app, clock, date(2026, 12, 20))
    followups = [n for n in rows(app, Nudge) if n.kind == "followup"]
    assert [n.due_date for n in followups] == [date(2026, 12, 15)]


def test_a_referred_client_never_contacted_counts_from_its_creation(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/referral 孙明 李四")
    assert _due(app, "followup", "李四", [date(2027, 2, 22), date(2027, 5, 23)]) == [
        date(2027, 2, 22), date(2027, 5, 23)]  # 90 and 180 days later


def test_a_lunar_anniversary_in_the_twelfth_month_counts_lunar_years(app, chat):
    chat.script("/record 腊月婚", "女", "保存")
    chat.send("/note 腊月婚 结婚纪念日是农历2020年腊月二十")  # solar 2021-02-01
    chat.send("全部保存")
    for lunar_year, solar_day in ((2021, date(2022, 1, 22)), (2026, date(2027, 1, 27))):
        (nudge,) = [n for n in app.nudges.preview(solar_day) if n.kind == "anniversary"
                    and "腊月婚" in n.text]
        assert f"结婚纪念日{lunar_year - 2020}周年" in nudge.text
    wedding_day = date(2021, 2, 1)
    assert not [n for n in app.nudges.preview(wedding_day) if n.kind == "anniversary"]


def test_the_follow_up_day_is_the_agents_local_day(app, chat, clock):
    chat.send("/settings 时区 America/New_York")
    clock.set(datetime(2026, 11, 24, 3, 0))  # 11:00 on 24 Nov in Shanghai, 22:00 on 23 Nov
    chat.script("/record 纽约客户", "女", "保存")  # in New York, where the agent is
    chat.send("/tier 纽约客户 筛选 有潜力")
    days = _days(date(2026, 11, 28), date(2026, 12, 2))
    assert _due(app, "followup", "纽约客户", days) == [date(2026, 11, 30)]
    (nudge,) = [n for n in app.nudges.preview(date(2026, 11, 30)) if n.kind == "followup"]
    assert "上次 11月23日" in nudge.text


def test_only_the_latest_follow_up_of_a_client_stays_open(app, chat, clock):
    chat.script("/record 筛选客户", "女", "保存")
    chat.send("/tier 筛选客户 筛选 有潜力")
    _tick_daily(app, clock, date(2026, 12, 14))  # the 12-15 one is made, not yet shown
    assert "已 14 天没有联系" in chat.send("/today")  # so the 12-08 one stays until then
    _tick_daily(app, clock, date(2026, 12, 16))
    followups = [n for n in rows(app, Nudge) if n.kind == "followup"]
    assert [(n.due_date, n.status) for n in followups] == [
        (date(2026, 12, 1), "superseded"), (date(2026, 12, 8), "superseded"),
        (date(2026, 12, 15), "open")]
    assert chat.send("/today").count("筛选客户") == 1
    assert "已有更新的一条" in chat.send(f"/snooze {followups[0].id} 3")


def test_a_client_never_contacted_is_said_so(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/referral 孙明 李四")
    texts = {n.text for n in app.nudges.preview(date(2027, 2, 22)) if n.kind == "followup"}
    assert "⏰ 李四【普通】建档 90 天还没有联系过（建档于 11月24日），该跟进了" in texts
    assert "⏰ 孙明【普通】已 90 天没有联系（上次 11月24日），该跟进了" in texts


def test_a_tier_change_renames_the_tier_in_reminders_still_waiting(app, chat, clock):
    chat.script("/record 筛选客户", "女", "保存")
    chat.script("/record 李四", "男", "保存")
    chat.send("/tier 筛选客户 筛选 有潜力")
    _tick_daily(app, clock, date(2026, 12, 2))  # the follow-up of 12-01 is open
    chat.send("/salon 周五 19:30 读书会")  # Friday 12-04: the invitation list is due today
    app.nudges.tick()
    chat.send("/tier 筛选客户 成交 签了年金")
    waiting = {n.kind: n.text for n in rows(app, Nudge) if n.status == "open"}
    assert "⏰ 筛选客户【成交】已 7 天没有联系" in waiting["followup"]
    assert "筛选客户【成交】" in waiting["salon"] and "李四【普通】" in waiting["salon"]
    assert "【筛选】" not in waiting["salon"]
