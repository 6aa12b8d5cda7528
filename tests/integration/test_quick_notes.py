"""/note keeps the text on the timeline and proposes recognised facts for confirmation."""

from __future__ import annotations

from bot.queries import show_client


def test_ms_zhang_note_proposes_facts_and_saves_the_confirmed_ones(chat, app):
    chat.script("/record 张丽华", "女", "保存")
    reply = chat.send("/note 张丽华 她说儿子16岁，明年可能去留学，最近迷上了马拉松，"
                      "农历生日八月十五，家庭年收入大概60万，常问养老社区")
    assert "📝 已记下「张丽华」的笔记" in reply
    for expected in ("生日", "八月十五", "马拉松", "教育规划", "养老规划", "健康保障", "60万"):
        assert expected in reply, expected
    assert chat.options == ["全部保存", "都不要"]
    reply = chat.send("1")  # numbered option → 全部保存
    assert "✅ 已存入「张丽华」的档案" in reply
    row = show_client(app, "王芳", "张丽华")
    assert row["birthday"]["calendar"] == "lunar" and row["birthday"]["month"] == 8
    assert row["household_income"] == 600000
    assert {"马拉松", "教育规划", "养老规划", "健康保障"} <= set(row["tags"])
    assert any(member["relation"] == "儿子" for member in row["family"])
    assert "明年可能去留学" in chat.send("/card 张丽华")  # the note is on the timeline


def test_saving_only_some_facts_and_declining(chat, app):
    chat.script("/record 孙明", "男", "保存")
    reply = chat.send("/note 孙明 最近在跑马拉松，太太是医生")
    assert "①" in reply and "②" in reply
    assert "请回复 1 到" in chat.send("保存 9")
    reply = chat.send("保存 1")
    assert "✅ 已存入" in reply
    row = show_client(app, "王芳", "孙明")
    assert len(row["tags"]) == 1
    chat.send("/note 孙明 喜欢瑜伽")
    assert "不存入档案" in chat.send("都不要")
    assert "瑜伽" not in show_client(app, "王芳", "孙明")["tags"]


def test_a_note_without_facts_is_just_kept(chat):
    chat.script("/record 孙明", "男", "保存")
    reply = chat.send("/note 孙明 今天天气不错")
    assert "📝 已记下" in reply and "识别到" not in reply


def test_numbers_in_a_note_are_masked_and_a_new_mobile_is_offered_encrypted(chat, app):
    from sqlalchemy import text

    chat.script("/record 张丽华", "女", "保存")
    reply = chat.send("/note 张丽华 她换了新手机13900001111，身份证110101197608151234，"
                      "工行卡6222021234567890123")
    assert "手机：139****1111" in reply
    assert "13900001111" not in reply and "110101197608151234" not in reply
    chat.send("保存 1")
    card = chat.send("/card 张丽华")
    assert "139****1111" in card
    for secret in ("13900001111", "110101197608151234", "6222021234567890123"):
        assert secret not in card
    with app.uow() as uow:
        stored = " ".join(uow.session.execute(text("SELECT text FROM timeline")).scalars())
        audit = " ".join(uow.session.execute(text("SELECT detail FROM audit_log")).scalars())
    assert "13900001111" not in stored and "110101197608151234" not in stored
    assert "13900001111" not in audit
    assert "张丽华" in chat.send("/find 139 0000 1111")  # a whole number finds the client
    assert "张丽华" not in chat.send("/find 13900002222")


def test_a_note_for_a_name_typed_amiss_is_not_lost(chat, app):
    chat.script("/record 王五", "男", "保存")
    reply = chat.send("/note 王吾 喜欢跑步")  # a wrong character of the same sound
    assert "没有找到客户「王吾」，笔记还没有记下" in reply and "王五（男" in reply
    assert "已记下「王五」的笔记" in chat.send("1")
    chat.send("都不要")
    assert "喜欢跑步" in chat.send("/notes 王五")
    chat.send("/record 新人")  # not saved yet
    reply = chat.send("/note 新人 爱喝茶")
    assert "「新人」的档案正在记录，还没有保存" in reply and "/note 新人 爱喝茶" in reply
    reply = chat.send("/note 李八 爱喝茶")
    assert "没有找到客户「李八」，笔记没有记下" in reply and "/note 李八 爱喝茶" in reply


def test_an_answer_that_picks_nobody_asks_again_and_keeps_the_note(chat, app):
    chat.script("/record 张三", "女", "保存")
    chat.script("/record #new 张三", "男", "保存")
    assert "有 2 位叫「张三」的客户" in chat.send("/note 张三 儿子明年高考")
    reply = chat.send("返回")
    assert reply.startswith("没看懂这个回答，请回复序号（或回复 取消）。")
    assert "有 2 位叫「张三」的客户" in reply
    assert "已记下「张三」的笔记" in chat.send("女的")  # the one option that says so
    assert "儿子明年高考" in chat.send("/notes #1")  # she was recorded first


def test_a_future_birthday_in_a_note_is_told_not_dropped(chat, app):
    chat.script("/record 孙明", "男", "保存")
    reply = chat.send("/note 孙明 他说生日是2030年3月5日，在跑马拉松")
    assert "📝 已记下「孙明」的笔记" in reply
    assert "这个生日（2030年3月5日）还没到，请检查年份" in reply
    assert "没有记为生日" in reply and "/record 孙明 生日" in reply
    assert "生日：2030" not in reply and "马拉松" in reply  # the other facts are still proposed
    assert "✅ 已存入" in chat.send("全部保存")
    assert show_client(app, "王芳", "孙明")["birthday"] is None
    assert "2030年3月5日" in chat.send("/notes 孙明")  # the note itself is kept whole


def test_a_note_whose_only_fact_is_a_future_birthday(chat, app):
    chat.script("/record 孙明", "男", "保存")
    reply = chat.send("/note 孙明 生日2026年12月25日")  # this year, a month from today
    assert "📝 已记下「孙明」的笔记" in reply
    assert "这个生日（2026年12月25日）还没到，请检查年份" in reply
    assert chat.options == [] and "要存进档案吗" not in reply  # nothing left to ask
    assert show_client(app, "王芳", "孙明")["birthday"] is None
