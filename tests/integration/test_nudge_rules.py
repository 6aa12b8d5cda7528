"""Every kind of nudge falls due on the right day and only then (year ends, leap years)."""

from __future__ import annotations

from datetime import date, timedelta

from scheduler.calendar import RecurringDate, next_occurrence


def due_days(app, kind: str, name: str, start: date, days: int) -> list[date]:
    """The days in [start, start + days) on which a nudge of ``kind`` mentions ``name``."""
    hits = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if any(n.kind == kind and name in n.text for n in app.nudges.preview(day)):
            hits.append(day)
    return hits


def record(chat, name: str, *answers: str) -> None:
    chat.send(f"/record {name}")
    chat.script(*answers, "保存")


def test_solar_birthday_on_the_day_only(app, chat):
    record(chat, "张丽华", "女", "1976-3-5")
    assert due_days(app, "birthday", "张丽华", date(2027, 3, 1), 10) == [date(2027, 3, 5)]


def test_29_february_falls_on_28_february_in_common_years(app, chat):
    record(chat, "闰日", "男", "2000-2-29")
    assert due_days(app, "birthday", "闰日", date(2027, 2, 25), 8) == [date(2027, 2, 28)]
    assert due_days(app, "birthday", "闰日", date(2028, 2, 25), 8) == [date(2028, 2, 29)]


def test_lunar_birthday_in_the_twelfth_month_falls_in_next_january(app, chat):
    record(chat, "腊月", "女", "农历腊月二十")
    expected = next_occurrence(RecurringDate("lunar", 12, 20), date(2026, 11, 24))
    assert expected.year == 2027 and expected.month in (1, 2)
    assert due_days(app, "birthday", "腊月", expected - timedelta(days=3), 7) == [expected]


def test_lunar_thirtieth_falls_back_to_the_29th_in_a_short_month(app, chat):
    record(chat, "三十", "女", "农历八月三十")
    for year in (2026, 2027, 2028):
        expected = next_occurrence(RecurringDate("lunar", 8, 30), date(year, 1, 1))
        assert due_days(app, "birthday", "三十", expected - timedelta(days=2), 5) == [expected]


def test_top_tiers_are_told_seven_days_ahead(app, chat):
    record(chat, "精选客户", "女", "1980-12-10")
    record(chat, "普通客户", "女", "1980-12-10")
    chat.send("/tier 精选客户 精选 大客户")
    assert due_days(app, "birthday_ahead", "精选客户", date(2026, 11, 25), 20) == [
        date(2026, 12, 3)]
    assert due_days(app, "birthday_ahead", "普通客户", date(2026, 11, 25), 20) == []


def test_family_birthdays_and_anniversaries(app, chat):
    record(chat, "孙明", "男", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "已婚",
           "王丽", "医生", "2015-5-20")
    chat.script("/family 孙明", "女儿", "孙小美", "2024-8-8", "跳过", "是", "保存")
    assert due_days(app, "birthday", "孙小美", date(2027, 8, 6), 5) == [date(2027, 8, 8)]
    hits = due_days(app, "anniversary", "孙明", date(2027, 5, 18), 5)
    assert hits == [date(2027, 5, 20)]
    (nudge,) = [n for n in app.nudges.preview(date(2027, 5, 20)) if n.kind == "anniversary"]
    assert "结婚纪念日12周年" in nudge.text
    # the first meeting (today) is an anniversary only from next year on
    assert due_days(app, "anniversary", "初次见面", date(2026, 11, 24), 1) == []
    assert due_days(app, "anniversary", "孙明", date(2027, 11, 24), 1) == [date(2027, 11, 24)]


def test_renewal_30_7_and_1_days_before_while_payment_years_remain(app, chat):
    record(chat, "续期", "男")
    chat.script("/policy 续期", "是", "本公司", "重疾", "2025-1-5", "1万", "3", "跳过", "跳过",
                "有效")
    hits = due_days(app, "renewal", "续期", date(2026, 12, 1), 40)
    assert hits == [date(2026, 12, 6), date(2026, 12, 29), date(2027, 1, 4)]  # over year end
    # three payment years: premiums 2025, 2026, 2027 — nothing is due before 2028-01-05
    assert due_days(app, "renewal", "续期", date(2027, 12, 1), 40) == []


