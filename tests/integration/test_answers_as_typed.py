"""What agents type instead of the expected answer: 保存 before the essentials, 取消 meant
for a question, 好的 to the facts question, an option's label instead of its number."""

from __future__ import annotations

from bot.queries import show_card, show_client
from storage.models import Nudge


def _card(app, name):
    return show_client(app, "王芳", name)


def test_a_policy_is_not_saved_without_its_essentials(chat, app):
    chat.script("/record 张三", "男", "保存")
    chat.send("/policy 张三")
    reply = chat.send("保存")
    assert "「是否本公司保单」必须填写" in reply and "第1/" in reply
    reply = chat.send("跳过")
    assert "「是否本公司保单」必须填写" in reply
    assert "第3/" in chat.send("是")  # 2: the other company's name, not asked
    reply = chat.send("保存")
    assert "「险种」必须填写" in reply and "第3/" in reply
    assert "第4/" in chat.send("重疾")
    reply = chat.send("保存")
    assert "✅ 已保存「张三」的保单（2 项）" in reply
    assert _card(app, "张三")["tier"] == "成交"


def test_an_empty_family_member_is_not_saved(chat, app):
    chat.script("/record 张三", "男", "保存")
    chat.send("/family 张三")
    reply = chat.send("保存")
    assert "「关系」必须填写" in reply
    chat.send("取消")
    assert _card(app, "张三")["family"] == []


def test_saving_nothing_new_leaves_the_client_untouched(chat, app):
    chat.script("/record 张三", "男", "保存")
    card = show_card(app, "王芳", "张三")
    reply = chat.script("/record 张三", "保存")
    assert "没有新填写的内容，「张三」的档案未改动" in reply
    assert show_card(app, "王芳", "张三") == card  # no timeline line, no contact logged


def test_cancel_answers_the_question_and_keeps_the_form(chat, app):
    chat.script("/record 张三", "男", "保存")
    chat.script("/record #new 张三", "女", "保存")
    chat.script("/record 李四", "男", "1980-1-1")
    assert "哪一位" in chat.send("/card 张三") or len(chat.options) == 2
    reply = chat.send("取消")
    assert "这个问题取消了" in reply and "「李四」的档案还没记录完" in reply
    reply = chat.send("继续")
    assert "第" in reply and "李四" in reply
    assert "✅ 已保存「李四」的档案（2 项）" in chat.send("保存")


def test_cancel_outside_a_form_cancels_the_question(chat):
    chat.script("/record 张三", "男", "保存")
    chat.script("/record #new 张三", "女", "保存")
    chat.send("/card 张三")
    assert "这个问题取消了" in chat.send("取消")
    assert "当前没有进行中的操作" in chat.send("取消")


def test_the_facts_question_understands_what_agents_type(chat, app):
    chat.script("/record 张三", "男", "保存")
    reply = chat.send("/note 张三 儿子9岁，喜欢马拉松")
    assert "①" in reply and "[1]" not in reply
    reply = chat.send("嗯嗯")
    assert "没看懂这个回答" in reply and "①" in reply  # the question is still open
    assert "✅ 已存入「张三」的档案" in chat.send("好的")
    chat.send("/note 张三 女儿3岁，喜欢瑜伽")
    reply = chat.send("保存②")
    assert "✅ 已存入「张三」的档案" in reply and "女儿" not in reply
    chat.send("/note 张三 女儿3岁")
    assert "不存入档案" in chat.send("不要")


def test_the_facts_question_lapses_when_the_agent_moves_on(chat):
    chat.script("/record 张三", "男", "保存")
    chat.send("/note 张三 儿子9岁")
    assert "张三" in chat.send("/card 张三")
    assert "没看懂这条消息" in chat.send("好的")


def test_an_option_label_typed_picks_it(chat):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/find 孙")
    label = chat.last[0].options[0].label
    reply = chat.send(label)
    assert "孙明" in reply and "没看懂" not in reply


def test_a_second_client_of_the_same_name_is_not_merged_silently(chat):
    chat.script("/record 张三", "男", "上海", "保存")
    reply = chat.send("/record 张三")
    assert "继续记录已有客户张三（男" in reply and "/record #new 张三" in reply
    chat.send("取消")
    reply = chat.send("/record #new 张三")
    assert "开始记录新客户「张三」" in reply


def test_clients_nothing_tells_apart_are_labelled_by_id(chat):
    chat.script("/record 张三", "保存")
    chat.script("/record #new 张三", "保存")
    chat.send("/card 张三")
    labels = [option.label for option in chat.last[0].options]
    assert len(set(labels)) == 2 and all("#" in label for label in labels)


