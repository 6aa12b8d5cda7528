"""Two-digit years as agents type them (85年, 28年3月5日, 76.8.15, 农历76年八月十五), through
the real router: a date that must lie in the past (a birth date, an anniversary) takes the
latest year ending in those digits that is not in the future, a policy's start the latest not
after next year, counted from the clock's today (2026-11-24 in Shanghai), never a fixed
cut-off; a salon's day takes the nearest year ahead."""

from __future__ import annotations

from datetime import date, datetime

from bot.queries import show_client
from storage.models import FamilyMember, Policy, Salon
from tests.support.rows import rows


def _record(chat, name: str, birthday: str) -> str:
    """A new client's record up to the birthday question's answer; the reply to it."""
    return chat.script(f"/record {name}", "女", birthday)


def test_a_client_born_in_28_is_born_in_1928_not_in_2028(chat, app):
    reply = _record(chat, "张秀兰", "28年3月5日")
    assert "⚠️" not in reply and "年龄" not in reply  # the birth year gives the age
    chat.send("保存")
    assert show_client(app, "王芳", "张秀兰")["birthday"]["year"] == 1928
    assert "张秀兰（女，98岁）" in chat.send("/card 张秀兰")


def test_a_two_digit_year_counts_from_the_clock_not_from_a_fixed_cut_off(chat, app, clock):
    clock.set(datetime(2031, 6, 1, 1, 0))  # 09:00 in Shanghai, 1 June 2031
    _record(chat, "李明", "30.1.2")
    chat.send("保存")
    assert show_client(app, "王芳", "李明")["birthday"]["year"] == 2030
    reply = _record(chat, "王强", "31年7月1日")  # this year, still to come: asked again
    assert "这个生日（2031年7月1日）还没到。如果是1931年7月1日，请写四位年份" in reply
    assert "第2/" in reply
    assert "手机" in chat.send("1931年7月1日")


def test_a_lunar_birth_date_with_a_two_digit_year(chat, app):
    reply = _record(chat, "张丽华", "农历76年八月十五")
    assert "⚠️" not in reply
    chat.send("保存")
    birthday = show_client(app, "王芳", "张丽华")["birthday"]
    assert (birthday["calendar"], birthday["year"], birthday["month"], birthday["day"]) == (
        "lunar", 1976, 8, 15)
    assert "⚠️" not in _record(chat, "孙红", "农历28年腊月初八")
    chat.send("保存")
    assert show_client(app, "王芳", "孙红")["birthday"]["year"] == 1928


def test_a_birth_date_in_the_future_with_four_digits_is_refused_and_asked_again(chat, app):
    reply = _record(chat, "赵六", "2028年3月5日")
    assert "⚠️ 这个生日（2028年3月5日）还没到，请检查年份" in reply
    assert "第2/" in reply and "生日是哪天" in reply  # the same question again
    assert "手机" in chat.send("1985-3-5")  # accepted; the birth year leaves out 年龄


def test_the_wedding_anniversary_and_a_family_members_birthday(chat, app):
    chat.script("/record 孙明", "男", "85年3月5日", "跳过", "跳过", "跳过", "跳过", "跳过",
                "已婚", "跳过", "跳过")
    reply = chat.send("08年5月20日")  # 结婚纪念日
    assert "⚠️" not in reply and "几个孩子" in reply
    reply = chat.send("儿子09年出生，女儿2015年的")  # a birth year gives the age
    assert "⚠️" not in reply
    chat.send("保存")
    row = show_client(app, "王芳", "孙明")
    assert row["birthday"]["year"] == 1985
    (wedding,) = [entry for entry in row["dates"] if entry["kind"] == "wedding"]
    assert (wedding["year"], wedding["month"], wedding["day"]) == (2008, 5, 20)
    children = sorted((m.relation, m.birth_year) for m in rows(app, FamilyMember)
                      if m.relation in {"儿子", "女儿"})
    assert children == [("儿子", 2009), ("女儿", 2015)]
    card = chat.send("/card 孙明")
    assert "儿子 17岁" in card and "女儿 11岁" in card, card

    chat.script("/family 孙明", "母亲", "刘芳")
    assert "⚠️" not in chat.send("29年10月1日")
    chat.send("保存")
    (mother,) = [m for m in rows(app, FamilyMember) if m.relation == "母亲"]
    assert mother.birth_year == 1929
    chat.script("/family 孙明 修改 刘芳 生日", "农历27年冬月初三")
    (mother,) = [m for m in rows(app, FamilyMember) if m.relation == "母亲"]
    assert (mother.birth_calendar, mother.birth_year) == ("lunar", 1927)


def test_a_policy_started_in_a_two_digit_year(chat, app):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "重疾")
    assert "⚠️" not in chat.send("29.6.1")  # 生效日期
    chat.send("保存")
    (policy,) = rows(app, Policy)
    assert policy.start_date == date(1929, 6, 1)
    chat.script("/policy 孙明", "是", "年金", "26年12月1日", "保存")  # this year: next week
    assert rows(app, Policy)[1].start_date == date(2026, 12, 1)


def test_a_policy_starting_next_january_is_not_put_a_century_back(chat, app, clock):
    """开门红: recorded in late December, it starts on 1 January; 27.1.1 is 2027, not 1927 (its
    renewals would never come)."""
    clock.set(datetime(2026, 12, 28, 2, 0))
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "年金", "27.1.1", "保存")
    assert rows(app, Policy)[0].start_date == date(2027, 1, 1)
    chat.script("/policy 孙明", "是", "重疾", "28年3月1日", "保存")  # not next year: the past
    assert rows(app, Policy)[1].start_date == date(1928, 3, 1)


def test_a_note_with_a_two_digit_year(chat, app):
    chat.script("/record 钱七", "女", "保存")
    reply = chat.send("/note 钱七 她28年3月5日生日，结婚纪念日99.10.1")
    assert "生日：1928年3月5日" in reply and "结婚纪念日：1999年10月1日" in reply


def test_a_salon_in_a_two_digit_year_is_in_the_nearest_year_ahead(chat, app, clock):
    clock.set(datetime(2029, 12, 20, 1, 0))
    assert "已创建沙龙" in chat.send("/salon 30年1月5日 19:30 新年茶话会")
    assert "已创建沙龙" in chat.send("/salon 29.12.27 19:30 年终答谢会")  # this year
    first, second = rows(app, Salon)
    assert (first.day, second.day) == (date(2030, 1, 5), date(2029, 12, 27))


def test_a_note_with_a_birthday_this_year_still_to_come(chat, app):
    chat.script("/record 钱七", "女", "保存")
    reply = chat.send("/note 钱七 她26年12月5日生日，喜欢瑜伽")  # today is 2026-11-24
    assert "这个生日（2026年12月5日）还没到。如果是1926年12月5日，请写四位年份" in reply
    assert "没有记为生日" in reply and "瑜伽" in reply
    reply = chat.send("/note 钱七 农历26年腊月初一生日")  # 2027-01-08 in the solar calendar
    assert "这个生日（农历2026年腊月初一）还没到。如果是农历1926年腊月初一，请写四位年份" in reply
    reply = chat.send("/note 钱七 农历26年九月初一生日")  # 2026-10-21: gone by, proposed
    assert "生日：农历2026年九月初一" in reply and "还没到" not in reply