def test_policy_review_yearly_for_signed_twice_yearly_for_select(app, chat):
    record(chat, "成交客户", "男")
    chat.script("/policy 成交客户", "是", "本公司", "医疗", "2025-3-10", "3000", "1", "跳过",
                "跳过", "有效")
    record(chat, "精选客户", "男")
    chat.script("/policy 精选客户", "是", "本公司", "年金", "2025-3-10", "10万", "10", "跳过",
                "跳过", "有效")
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    signed = [d for d in year if any(n.kind == "review" and "成交客户" in n.text
                                     for n in app.nudges.preview(d))]
    assert signed == [date(2026, 3, 10)]
    select = [d for d in (date(2026, 3, 10), date(2026, 9, 10), date(2026, 6, 10))
              if any(n.kind == "review" and "精选客户" in n.text for n in app.nudges.preview(d))]
    assert select == [date(2026, 3, 10), date(2026, 9, 10)]


def test_overdue_follow_up_for_the_tiers_cadence(app, chat, clock):
    record(chat, "筛选客户", "女")
    chat.send("/tier 筛选客户 筛选 有潜力")  # last contact: 2026-11-24 (the record)
    hits = due_days(app, "followup", "筛选客户", date(2026, 11, 25), 20)
    assert hits == [date(2026, 12, 1), date(2026, 12, 8)]  # every 7 days for 筛选


def test_life_stages_of_children_and_clients(app, chat):
    record(chat, "王家", "女", "1976-3-5", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过",
           "跳过", "跳过", "儿子6岁")  # born 2020, birthday unknown
    chat.script("/family 王家", "女儿", "王小", "2023-6-1", "跳过", "是", "保存")
    # turns 12 in 2032 (school stage); with no birthday known, on 1 January of that year
    assert due_days(app, "life_stage", "王家的儿子", date(2031, 12, 30), 5) == [date(2032, 1, 1)]
    assert not due_days(app, "life_stage", "王家的儿子", date(2027, 1, 1), 1)
    assert due_days(app, "life_stage", "王小", date(2026, 5, 30), 5) == [date(2026, 6, 1)]
    (nudge,) = [n for n in app.nudges.preview(date(2026, 6, 1)) if n.kind == "life_stage"]
    assert "满3岁" in nudge.text and "教育规划" in nudge.text
    hits = [d for d in (date(2026, 3, 5), date(2031, 3, 5), date(2036, 3, 5), date(2027, 3, 5))
            if any(n.kind == "life_stage" and n.client_id and "满" in n.text
                   and "王家 今天" in n.text for n in app.nudges.preview(d))]
    assert hits == [date(2026, 3, 5), date(2031, 3, 5), date(2036, 3, 5)]


def test_festival_greeting_lists_top_tiers_first(app, chat):
    record(chat, "普通甲", "女")
    record(chat, "核心乙", "男")
    chat.send("/tier 核心乙 核心 影响力大")
    mid_autumn = next_occurrence(RecurringDate("lunar", 8, 15), date(2027, 1, 1))
    (nudge,) = [n for n in app.nudges.preview(mid_autumn) if n.kind == "festival"]
    assert "中秋" in nudge.text
    assert nudge.text.index("核心乙") < nudge.text.index("普通甲")
    assert not [n for n in app.nudges.preview(mid_autumn - timedelta(days=1))
                if n.kind == "festival"]


def test_a_client_with_only_a_typed_age_is_reminded_on_1_january_of_the_year(app, chat):
    record(chat, "老李", "男")
    chat.script("/record 老李 年龄", "48")  # typed in 2026: born 1978, 50 in 2028
    record(chat, "小赵", "女")
    chat.script("/record 小赵 年龄", "30")
    assert due_days(app, "life_stage", "老李", date(2027, 12, 30), 5) == [date(2028, 1, 1)]
    assert not due_days(app, "life_stage", "老李", date(2027, 1, 1), 1)
    (nudge,) = [n for n in app.nudges.preview(date(2028, 1, 1)) if n.kind == "life_stage"]
    assert nudge.text.startswith("🌅 老李 今年满50岁")
    assert due_days(app, "life_stage", "老李", date(2033, 1, 1), 1) == [date(2033, 1, 1)]  # 55
    assert not due_days(app, "life_stage", "小赵", date(2028, 1, 1), 1)
    chat.script("/record 老李 生日", "1978-3-5")  # the birthday known now: on the day instead
    assert not due_days(app, "life_stage", "老李", date(2028, 1, 1), 1)
    assert due_days(app, "life_stage", "老李", date(2028, 3, 4), 3) == [date(2028, 3, 5)]


def test_an_age_typed_with_a_birthday_without_year_counts_from_1_january(app, chat):
    record(chat, "老李", "男", "3月5日", "49")  # the form asks the age: no year in the birthday
    (nudge,) = [n for n in app.nudges.preview(date(2027, 1, 1)) if n.kind == "life_stage"]
    assert nudge.text.startswith("🌅 老李 今年满50岁")
    assert not due_days(app, "life_stage", "老李", date(2027, 3, 4), 3)  # not twice