def test_payment_years_must_be_plausible(chat):
    chat.script("/record 张三", "男", "保存")
    chat.script("/policy 张三", "是", "重疾", "2024-3-5", "5000")
    reply = chat.send("5万")
    assert "缴费年限最多 100" in reply and "第6/" in reply
    assert "第7/" in chat.send("20年")


def test_snooze_days_and_menu_labels_as_typed(app, chat):
    chat.script("/record 张三", "男", "1976-11-24", "保存")  # the clock's day: 2026-11-24
    app.nudges.tick()
    with app.uow() as uow:
        (nudge_id,) = [n.id for n in uow.session.query(Nudge) if n.kind == "birthday"]
    assert "推迟天数请写 1 到 30 之间的数" in chat.send(f"/snooze {nudge_id} -3")
    assert "推迟天数请写" in chat.send(f"/snooze {nudge_id} 三周")
    assert "3天后" in chat.send(f"/snooze {nudge_id} 三天")
    chat.send(f"/nudge {nudge_id}")
    assert "3天后" in chat.send("推迟3天")  # the option's label, typed


def test_a_message_too_long_is_refused_whole(chat, app):
    chat.script("/record 张三", "男", "保存")
    chat.send("/record 李四")
    reply = chat.send("/note 张三 " + "长" * 4100)
    assert "这条消息太长了（4109 字，最多 4000 字），没有处理" in reply
    assert "第1/" in chat.send("继续")  # the form is where it was


def test_full_width_spaces_line_breaks_and_slashes(chat):
    chat.script("/record　张三", "男", "保存")
    assert "张三" in chat.send("／card 张三")
    reply = chat.send("/note 张三\n儿子9岁")
    assert "📝 已记下「张三」的笔记" in reply


def test_a_referral_name_is_bounded(chat):
    chat.script("/record 孙明", "男", "保存")
    assert "姓名太长了" in chat.send("/referral 孙明 " + "李" * 40)


def test_a_child_the_family_has_is_not_added_again_from_a_note(chat, app):
    chat.script("/record 张三", "男", "保存")
    chat.script("/family 张三", "儿子", "小明", "2017-5-1", "保存")
    chat.send("/note 张三 儿子9岁，女儿3岁")
    chat.send("全部保存")
    family = show_client(app, "王芳", "张三")["family"]
    assert sorted(member["relation"] for member in family) == sorted(["儿子", "女儿"])


def test_names_with_spaces_work_in_every_command(chat, app):
    chat.script("/record Zhang Wei", "男", "保存")
    assert "📝 已记下「Zhang Wei」的笔记" in chat.send("/note Zhang Wei 最近在跑马拉松")
    chat.send("都不要")
    assert "与「Zhang Wei」见面" in chat.send("/meet Zhang Wei 15:00")
    assert "与「Zhang Wei」见面" in chat.send("/meet Zhang Wei")  # now
    reply = chat.send("/tier Zhang Wei 筛选 家庭年收入高")
    assert "「Zhang Wei」已从【普通】调整为【筛选】" in reply
    assert "已从【筛选】调整为【普通】" in chat.send("/tier #1 普通 重新评估")
    chat.script("/record 孙八", "男", "保存")
    assert "「孙八」介绍了「Zhang Wei」" in chat.send("/referral 孙八 Zhang Wei")
    assert "「Zhang Wei」介绍了「Li Na」（已新建档案）" in chat.send("/referral Zhang Wei Li Na")
    assert "用法" in chat.send("/referral 孙八 李四 王五")  # one at a time


def test_a_latin_name_is_found_in_any_case_by_its_words_and_initials(chat):
    chat.script("/record Zhang Wei", "男", "保存")
    for query in ("zhang wei", "zhangwei", "zw", "ZHANG", "Zhang Wei"):
        assert "Zhang Wei（男" in chat.send(f"/find {query}"), query
    assert "Zhang Wei" in chat.send("/card zhang wei")
    assert "继续记录已有客户Zhang Wei" in chat.send("/record zhang wei")


def test_policy_status_words_agents_use(chat):
    chat.script("/record 张三", "男", "保存")
    chat.script("/policy 张三", "是", "重疾", "保存")
    assert "已改为「失效」" in chat.send("/policy 张三 过期")
    assert "已改为「有效」" in chat.send("/policy 张三 复效")


