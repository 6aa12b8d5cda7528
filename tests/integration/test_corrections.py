"""Correcting the archive: a policy's status (/policy NAME STATUS) and deleting a policy, a
family member or a whole client (/delete), always asked and confirmed, only one's own."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from storage.models import AuditEntry, Client, FamilyMember, Nudge, Policy, TimelineEntry
from tests.support.chat import ChatDriver
from tests.support.rows import rows


def add_policy(chat, name: str, product: str, start: str, status: str = "有效") -> None:
    chat.script(f"/policy {name}", "是", product, start, "1万", "3", "跳过", "跳过", status)


def count(app, model, **where) -> int:
    with app.uow() as uow:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(uow.session.scalar(query) or 0)


def renewals_between(app, name: str, start: date, days: int) -> int:
    return sum(1 for offset in range(days)
               for n in app.nudges.preview(start + timedelta(days=offset))
               if n.kind == "renewal" and name in n.text)


def test_a_surrendered_policy_is_no_longer_renewed(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1")  # renewal due in 7 days: listed today
    app.nudges.sweep_now()
    assert "孙明 的重疾 7天后" in chat.send("/today")
    reply = chat.send("/policy 孙明 退保")
    assert "✅ 「孙明」的重疾已改为「退保」" in reply and "不再提醒" in reply
    assert "今天没有待办提醒" in chat.send("/today")  # the open nudge is paused
    assert renewals_between(app, "孙明", date(2026, 11, 25), 400) == 0
    card = chat.send("/card 孙明")
    assert "重疾" in card and "退保" in card
    assert "已经是「退保」" in chat.send("/policy 孙明 退保")
    assert "保单状态 重疾：有效→退保" in chat.send("/card 孙明")  # on the timeline


def test_a_status_changed_by_mistake_brings_the_reminders_back(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1")
    app.nudges.sweep_now()
    (nudge,) = _nudges(app)
    chat.send(f"/snooze {nudge.id} 2")
    chat.send("/policy 孙明 失效")
    assert [n.status for n in _nudges(app)] == ["paused"]
    assert "已暂停" in chat.send(f"/snooze {nudge.id} 1")  # an old button does not let it out
    assert "已改为「有效」" in chat.send("/policy 孙明 有效")
    app.nudges.sweep_now()
    (back,) = _nudges(app)
    assert (back.status, back.show_on) == ("open", date(2026, 11, 26))  # the snooze kept
    clock.advance(days=2)
    assert "孙明 的重疾 7天后" in chat.send("/today")


def test_reminders_whose_day_passed_while_paused_are_dropped(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1")
    app.nudges.sweep_now()
    chat.send("/policy 孙明 失效")
    clock.advance(days=190)
    chat.send("/policy 孙明 有效")
    assert _nudges(app) == [] and "12月1日" not in chat.send("/today")


def _nudges(app) -> list[Nudge]:
    with app.uow() as uow:
        found = list(uow.session.scalars(select(Nudge).order_by(Nudge.id)))
        uow.session.expunge_all()
        return found


def test_with_several_policies_it_asks_which_one(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1")
    add_policy(chat, "孙明", "年金", "2025-12-2")
    reply = chat.send("/policy 孙明 失效")
    assert "有 2 份保单，改哪一份" in reply and "年金" in reply
    assert "已改为「失效」" in chat.send("2")
    with app.uow() as uow:
        statuses = {p.product_type: p.status for p in uow.session.scalars(select(Policy))}
    assert statuses == {"重疾": "有效", "年金": "失效"}


def test_a_policy_back_in_force_promotes_the_client(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1", status="失效")
    assert "【普通】" in chat.send("/card 孙明")
    reply = chat.send("/policy 孙明 有效")
    assert "已改为「有效」" in reply and "已自动升为【成交】" in reply
    assert "没有找到客户「无此人」" in chat.send("/policy 无此人 退保")
    chat.script("/record 新客户", "女", "保存")
    assert "「新客户」还没有保单记录" in chat.send("/policy 新客户 退保")


def test_deleting_a_policy_is_asked_and_confirmed(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1")
    app.nudges.sweep_now()
    reply = chat.send("/delete 孙明")
    assert "要删除「孙明」的哪一项" in reply and "整个客户档案" in reply
    assert "确定删除「孙明」的保单" in chat.send("1")
    assert "没有删除任何内容" in chat.send("不删了")
    assert count(app, Policy) == 1
    chat.send("/delete 孙明")
    chat.send("1")
    assert "🗑 已删除「孙明」的保单" in chat.send("确认删除")  # the word, or its number 2
    assert count(app, Policy) == 0
    assert count(app, Nudge, kind="renewal") == 0  # deleted, not merely paused
    assert "—— 保单 ——" not in chat.send("/card 孙明")


def test_deleting_a_family_member_drops_their_reminders(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/family 孙明", "女儿", "孙小美", "2020-11-24", "跳过", "是", "保存")
    app.nudges.sweep_now()
    assert "孙小美" in chat.send("/today")
    assert "家人：女儿 孙小美" in chat.send("删除 孙明")  # the Chinese alias, without a slash
    assert len(chat.options) == 2 and chat.options[1] == "all"
    chat.send("1")
    assert "🗑 已删除「孙明」的家人" in chat.send("2")  # 1 不删了, 2 确认删除
    assert count(app, FamilyMember) == 0
    assert "孙小美" not in chat.send("/today")


def test_deleting_a_client_removes_everything_about_them(app, chat):
    chat.script("/record 孙明", "男", "1980-11-24", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1")
    chat.script("/family 孙明", "女儿", "孙小美", "2020-11-24", "跳过", "是", "保存")
    chat.send("/note 孙明 最近在跑马拉松")
    chat.send("都不要")
    chat.send("/referral 孙明 李四")
    app.nudges.sweep_now()
    (client_id,) = [c.id for c in _clients(app) if c.name == "孙明"]
    chat.send("/delete 孙明")
    assert "全部档案" in chat.send("整个客户档案")
    assert "🗑 已删除客户「孙明」的全部档案" in chat.send("确认删除")
    assert [c.name for c in _clients(app)] == ["李四"]
    assert all(c.referred_by_id is None for c in _clients(app))
    for model in (Policy, FamilyMember, TimelineEntry, Nudge):
        assert count(app, model, client_id=client_id) == 0
    assert count(app, AuditEntry, action="delete_client", client_id=client_id) == 1
    assert "没有找到客户「孙明」" in chat.send("/card 孙明")
    assert "孙明" not in chat.send("/today")


def test_deleting_the_client_of_an_open_record_ends_that_record(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/record 孙明 更新", "男")
    chat.script("/delete 孙明", "整个客户档案")
    reply = chat.send("确认删除")
    assert "🗑 已删除客户「孙明」" in reply and "还没完成" not in reply
    assert "当前没有进行中的操作" in chat.send("取消")


def test_another_agents_clients_cannot_be_changed_or_deleted(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "重疾", "2025-12-1")
    (client,) = _clients(app)
    with app.uow() as uow:
        (policy_id,) = uow.session.scalars(select(Policy.id))
    other = ChatDriver.for_new_agent(app, "赵强")
    for attempt in (f"/delete #{client.id} all 确认", f"/delete #{client.id} p{policy_id} 确认",
                    f"/policy #{client.id} 退保 p{policy_id}", f"/delete #{client.id}"):
        assert "没有找到客户" in other.send(attempt)
    assert count(app, Client) == 1 and count(app, Policy, status="有效") == 1


def test_bad_references_get_a_polite_answer(app, chat):
    chat.script("/record 孙明", "男", "保存")
    (client,) = _clients(app)
    assert "请写上客户姓名" in chat.send("/delete")
    for attempt in (f"/delete #{client.id} p99999 确认", f"/delete #{client.id} m1 确认",
                    f"/delete #{client.id} x 确认"):
        assert "没有找到要删除的这一项" in chat.send(attempt)
    assert "没有找到客户「#abc」" in chat.send("/delete #abc all")
    assert count(app, Client) == 1


def test_a_deletion_runs_only_as_the_answer_to_its_own_question(app, chat):
    chat.script("/record 张三", "男", "保存")
    chat.script("/record 李四", "女", "保存")
    add_policy(chat, "张三", "重疾", "2025-12-1")
    _, li = _clients(app)
    for typed in (f"/delete #{li.id} all 确认", f"删除 #{li.id} all 确认删除"):
        assert "删除前需要确认" in chat.send(typed)
    chat.script("/delete 张三", "1")  # the policy: asks to confirm
    old_confirm = chat.options[1]
    chat.script("/delete 李四", "整个客户档案")  # another question now waits
    assert "没看懂" in chat.send(old_confirm)  # an old button confirms nothing
    chat.script("/delete 李四", "整个客户档案")
    assert "没有删除任何内容" in chat.send("1")  # the first option keeps
    assert count(app, Client) == 2 and count(app, Policy) == 1
    chat.script("/delete 李四", "整个客户档案")
    assert "🗑 已删除客户「李四」" in chat.send("确认删除")  # the word answers this question
    assert [c.name for c in _clients(app)] == ["张三"] and count(app, Policy) == 1


def test_a_new_family_member_gets_reminders_even_with_a_deleted_ones_id(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/family 孙明", "儿子", "孙小明", "2020-11-24", "跳过", "是", "保存")
    app.nudges.sweep_now()
    chat.script("/delete 孙明", "1", "确认删除")
    chat.script("/record 李四", "女", "保存")
    chat.script("/family 李四", "女儿", "李小红", "2020-11-24", "跳过", "是", "保存")
    app.nudges.sweep_now()
    today = chat.send("/today")
    assert "李小红" in today and "孙小明" not in today


def test_answers_a_change_of_mind_made_moot_are_not_saved(app, chat):
    chat.script("/record 孙明", "男", "3月5日", "40", "返回", "返回", "1985-3-5", "保存")
    (client,) = _clients(app)
    assert (client.age, client.birth_year) == (None, 1985)


def test_a_future_birthday_in_a_note_is_not_proposed(chat):
    chat.script("/record 孙明", "男", "保存")
    reply = chat.send("/note 孙明 他说生日是2030年3月5日，在跑马拉松")
    assert "生日：2030" not in reply and "马拉松" in reply  # said why (test_quick_notes)


def test_the_record_button_of_a_deleted_client_finds_nothing(app, chat):
    chat.script("/record 孙明", "男", "保存")
    (client,) = _clients(app)
    chat.script("/delete 孙明", "1", "确认删除")
    assert "没有找到客户" in chat.send(f"/record #{client.id}")
    assert count(app, Client) == 0


def test_unusual_digits_get_a_polite_answer(app, chat):
    from handlers import texts

    chat.script("/record 孙明", "男", "保存")
    (client,) = _clients(app)
    for attempt in (f"/delete #{client.id} p² 确认", "/policy 孙明 退保 p²", "/card #²",
                    "/nudge ①", "²"):
        assert texts.INTERNAL_ERROR not in chat.send(attempt), attempt


def _clients(app) -> list[Client]:
    with app.uow() as uow:
        found = list(uow.session.scalars(select(Client).order_by(Client.id)))
        uow.session.expunge_all()
        return found


def test_a_birthday_still_to_come_is_refused_and_asked_again(chat):
    chat.script("/record 孙明", "男")
    for future in ("2027-1-1", "2026-12-25", "农历2026年腊月初一", "2090年3月5日"):
        reply = chat.send(future)
        assert "还没到" in reply and "生日" in reply, future
    assert "手机" in chat.send("2026-11-24")  # born today is fine: the next question
    chat.send("保存")
    chat.script("/family 孙明", "女儿", "孙小美")
    assert "还没到" in chat.send("2030-1-1")
    assert "职业" in chat.send("3月5日")  # no year: nothing to check


def test_clients_nothing_else_tells_apart_are_told_apart_by_id(app, chat):
    chat.script("/record 张三", "男", "保存")
    chat.script("/record #new 张三", "男", "保存")
    first, second = _clients(app)
    assert "有 2 位叫「张三」" in chat.send("/card 张三")
    first_label, second_label = [o.label for reply in chat.last for o in reply.options]
    assert first_label.endswith(f"，#{first.id}）") and second_label.endswith(f"，#{second.id}）")
    assert "📇 张三" in chat.send(second_label)  # the label typed picks that one
    assert count(app, AuditEntry, action="card", client_id=second.id) == 1
    chat.send("/find 张三")
    labels = [o.label for reply in chat.last for o in reply.options]
    assert labels == [first_label, second_label]


def test_a_birthday_without_a_year_keeps_a_year_in_which_it_exists(app, chat):
    chat.script("/record 钱七", "女", "1985-3-1", "保存")
    chat.script("/record 钱七 生日", "2月29日")  # no 29 February in 1985
    (client,) = rows(app, Client)
    assert (client.birth_year, client.birth_month, client.birth_day) == (1984, 2, 29)
    chat.script("/record 钱七 生日", "农历1985年腊月三十")  # 8 February 1986
    chat.script("/record 钱七 生日", "2月8日")  # the same day, typed in the solar calendar
    (client,) = rows(app, Client)
    assert (client.birth_calendar, client.birth_year, client.birth_month) == ("solar", 1986, 2)


def test_re_asking_everything_does_not_ask_an_age_the_birth_year_gives(app, chat):
    chat.script("/record 王五", "男", "1985-3-1", "保存")
    asked = [chat.send("/record 王五 更新")] + [chat.send("跳过") for _ in range(30)]
    questions = [line for reply in asked for line in reply.split("\n") if line.endswith("？")]
    assert "性别？" in questions and "手机？" in questions
    assert not [question for question in questions if question.startswith("年龄")]
    assert "41岁" in chat.send("/card 王五")
