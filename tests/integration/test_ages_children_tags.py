"""Ages move on with time (周岁 from a birth date, a typed age from the year it was typed);
children answers read school words and correct a child's age; /tag adds and removes tags;
amounts and dates as agents type them."""

from __future__ import annotations

from datetime import date, datetime

from bot.queries import show_client


def _first_line(chat, command: str) -> str:
    return chat.send(command).splitlines()[0]


def test_age_is_completed_years_from_the_birth_date(chat, clock):
    chat.script("/record 孙明", "男", "1988.8.15", "保存")
    clock.set(datetime(2027, 3, 1, 2, 0))
    assert "（男，38岁）" in _first_line(chat, "/card 孙明")  # birthday not yet reached
    clock.set(datetime(2027, 8, 15, 2, 0))
    assert "（男，39岁）" in _first_line(chat, "/card 孙明")


def test_a_lunar_birth_date_counts_lunar_years(chat, clock):
    chat.script("/record 腊月", "女", "农历1980年腊月二十", "保存")
    clock.set(datetime(2027, 1, 20, 2, 0))  # lunar 2026-12-03: the 腊月二十 still to come
    assert "45岁" in _first_line(chat, "/card 腊月")  # a solar count would say 46 or 47
    clock.set(datetime(2027, 2, 10, 2, 0))  # lunar 2026-12-24
    assert "46岁" in _first_line(chat, "/card 腊月")


def test_a_typed_age_moves_on_with_the_years(chat, clock):
    chat.script("/record 孙伟", "男", "跳过", "35", "保存")
    assert "35岁" in _first_line(chat, "/card 孙伟")
    clock.set(datetime(2031, 6, 1, 2, 0))
    assert "40岁" in _first_line(chat, "/card 孙伟")
    chat.script("/record #new 孙伟", "男", "保存")
    assert "40岁" in chat.send("/card 孙伟")  # the which-one question uses the same age


def test_a_childs_age_moves_on_and_matches_the_life_stage_reminder(chat, app, clock):
    chat.script("/record 王家", "女", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过",
                "未婚", "儿子2岁", "保存")
    assert "儿子 2岁" in chat.send("/card 王家")
    clock.set(datetime(2027, 1, 1, 2, 0))
    assert "儿子 3岁" in chat.send("/card 王家")
    stage = [n for n in app.nudges.preview(date(2027, 1, 1)) if n.kind == "life_stage"]
    assert any("满3岁" in n.text for n in stage)


def test_exam_words_are_no_names_and_give_an_age(chat, app):
    chat.script("/record 王芳芳", "女", "跳过", "40", "跳过", "跳过", "跳过", "跳过", "跳过",
                "离异", "女儿今年中考", "保存")
    card = chat.send("/card 王芳芳")
    assert "女儿 15岁" in card and "中考" not in card


def test_a_corrected_age_updates_the_only_child_and_says_so(chat, app):
    chat.script("/record 孙明", "男", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过",
                "已婚", "跳过", "跳过", "跳过", "儿子2岁", "保存")
    chat.send("/record 孙明 更新")
    for _ in range(12):
        chat.send("跳过")
    chat.send("儿子3岁")
    assert "已更新 儿子：2岁 → 3岁" in chat.send("保存")
    assert [m["relation"] for m in show_client(app, "王芳", "孙明")["family"]] == ["儿子"]
    assert "儿子 3岁" in chat.send("/card 孙明")
    chat.send("/record 孙明 更新")  # an age ten years off is still that son
    for _ in range(12):
        chat.send("跳过")
    chat.send("儿子13岁")
    assert "已更新 儿子：3岁 → 13岁" in chat.send("保存")
    assert [m["relation"] for m in show_client(app, "王芳", "孙明")["family"]].count("儿子") == 1


def test_tags_can_be_added_and_removed(chat, app):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/note 孙明 她明年退休，想了解养老社区")
    chat.send("1")
    assert "养老规划" in show_client(app, "王芳", "孙明")["tags"]
    reply = chat.send("/tag 孙明 -养老规划")
    assert "✅ 已为「孙明」去掉 养老规划" in reply
    assert "养老规划" not in show_client(app, "王芳", "孙明")["tags"]
    reply = chat.send("/tag 孙明 教育规划 马拉松")
    assert "加上 教育规划、马拉松" in reply
    reply = chat.send("标签 孙明 删除 马拉松")
    assert "去掉 马拉松" in reply
    assert show_client(app, "王芳", "孙明")["tags"] == ["教育规划"]
    assert "没有「瑜伽」这个标签" in chat.send("/tag 孙明 -瑜伽")
    assert "孙明」的标签：教育规划" in chat.send("/tag 孙明")
    assert "/tag" in chat.send("/help")


def test_a_monthly_premium_is_counted_for_the_year_and_said_so(chat, app):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "重疾", "2024-3-1")
    reply = chat.send("月缴1000")
    assert "已按每月1,000元计，年缴保费记为每年1.2万元" in reply
    chat.send("保存")
    assert "年缴1.2万元" in chat.send("/card 孙明")


def test_salary_two_digit_year_and_lunar_wedding(chat, app):
    chat.script("/record 张秀兰", "女", "76.8.15", "跳过", "跳过", "跳过", "跳过", "跳过",
                "已婚", "跳过", "跳过")
    reply = chat.send("农历七月初七")  # 结婚纪念日, lunar
    assert "⚠️" not in reply
    chat.send("保存")
    card = chat.send("/card 张秀兰")
    assert "生日：1976年8月15日" in card
    assert "结婚纪念日 农历七月初七" in card
    reply = chat.script("/record 孙伟", "男", "跳过", "80后")
    assert "出生年代" in reply


def test_ages_typed_just_after_new_year_in_shanghai_count_from_the_new_year(chat, clock, app):
    from datetime import datetime

    from bot.queries import show_client

    clock.set(datetime(2026, 12, 31, 17, 0))  # 01:00 on 1 January 2027 in Shanghai
    chat.script("/record 王五", "男", "跳过", "35", "保存")
    assert "王五（男，35岁）" in chat.send("/card 王五")
    chat.send("/note 王五 儿子9岁")
    chat.send("全部保存")
    assert show_client(app, "王芳", "王五")["family"][0]["birth_year"] == 2018