def test_record_with_field_names_asks_just_those_fields(chat, app):
    chat.script("/record 孙明", "男", "1988-8-15", "13812345678", "上海", "保存")
    opening = chat.send("/record 孙明 手机 城市")
    assert "修改" in opening and "第1/2项" in opening and "手机" in opening
    assert "第2/2项" in chat.send("13987654321")
    assert "已保存「孙明」的档案（2 项）" in chat.send("杭州")
    card = show_card(app, "王芳", "孙明")
    assert "139****4321" in card and "城市：杭州" in card
    assert "没有找到客户「孙明 手机」" in chat.send("/card 孙明 手机")


def test_record_with_a_word_that_is_no_field_is_a_name(chat):
    assert "开始记录新客户「Zhang Wei」" in chat.send("/record Zhang Wei")


def test_latin_names_stored_before_get_their_search_keys_on_upgrade(chat, app, database_url):
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config, upgrade

    chat.script("/record Zhang Wei", "男", "保存")
    chat.script("/record 张三", "男", "保存")
    app.dispose()
    command.downgrade(alembic_config(database_url), "0012")
    with app.uow() as uow:  # as the earlier code stored them: no keys for a Latin name
        uow.session.execute(text("UPDATE clients SET name_pinyin = '', name_initials = '' "
                                 "WHERE name = 'Zhang Wei'"))
        uow.commit()
    app.dispose()
    upgrade(database_url)
    with app.uow() as uow:
        keys = uow.session.execute(text(
            "SELECT name, name_pinyin, name_initials FROM clients ORDER BY id")).all()
    assert [tuple(row) for row in keys] == [("Zhang Wei", "zhangwei", "zw"),
                                            ("张三", "zhangsan", "zs")]


def test_names_stored_before_are_found_in_any_case_after_the_upgrade(chat, app, database_url):
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config, upgrade

    chat.script("/record JOSÉ", "男", "保存")
    app.dispose()
    command.downgrade(alembic_config(database_url), "0014")  # names had no folded key then
    upgrade(database_url)
    with app.uow() as uow:
        assert uow.session.execute(text("SELECT name_key FROM clients")).scalar() == "josé"
    assert "📇 JOSÉ（男）" in chat.send("/card josé")
    assert "JOSÉ（" in chat.send("/find josé")


def test_cased_names_match_alike_on_every_database(chat):
    chat.script("/record ΟΔΟΣ", "男", "保存")  # Greek: a final sigma when lowered
    assert "📇 ΟΔΟΣ（男）" in chat.send("/card οδος")
    assert "已记下「ΟΔΟΣ」的笔记" in chat.send("/note οδος 喜欢足球")
    assert "ΟΔΟΣ（" in chat.send("/find οδο")
    chat.script("/record ＡＮＮＡ", "女", "保存")  # full-width letters, as some keyboards type
    assert "📇 ＡＮＮＡ（女）" in chat.send("/card anna")


def test_a_name_with_accented_capitals_is_found_as_typed(chat):
    chat.script("/record JOSÉ", "男", "保存")
    assert "📇 JOSÉ（男）" in chat.send("/card JOSÉ")
    assert "已记下「JOSÉ」的笔记" in chat.send("/note JOSÉ 喜欢足球")
    assert "继续记录已有客户JOSÉ" in chat.send("/record JOSÉ")
    assert "📇 JOSÉ（男）" in chat.send("/card josé")  # folded alike on every database
    assert "已记下「JOSÉ」的笔记" in chat.send("/note José 周末踢球")


def test_a_latin_name_being_recorded_is_known_in_any_case(chat):
    chat.script("/record 孙八", "男", "保存")
    chat.send("/record Li Na")
    reply = chat.send("/referral 孙八 li na")
    assert "「li na」的档案正在记录，还没有保存" in reply
    assert "「Li Na」的档案正在记录，还没有保存，笔记没有记下" in chat.send("/note Li Na 爱喝茶")
    assert "已保存" in chat.send("保存")
    assert "「孙八」介绍了「Li Na」。" in chat.send("/referral 孙八 li na")
    assert chat.send("/find li na").count("Li Na（") == 1


def test_names_mixing_latin_and_other_letters_are_found_in_any_case(chat):
    chat.script("/record Amy王", "女", "保存")
    chat.script("/record José Li", "男", "保存")
    assert "📇 Amy王（女）" in chat.send("/card amy王")
    for query in ("amy王", "AMY", "josé"):  # SQLite's LIKE ignores ASCII case, PostgreSQL's not
        assert chat.send(f"/find {query}").count("（") >= 1, query
    assert "Amy王" in chat.send("/find amy王") and "José Li" in chat.send("/find josé")
    assert "已记下「José Li」的笔记" in chat.send("/note josé li 爱喝茶")
    assert "继续记录已有客户José Li" in chat.send("/record JOSé LI")
