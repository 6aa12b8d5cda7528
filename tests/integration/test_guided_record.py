"""A full guided record of the domain's worked examples, through the real router and database."""

from __future__ import annotations

import json

from sqlalchemy import text

from bot.queries import export_clients, show_client

ZHANG_ANSWERS = [
    ("性别", "2"),  # numbered option → 女
    ("生日", "农历1976年八月十五"),
    # no 年龄: the birth year gives it
    ("手机", "138 1234 5678"),
    ("常住城市", "上海"),
    ("职业", "会计"),
    ("工作单位", "某外企"),
    ("职位", "财务总监"),
    ("婚姻状况", "已婚"),
    ("配偶姓名", "李建国"),
    ("配偶职业", "国企高管"),
    ("结婚纪念日", "1998年5月20日"),
    ("孩子", "儿子16岁"),
    ("父母", "父亲退休教师，与父母同住"),
    ("家庭年收入", "年收入60万"),
    ("可投资资产", "300万"),
    ("房贷", "无"),
    ("生活习惯", "早8点出门，晚7点到家"),
    ("兴趣爱好", "插花、瑜伽"),
    ("家庭背景", "父亲是退休教师"),
    ("价值观", "家里总有鲜花，愿意为品质付费"),
    ("潜在需求", "想给孩子准备教育金；常问养老社区"),
    ("邀约记录", "朋友介绍来参加亲子沙龙"),
    ("首次沟通", "聊孩子升学和出国"),
]


def test_full_guided_record_of_ms_zhang(chat, app):
    reply = chat.send("/record 张丽华")
    assert "开始记录新客户「张丽华」" in reply
    assert "第1/24项" in reply
    for number, (question_word, answer) in enumerate(ZHANG_ANSWERS, start=1):
        assert question_word in reply, (number, reply)
        reply = chat.send(answer)
    assert "✅ 已保存「张丽华」的档案（23 项）" in reply

    card = chat.send("/card 张丽华")
    assert "【普通】" in card
    assert "农历1976年八月十五" in card or "农历八月十五" in card
    assert "138****5678" in card and "13812345678" not in card
    assert "配偶 李建国" in card and "国企高管" in card
    assert "儿子" in card and "16岁" in card
    assert "价值观：家里总有鲜花，愿意为品质付费" in card
    assert "潜在需求：想给孩子准备教育金；常问养老社区" in card
    assert "邀约记录：朋友介绍来参加亲子沙龙" in card
    assert "结婚纪念日" in card

    (row,) = export_clients(app, "王芳")
    assert row["birthday"]["calendar"] == "lunar"
    assert (row["birthday"]["month"], row["birthday"]["day"]) == (8, 15)
    assert row["household_income"] == 600000
    assert row["investable_assets"] == 3000000
    assert row["soft_info"]["兴趣爱好"] == ["插花、瑜伽"]
    assert {"插花", "瑜伽"} <= set(row["tags"])
    assert row["phone"] == "138****5678"
    json.dumps(row, ensure_ascii=False)


def test_the_export_keeps_the_notes_and_the_rest_of_the_timeline(chat, app, clock):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/note 孙明 今天喝咖啡，他说儿子明年去留学，电话13812345678")
    chat.send("都不要")
    clock.advance(hours=1)
    chat.send("/meet 孙明")
    (row,) = export_clients(app, "王芳")
    kinds = [entry["kind"] for entry in row["timeline"]]
    assert kinds[0] == "record" and "note" in kinds and kinds[-1] == "meeting"  # oldest first
    (note,) = [entry["text"] for entry in row["timeline"] if entry["kind"] == "note"]
    assert "喝咖啡" in note and "留学" in note
    assert "13812345678" not in json.dumps(row, ensure_ascii=False)
    assert show_client(app, "王芳", "孙明")["timeline"] == row["timeline"]


def test_phone_is_encrypted_at_rest_and_found_by_last_four_digits(chat, app):
    chat.send("/record 张丽华")
    chat.script("女", "跳过", "跳过", "13812345678", "保存")
    with app.uow() as uow:
        raw = uow.session.execute(text("SELECT phone_enc, phone_index FROM clients")).one()
    assert "5678" not in raw.phone_enc and "13812345678" not in raw.phone_enc
    assert "5678" not in raw.phone_index
    found = chat.send("/find 5678")
    assert "张丽华" in found
    assert "张丽华" not in chat.send("/find 1234")


