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
