"""A question asked while a form is open (which client, a deletion to confirm, a note's facts)
gets the next reply; the form's answers are never taken from it. Odd replies (blank, a
mistyped command, a number out of range) leave everything where it was."""

from __future__ import annotations


def draft(app, chat) -> dict:
    with app.uow() as uow:
        return uow.conversations.by_agent(uow.agents.by_name(chat.agent).id).draft


def at_the_city_question(chat, name: str = "王五") -> None:
    chat.script(f"/record {name}", "男", "跳过", "跳过", "跳过")
    assert "常住城市" in chat.last[-1].text


def test_which_client_mid_form_is_answered_in_words_and_the_form_waits(app, chat):
    chat.script("/record 张三", "女", "保存", "/record #new 张三", "男", "保存")
    at_the_city_question(chat)
    assert "请选择是哪一位" in chat.send("/card 张三")
    card = chat.send("女的")  # the woman: the question's answer, not 王五's city
    assert "张三" in card and "女" in card
    assert "city" not in draft(app, chat)["form"]["answers"]
    assert "常住城市" in chat.send("继续")


def test_a_deletion_to_confirm_mid_form_is_asked_again_not_written_into_the_form(app, chat):
    chat.script("/record 张三", "女", "保存")
    at_the_city_question(chat)
    chat.send("/delete 张三")
    assert "删除后无法恢复" in chat.send("整个客户档案")
    assert "没看懂这个回答" in chat.send("确认")
    state = draft(app, chat)
    assert state["pending"] is not None and "city" not in state["form"]["answers"]
    assert "还没记录完" in chat.send("取消")  # the question only: the form stays
    assert "常住城市" in chat.send("继续")


def test_a_notes_facts_mid_form_keep_their_question_and_the_reminder_offers_no_save(app, chat):
    chat.script("/record 张三", "女", "保存")
    at_the_city_question(chat)
    reply = chat.send("/note 张三 女儿今年3岁")
    assert "先回答上面的问题" in reply and "或回复 保存" not in reply
    assert "没看懂这个回答" in chat.send("都存吧吧")
    assert "city" not in draft(app, chat)["form"]["answers"]
    assert "已存入「张三」的档案" in chat.send("都要")
    assert "常住城市" in chat.send("继续")


def test_a_blank_message_keeps_the_open_question_and_its_numbers(app, chat):
    chat.script("/record 张三", "女", "保存", "/record #new 张三", "男", "保存", "/card 张三")
    for blank in ("\u200b", "\u3000", "\x07"):
        reply = chat.send(blank)
        assert "这条消息是空的" in reply and "请选择是哪一位" in reply
    assert "请回复 1 到 2" not in chat.send("1")  # the number still picks


def test_a_fact_number_out_of_range_keeps_the_question(app, chat):
    chat.script("/record 张三", "女", "保存", "/note 张三 儿子今年9岁，喜欢马拉松")
    assert chat.send("保存 9").startswith("请回复 1 到")
    assert "已存入「张三」的档案" in chat.send("1")  # its options are offered still


def test_skip_after_back_keeps_the_answer_shown(app, chat):
    chat.script("/record 张三", "女", "1985-3-5", "13812341234")
    assert "（已填：138****1234）" in chat.send("返回")
    chat.send("跳过")
    assert "phone" in draft(app, chat)["form"]["answers"]
    chat.send("保存")
    assert "138****1234" in chat.send("/card 张三")


def test_a_mistyped_command_mid_form_is_not_taken_as_an_answer(app, chat):
    at_the_city_question(chat, "张三")
    reply = chat.send("/fnid 张三")
    assert "没有「/fnid」这个命令" in reply and "常住城市" in reply
    assert "没有「/find张三」这个命令" in chat.send("/find张三")
    chat.send("保存")
    card = chat.send("/card 张三")
    assert "/fnid" not in card and "/find" not in card