def test_mr_sun_is_promoted_through_signed_select_and_core(chat):
    chat.send("/record 孙明")
    reply = chat.script("男", "1991-3-5", "13900001111", "杭州", "IT工程师", "保存")
    assert "✅ 已保存「孙明」" in reply

    reply = chat.script("/policy 孙明", "是", "本公司", "重疾", "2021-4-1", "1万", "20",
                        "妻子", "配偶", "有效")
    assert "已自动升为【成交】" in reply and "首张自有有效保单" in reply

    reply = chat.script("/policy 孙明", "是", "本公司", "增额终身寿", "2024-6-18", "19万",
                        "10", "女儿", "父女", "有效")
    assert "已自动升为【精选】" in reply and "200,000" in reply

    for number, friend in enumerate(["周强", "吴敏", "郑磊"], start=1):
        assert "已登记" in chat.send(f"/referral 孙明 {friend}")
        reply = chat.script(f"/policy {friend}", "是", "本公司", "年金", "2025-9-1", "30万",
                            "10", "跳过", "跳过", "有效")
        assert f"{friend} 已自动升为【精选】" in reply
        if number < 3:
            assert "孙明 已自动升为【核心】" not in reply
    assert "孙明 已自动升为【核心】" in reply
    assert "转介绍成交 3 位" in reply

    card = chat.send("/card 孙明")
    assert "【核心】" in card and "分层原因：转介绍成交 3 位" in card
    assert "[本公司] 重疾 2021-04-01起 年缴1万" in card.replace("1.0万", "1万")


def test_every_tier_change_is_kept_with_reason_and_time(chat, app):
    chat.script("/record 李四", "保存")
    chat.send("/tier 李四 筛选 年收入高，关注养老")
    chat.script("/policy 李四", "是", "本公司", "年金", "2025-1-1", "6万", "10", "跳过",
                "跳过", "有效")
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        repo = uow.clients(agent.id)
        (client,) = repo.by_name("李四")
        history = [(c.from_tier, c.to_tier, c.reason, c.automatic)
                   for c in repo.tier_history(client)]
    assert history[0] == ("普通", "筛选", "年收入高，关注养老", False)
    assert history[1][:2] == ("筛选", "精选") and history[1][3] is True


def test_id_and_payment_account_of_a_signed_client_are_encrypted_and_masked(chat, app):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "本公司", "重疾", "2021-4-1", "1万", "20", "跳过", "跳过",
                "有效")
    reply = chat.send("/record 孙明")
    for _ in range(30):  # skip to the 成交本 fields
        if "身份证号" in reply:
            break
        reply = chat.send("跳过")
    assert "成交本" in reply
    reply = chat.send("11010519491231002X")
    assert "缴费账户" in reply
    chat.send("6222 0212 3456 7890")
    card = chat.send("/card 孙明")
    assert "**************002X" in card and "6222 **** **** 7890" in card
    assert "11010519491231002X" not in card and "6222021234567890" not in card
    with app.uow() as uow:
        raw = uow.session.execute(
            text("SELECT id_number_enc, payment_account_enc FROM clients")).one()
    assert "1949" not in raw.id_number_enc and "7890" not in raw.payment_account_enc
    row = show_client(app, "王芳", "孙明")
    assert row["id_number"] == "**************002X"


def test_id_numbers_masked_before_keep_only_their_last_four_after_the_upgrade(
        chat, app, database_url):
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    chat.script("/record 孙明", "男", "保存")
    app.dispose()
    command.downgrade(alembic_config(database_url), "0011")
    with app.uow() as uow:  # as version 0011 stored it: the first four digits in clear
        uow.session.execute(text("UPDATE clients SET id_number_masked = '1101**********002X'"))
        uow.commit()
    app.dispose()
    upgrade(database_url)
    with app.uow() as uow:
        masked = uow.session.execute(text("SELECT id_number_masked FROM clients")).scalar()
    assert masked == "**************002X"
