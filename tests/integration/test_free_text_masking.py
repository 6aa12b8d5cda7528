"""Phone and ID numbers typed into free text (notes, /tier reasons, form answers, searches)
are never stored in full anywhere in the database."""

from __future__ import annotations

import json
import re

from sqlalchemy import inspect, text

from bot.bootstrap import App

SECRETS = ("13887654321", "13912345678", "110105194912310021", "13698765432", "13511112222",
           "13711110000")


def stored_digits(app: App) -> str:
    """Every value of every table with separators removed, so that a number stored as
    138.8765.4321 is still found."""
    values: list[str] = []
    with app.uow() as uow:
        connection = uow.session.connection()
        for name in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                values.extend(re.sub(r"[\s\-./()·]", "", str(value)) for value in row)
    return "\n".join(values)


def test_numbers_in_free_text_are_masked_everywhere(app, chat):
    chat.script("/record 张三", "男", "保存")
    note = chat.send("/note 张三 新号码 138.8765.4321，微信同号")
    chat.send("都不要")
    chat.send("/find 138.8765.4321")
    tiered = chat.send("/tier 张三 筛选 本人电话13912345678，身份证110105194912310021")
    assert "139****5678" in tiered and "13912345678" not in tiered
    family = chat.script("/family 张三", "配偶", "李梅", "跳过", "跳过", "跳过",
                         "电话136/9876/5432")
    assert "13698765432" not in family
    chat.send("/salon 周四 19:30 理财讲座 报名电话135-1111-2222")
    assert "加上 137****0000" in chat.send("/tag 张三 13711110000")
    card = chat.send("/card 张三")
    assert "139****5678" in card or "138****4321" in card
    assert "手机：138****4321" in note  # the number is still offered, encrypted, as the phone
    everything = stored_digits(app)
    for secret in SECRETS:
        assert secret not in everything, secret


def test_numbers_split_into_tags_or_followed_by_letters_are_masked_too(app, chat):
    chat.script("/record 张三", "男", "保存")
    assert "加上 138****5678" in chat.send("/tag 张三 138 1234 5678")  # one number, one tag
    chat.script("/record 张三 兴趣爱好", "瑜伽、13912345678", "保存")
    chat.send("/note 张三 香港手机 9123 4567 WhatsApp同号")
    chat.send("都不要")
    chat.send("/tier 张三 筛选 座机87654321 wx同号")
    chat.send("/salon 周四 19:30 理财讲座 #13611112222")
    card = chat.send("/card 张三")
    assert "139****5678" in card and "13912345678" not in card
    everything = stored_digits(app)
    for secret in ("13812345678", "13912345678", "91234567", "87654321", "13611112222"):
        assert secret not in everything, secret


def test_a_name_with_a_phone_number_in_it_is_refused(app, chat):
    chat.script("/record 张三", "男", "保存")
    for command in ("/record 李四Tel13787654321", "/referral 张三 王五13812345678"):
        assert "姓名里不能带电话或证件号码" in chat.send(command)
    assert "王五 Amy" in chat.send("/record 王五 Amy")  # a name as such is fine
    everything = stored_digits(app)
    assert "13787654321" not in everything and "13812345678" not in everything


def test_several_names_in_one_are_refused_not_made_one_client(app, chat):
    chat.script("/record 孙明", "男", "保存")
    for command in ("/referral 孙明 张三、王五", "/referral 孙明 张三,王五", "/record 李六、赵七",
                    "/record 李六；赵七"):
        assert "一次只能登记一位客户" in chat.send(command)
    assert "没有找到" in chat.send("/card 张三、王五")
    assert "张三" in chat.send("/referral 孙明 张三")  # one at a time is fine


def test_free_text_stored_by_earlier_versions_is_masked_on_upgrade(chat, app, database_url):
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    chat.script("/record 张丽华", "女", "保存")
    chat.script("/policy 张丽华", "是", "增额终身寿", "2024-3-5", "1000000", "10", "保存")
    assert "新增保单：增额终身寿 100万元" in chat.send("/notes 张丽华")  # never bare digits now
    chat.send("/note 张丽华 她很喜欢插花")
    chat.send("/tier 张丽华 筛选 家境好")
    chat.send("/find 张丽华")
    app.dispose()
    command.downgrade(alembic_config(database_url), "0013")
    with app.uow() as uow:  # as the earlier masking left them
        uow.session.execute(text(
            "UPDATE timeline SET text = '新手机Tel13812345678，身份证ID110101197608151234' "
            "WHERE text LIKE '%插花%'"))
        uow.session.execute(text("UPDATE timeline SET text = '新增保单：增额终身寿 1000000' "
                                 "WHERE kind = 'policy'"))
        uow.session.execute(text(
            "UPDATE clients SET tier_reason = '他说有事打13812345678，卡号622************0123'"))
        uow.session.execute(text(
            "UPDATE clients SET attrs = :attrs, tags = :tags"),
            {"attrs": json.dumps({"beneficiaries": "配偶 身份证110105194912310028",
                                  "other_policies": "平安，电话Tel13912345678", "salary": 300000,
                                  "first_talk": "2024-03-05 见面，保额3000000"}),
             "tags": json.dumps(["13812345678", "插花"])})
        uow.session.execute(text(
            "INSERT INTO audit_log (agent_id, action, detail, at) "
            "VALUES (1, 'find', '张丽华 1381234', '2026-11-20 08:00:00')"))
        uow.commit()
    app.dispose()
    upgrade(database_url)
    with app.uow() as uow:
        notes = uow.session.execute(text("SELECT text FROM timeline ORDER BY id")).scalars().all()
        reason, attrs, tags = uow.session.execute(text(
            "SELECT tier_reason, attrs, tags FROM clients")).one()
        finds = uow.session.execute(text(
            "SELECT detail FROM audit_log WHERE action = 'find' ORDER BY id")).scalars().all()
    assert "新手机Tel138****5678，身份证ID**************1234" in notes
    assert "新增保单：增额终身寿 1000000" in notes  # the bot's own line: a premium, left alone
    assert reason == "他说有事打138****5678，卡号***************0123"
    attrs = attrs if isinstance(attrs, dict) else json.loads(attrs)
    assert attrs == {"beneficiaries": "配偶 身份证**************0028",
                     "other_policies": "平安，电话Tel139****5678", "salary": 300000,
                     "first_talk": "2024-03-05 见面，保额3000000"}
    assert (tags if isinstance(tags, list) else json.loads(tags)) == ["138****5678", "插花"]
    assert finds == ["1 位", ""]  # the count kept, the search of before blanked
    assert "13812345678" not in stored_digits(app) and "1101011976" not in stored_digits(app)
