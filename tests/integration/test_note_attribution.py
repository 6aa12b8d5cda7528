"""A quick note never gives the client someone else's facts, and never overwrites silently:
a spouse's phone, a colleague's income and a nephew are not proposed; a fact that would
replace a different value says which."""

from __future__ import annotations

from bot.queries import show_client

# 孙明 as the reviewer recorded him: phone, income, a son of 2, a retired father
SUN_MING = ("男", "1988.8.15", "13812345678", "杭州", "程序员", "跳过", "跳过", "已婚", "王丽",
            "医生", "2015年5月1号", "儿子2岁", "父亲退休教师，与父母同住", "30w", "保存")


def _sun_ming(chat) -> None:
    chat.send("/record 孙明")
    chat.script(*SUN_MING)


def test_the_wifes_phone_is_not_proposed_as_the_clients(chat, app):
    _sun_ming(chat)
    reply = chat.send("/note 孙明 他老婆王丽的手机是13911112222，有事可以找她")
    assert "📝 已记下" in reply and "识别到" not in reply
    assert "138****5678" in chat.send("/card 孙明")
    assert "孙明" in chat.send("/find 5678")


def test_a_colleagues_income_and_a_nephew_are_not_the_clients(chat, app):
    _sun_ming(chat)
    reply = chat.send("/note 孙明 他同事张总是律师，年收入大概200万")
    assert "识别到" not in reply
    reply = chat.send("/note 孙明 他哥哥的儿子10岁了，在杭州读小学")
    assert "识别到" not in reply
    row = show_client(app, "王芳", "孙明")
    assert row["household_income"] == 300_000
    assert [m["relation"] for m in row["family"]].count("儿子") == 1


def test_a_new_phone_says_which_one_it_replaces(chat, app):
    _sun_ming(chat)
    reply = chat.send("/note 孙明 他换了新手机13911112222")
    assert "手机：139****2222（替换现有 138****5678）" in reply
    assert "替换现有 138****5678" in chat.send("1")
    assert "139****2222" in chat.send("/card 孙明")


def test_replaced_income_birthday_and_childs_age_are_shown(chat, app):
    _sun_ming(chat)
    reply = chat.send("/note 孙明 生日是1988年9月1日，家庭年收入大概50万，儿子3岁了")
    assert "生日：1988年9月1日（替换现有 1988年8月15日）" in reply
    assert "家庭年收入：50万元（替换现有 30万元）" in reply
    assert "子女：儿子3岁（替换现有 儿子2岁）" in reply
    saved = chat.send("1")
    assert "已更新 儿子：2岁 → 3岁" in saved
    row = show_client(app, "王芳", "孙明")
    assert [m["relation"] for m in row["family"]].count("儿子") == 1  # corrected, not a twin
    assert "儿子 3岁" in chat.send("/card 孙明")


def test_the_same_value_is_not_called_a_replacement(chat):
    _sun_ming(chat)
    reply = chat.send("/note 孙明 手机13812345678，家庭年收入30万")
    assert "替换" not in reply


def test_only_the_clients_own_retirement_suggests_a_pension_need(chat, app):
    _sun_ming(chat)
    assert "养老规划" not in chat.send("/note 孙明 父亲是退休教师")
    assert "养老规划" not in chat.send("/note 孙明 他父亲上个月退休了，身体还不错")
    reply = chat.send("/note 孙明 他说自己五年后退休，想早点规划")
    assert "需求标签：养老规划（退休）" in reply


def test_anniversary_names_from_notes(chat, app):
    _sun_ming(chat)
    reply = chat.send("/note 孙明 他公司成立纪念日是2010年5月18日")
    assert "① 公司成立纪念日：2010年5月18日" in reply
    chat.send("1")
    reply = chat.send("/note 孙明 他们家每年农历七月初七过相识纪念日")
    assert "① 相识纪念日：农历七月初七" in reply
    chat.send("1")
    card = chat.send("/card 孙明")
    assert "公司成立纪念日 2010年5月18日" in card and "相识纪念日 农历七月初七" in card
