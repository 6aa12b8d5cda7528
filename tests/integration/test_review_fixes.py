"""Regressions found in review: each test is one reported problem."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.agents_admin import AdminError, add_agent
from bot.queries import show_client
from handlers import texts


def test_long_answers_and_control_characters_are_saved_not_refused(chat, app):
    chat.send("/record 王五")
    chat.script("男", "跳过", "跳过", "跳过")
    assert "第6/" in chat.send("长" * 120)  # 常住城市, far beyond any short column
    assert "✅ 已保存「王五」" in chat.send("保存")
    assert show_client(app, "王芳", "王五")["city"] == "长" * 120
    for garbage in ("/record 王\x00六", "/find 王\x00六", "\x00"):
        assert texts.INTERNAL_ERROR not in chat.send(garbage)
    chat.send("取消")


def test_huge_ids_are_simply_not_found(chat):
    for command in ("/card #99999999999999999999", "/tier #99999999999999999999 核心 x",
                    "/nudge 99999999999999999999", "/snooze 99999999999999999999 3"):
        reply = chat.send(command)
        assert texts.INTERNAL_ERROR not in reply and "没有找到" in reply


def test_names_with_spaces_are_kept_whole(chat, app):
    assert "开始记录新客户「Zhang Wei」" in chat.send("/record Zhang Wei")
    chat.send("保存")
    assert "Zhang Wei" in chat.send("/card Zhang Wei")
    assert "太长" in chat.send("/record " + "名" * 40)


def test_a_hand_set_tier_is_not_undone_by_unrelated_edits(chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "本公司", "年金", "2024-6-18", "20万", "10", "跳过", "跳过",
                "有效")
    assert "【精选】" in chat.send("/card 孙明")
    chat.send("/tier 孙明 普通 客户要求降低联系频率")
    chat.script("/family 孙明", "女儿", "孙小美", "2024-8-8", "跳过", "是", "保存")
    assert "【普通】" in chat.send("/card 孙明")


def test_a_note_does_not_erase_the_birth_year(chat, app):
    chat.script("/record 孙明", "男", "1991-3-5", "保存")
    chat.send("/note 孙明 他说生日是3月5号")
    chat.send("全部保存")
    assert show_client(app, "王芳", "孙明")["birthday"]["year"] == 1991


def test_family_entries_complete_known_members_instead_of_duplicating(chat, app):
    chat.script("/record 孙明", "男", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过",
                "已婚", "李娜", "医生", "跳过", "女儿2岁", "保存")
    chat.script("/family 孙明", "配偶", "李娜", "1992-2-2", "医生", "是", "保存")
    chat.script("/family 孙明", "女儿", "孙小小", "2024-5-1", "跳过", "是", "保存")
    family = show_client(app, "王芳", "孙明")["family"]
    assert [m["relation"] for m in family].count("配偶") == 1
    assert [m["relation"] for m in family].count("女儿") == 1
    daughter = next(m for m in family if m["relation"] == "女儿")
    assert daughter["name"] == "孙小小" and daughter["birthday"]["month"] == 5


def test_payment_years_as_agents_write_them(chat, app):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "本公司", "年金", "2024-6-18", "5万")
    assert "受益人" in chat.send("10年交")
    chat.script("跳过", "跳过", "有效")
    assert show_client(app, "王芳", "孙明")["policies"][0]["payment_years"] == 10


def test_a_chat_account_is_never_moved_to_another_agent(app):
    add_agent(app, "李四", "111", None, False)
    with pytest.raises(AdminError):
        add_agent(app, "赵五", "111", None, False)
    with app.uow() as uow:
        assert uow.conversations.by_identity("telegram", "111").agent.name == "李四"
        assert uow.agents.by_name("赵五") is None  # nothing half-done


def test_a_carried_over_reminder_says_which_day_it_was_for(app, chat, clock):
    chat.script("/record 张丽华", "女", "1976-11-24", "保存")
    app.nudges.tick()
    clock.set(datetime(2026, 11, 26, 1, 0))
    assert "（11月24日）🎂 张丽华 今天生日" in chat.send("/today")


def test_questions_that_do_not_apply_are_skipped(chat, app):
    chat.send("/record 林晓")
    chat.script("女", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过", "跳过")
    reply = chat.send("未婚")
    assert "第13/24项" in reply and "孩子" in reply and "配偶" not in reply  # skipped 3
    assert "婚姻状况" in chat.send("返回")  # and going back skips them too
    chat.send("取消")
    chat.script("/record 林晓", "保存")
    reply = chat.script("/policy 林晓", "是")
    assert "险种" in reply and "保险公司" not in reply
    reply = chat.script("返回", "否")
    assert "保险公司" in reply


def test_referrals_cannot_loop_or_silently_change(chat):
    chat.script("/record 孙明", "男", "保存")
    assert "已登记" in chat.send("/referral 孙明 周强")
    assert "不能互相介绍" in chat.send("/referral 周强 孙明")
    chat.script("/record 吴敏", "女", "保存")
    assert "已登记为由「孙明」介绍" in chat.send("/referral 吴敏 周强")
    assert "不用再登记" in chat.send("/referral 孙明 周强")  # said again: nothing doubled
    assert chat.send("/notes 孙明").count("转介绍：周强") == 1
    chat.send("/record 郑新")  # not saved yet: no second 郑新 made by the referral
    reply = chat.send("/referral 孙明 郑新")
    assert "「郑新」的档案正在记录，还没有保存" in reply and "/referral 孙明 郑新" in reply
    assert "已保存" in chat.send("保存")
    assert "「孙明」介绍了「郑新」。" in chat.send("/referral 孙明 郑新")


def test_an_impossible_salon_time_is_refused(chat):
    reply = chat.send("/salon 12月31日 25:00 测试")
    assert "时间「25:00」不对" in reply
    assert "25:00" not in chat.send("/salon")  # nothing was created


def test_a_select_client_is_also_asked_the_signed_book(chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "年金", "2024-6-18", "20万", "10", "跳过", "跳过", "有效")
    reply = chat.send("/record 孙明")
    books = set()
    for _ in range(60):
        for book in ("普通本", "筛选本", "成交本", "精选本"):
            if book in reply:
                books.add(book)
        if "✅" in reply:
            break
        reply = chat.send("跳过")
    assert books == {"普通本", "筛选本", "成交本", "精选本"}


def test_the_first_meeting_is_the_agents_local_day(chat, clock):
    """01:30 in Shanghai on the 25th is still the 24th in UTC."""
    clock.set(datetime(2026, 11, 24, 17, 30))
    chat.script("/record 张丽华", "女", "保存")
    card = chat.send("/card 张丽华")
    assert "初次见面 2026年11月25日" in card and "最近联系：2026-11-25" in card


def test_a_mistyped_number_picks_nobody_even_when_a_label_holds_that_digit(chat):
    chat.script("/record 张三", "女", "1990-3-5", "13812343456", "杭州", "保存")
    chat.script("/record #new 张三", "男", "保存")
    chat.send("/note 张三 儿子明年高考")
    assert "请回复 1 到 2 之间的序号" in chat.send("3")  # not 36岁 or 尾号3456
    assert "请回复 1 到 2 之间的序号" in chat.send("2026")  # not 建档2026-…
    assert "已记下「张三」的笔记" in chat.send("杭州")  # a whole part of one label still picks
    assert "儿子明年高考" in chat.send("/notes #1")


def test_a_note_asked_about_in_the_middle_of_a_form_is_not_lost_to_the_form(chat, app):
    chat.script("/record 王五", "男", "保存")
    chat.send("/record 李四")
    asked = chat.send("/note 王吾 喜欢跑步")
    assert "是读音相同的这位吗" in asked and "还没记录完" not in asked  # one question at a time
    reply = chat.send("女")  # meant for the form, but the note's question was asked last
    assert "没看懂这个回答" in reply and "是读音相同的这位吗" in reply
    assert "笔记还没有记下" in chat.send("保存")  # not the form's 保存 while the note waits
    assert "已记下「王五」的笔记" in chat.send("男")  # the one option that says so
    assert "喜欢跑步" in chat.send("/notes 王五")
    chat.send("都不要")
    assert "第1/24项" in chat.send("继续")  # the form is where it was, 性别 not answered
    assert "已保存" in chat.send("保存")
    assert show_client(app, "王芳", "李四")["gender"] is None


def test_a_note_whose_question_lapses_says_it_was_not_saved(chat):
    chat.script("/record 王五", "男", "保存")
    assert "是读音相同的这位吗" in chat.send("/note 王吾 喜欢跑步")
    reply = chat.send("/find 王五")  # another command: the question lapses
    assert "王五（男" in reply
    assert "刚才那条笔记没有记下" in reply and "/note 客户姓名 喜欢跑步" in reply
    assert "喜欢跑步" not in chat.send("/notes 王五")
    chat.send("/note 王吾 喜欢跑步")
    again = chat.send("/note 王五 喜欢跑步")  # sent again, named right: nothing to warn of
    assert "已记下「王五」的笔记" in again and "没有记下" not in again
