"""/policy 张三 修改 and /family 张三 修改: a recorded policy or family member is corrected
field by field, with its values shown, 跳过 keeping one, and what hangs on a changed value
(status, reminders, tier) following."""

from __future__ import annotations

from datetime import date, datetime

from storage.models import AuditEntry, FamilyMember, Nudge, OutboxMessage, Policy
from tests.support.chat import ChatDriver
from tests.support.rows import rows


def add_policy(chat, name: str, start: str, premium: str, product: str = "重疾") -> str:
    return chat.script(f"/policy {name}", "是", product, start, premium, "3", "跳过", "跳过",
                       "有效")


def client_with_policy(chat, premium: str = "1万", start: str = "2025-12-1") -> None:
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", start, premium)


def test_one_field_is_asked_with_its_value_and_only_the_change_is_written(app, chat):
    client_with_policy(chat)
    reply = chat.send("/policy 孙明 修改 保费")
    assert "修改「孙明」的保单，共 1 项" in reply
    assert "第1/1项" in reply and "（已填：1万元）" in reply
    reply = chat.send("1.5万")
    assert "✅ 已修改「孙明」的保单：\n年缴保费：1万元 → 1.5万元" in reply
    (policy,) = rows(app, Policy)
    assert (policy.annual_premium, policy.payment_years, policy.product_type) == (15000, 3, "重疾")
    assert "修改保单：年缴保费：1万元 → 1.5万元" in chat.send("/notes 孙明")
    (entry,) = [e for e in rows(app, AuditEntry) if e.action == "edit_policy"]
    assert entry.detail == "年缴保费"  # which fields, not the values


def test_with_several_policies_it_asks_which_and_skip_keeps_every_other_value(app, chat):
    client_with_policy(chat)
    add_policy(chat, "孙明", "2024-6-1", "2万", product="年金")
    reply = chat.send("/policy 孙明 修改")
    assert "「孙明」有 2 项保单，改哪一项？" in reply and "年金" in reply
    reply = chat.send("2")
    assert "共 9 项" in reply and "（已填：是）" in reply
    # 是否本公司 险种 日期 保费 年限 → kept; 受益人 → new; 关系 → new; then 保存
    reply = chat.script("跳过", "跳过", "跳过", "跳过", "跳过", "孙小明", "儿子", "保存")
    assert "受益人：（空） → 孙小明\n受益人关系：（空） → 儿子" in reply
    assert "年缴保费" not in reply and "险种" not in reply
    first, second = rows(app, Policy)
    assert (second.beneficiary, second.beneficiary_relation) == ("孙小明", "儿子")
    assert (second.annual_premium, second.start_date) == (20000, date(2024, 6, 1))
    assert first.beneficiary is None  # the other policy is untouched


def test_nothing_changed_says_so(app, chat):
    client_with_policy(chat)
    chat.send("/policy 孙明 修改 保费 年限")
    assert "没有改动，「孙明」的保单保持原样" in chat.script("1万", "跳过")
    chat.send("/policy 孙明 修改")
    assert "已取消，「孙明」的保单没有改动" in chat.script("否", "取消")
    assert rows(app, Policy)[0].is_own


def test_a_status_changed_here_pauses_renewals_like_the_status_command(app, chat, clock):
    client_with_policy(chat, start="2025-12-24")  # its renewal is 30 days after START
    app.nudges.tick()
    assert [n.status for n in rows(app, Nudge) if n.kind == "renewal"] == ["open"]
    chat.send("/policy 孙明 修改 状态")
    reply = chat.send("退保")
    assert "保单状态：有效 → 退保" in reply and "不再提醒这份保单的续期" in reply
    assert "按规则只到【普通】" in reply  # the tier's rules, as after /policy 孙明 退保
    assert [n.status for n in rows(app, Nudge) if n.kind == "renewal"] == ["paused"]


def test_a_higher_premium_raises_the_tier(app, chat):
    client_with_policy(chat, premium="2万")
    chat.send("/policy 孙明 修改 保费")
    reply = chat.send("6万")
    assert "已自动升为【精选】" in reply


def test_a_new_start_date_moves_the_renewal_reminders(app, chat, clock):
    client_with_policy(chat, start="2025-12-24")
    app.nudges.tick()
    (renewal,) = [n for n in rows(app, Nudge) if n.kind == "renewal"]
    assert "12月24日" in renewal.text
    chat.send("/policy 孙明 修改 生效日期")
    reply = chat.send("2025-12-31")
    assert "生效日期：2025年12月24日 → 2025年12月31日" in reply
    assert "这份保单还没处理的续期提醒已删除，今后按新日期提醒" in reply
    assert not [n for n in rows(app, Nudge) if n.kind == "renewal"]
    app.nudges.tick()  # the same day again: nothing is due for the 31st today
    assert not [n for n in rows(app, Nudge) if n.kind == "renewal"]
    clock.set(datetime(2026, 12, 1, 1, 0))  # 30 days before the new anniversary
    app.nudges.tick()
    (renewal,) = [n for n in rows(app, Nudge) if n.kind == "renewal"]
    assert "12月31日" in renewal.text
    (policy,) = rows(app, Policy)
    assert (policy.start_month, policy.start_day) == (12, 31)  # the sweep's index columns


def test_a_waiting_renewal_reminder_and_digest_say_the_corrected_premium(app, chat):
    client_with_policy(chat, start="2025-12-24")  # its renewal is 30 days after START
    assert app.nudges.tick().digests == 1
    (renewal,) = [n for n in rows(app, Nudge) if n.kind == "renewal"]
    assert "重疾 30天后（12月24日）续期，年缴1万元（第2/3期）" in renewal.text
    assert "年缴1万元" in queued_digests(app)[0]
    chat.send("/policy 孙明 修改 险种 保费")
    reply = chat.script("年金", "1.5万")
    assert "这份保单还没处理的续期提醒已按新内容更新" in reply
    (renewal,) = [n for n in rows(app, Nudge) if n.kind == "renewal"]
    assert "年金 30天后（12月24日）续期，年缴1.5万元（第2/3期）" in renewal.text
    assert renewal.status == "open" and renewal.occurrence == "2026-12-24/30"
    assert queued_digests(app) == []  # the digest naming the old premium is withdrawn…
    assert app.nudges.tick().digests == 1  # …and built again at the next push tick
    (digest,) = queued_digests(app)
    assert "年缴1.5万元" in digest and "年缴1万元" not in digest


def test_fewer_payment_years_remove_a_renewal_that_no_longer_falls_due(app, chat):
    client_with_policy(chat, start="2025-12-24")
    app.nudges.tick()
    chat.send("/policy 孙明 修改 年限")
    assert "缴费年限：3 → 1" in chat.send("1")  # paid in full in its first year
    assert not [n for n in rows(app, Nudge) if n.kind == "renewal"]
    app.nudges.tick()  # the sweep's rerun of the day does not bring it back
    assert not [n for n in rows(app, Nudge) if n.kind == "renewal"]


def queued_digests(app) -> list[str]:
    return [m.payload[0]["text"] for m in rows(app, OutboxMessage)
            if m.kind == "digest" and m.status == "pending"]


def test_a_family_members_birthday_is_corrected_and_its_reminder_redone(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/family 孙明", "女儿", "孙小雨", "2015-11-24", "跳过", "是", "跳过")
    app.nudges.tick()
    assert [n.kind for n in rows(app, Nudge) if n.subject.startswith("m:")] == ["birthday"]
    reply = chat.send("/family 孙明 修改 生日")
    assert "（已填：2015年11月24日）" in reply
    reply = chat.send("2015-11-25")
    assert "生日：2015年11月24日 → 2015年11月25日" in reply
    (member,) = rows(app, FamilyMember)
    assert (member.birth_year, member.birth_month, member.birth_day) == (2015, 11, 25)
    assert not [n for n in rows(app, Nudge) if n.subject.startswith("m:")]
    clock.set(datetime(2026, 11, 25, 1, 0))
    app.nudges.tick()
    (birthday,) = [n for n in rows(app, Nudge) if n.subject.startswith("m:")]
    assert birthday.due_date == date(2026, 11, 25)


def test_bad_input_is_answered_politely_and_the_form_stays(app, chat):
    chat.script("/record 孙明", "男", "保存")
    assert "「孙明」还没有保单记录" in chat.send("/policy 孙明 修改")
    add_policy(chat, "孙明", "2025-12-1", "1万")
    reply = chat.send("/policy 孙明 修改 颜色")
    assert "没有看懂要改哪一项" in reply and "年缴保费" in reply
    chat.send("/policy 孙明 修改 保费")
    reply = chat.send("很多钱")
    assert "⚠️" in reply and "第1/1项" in reply  # asked again, nothing lost
    assert "年缴保费：1万元 → 3万元" in chat.send("3万")


def test_a_policy_deleted_meanwhile_is_not_written(app, chat):
    client_with_policy(chat)
    chat.send("/policy 孙明 修改 保费")
    (policy,) = rows(app, Policy)
    with app.uow() as uow:  # deleted from elsewhere (another device, another process)
        uow.session.delete(uow.session.get(Policy, policy.id))
        uow.commit()
    assert "这项保单已不存在（可能已删除），本次修改未保存" in chat.send("2万")
    assert not rows(app, Policy)


def test_another_agents_client_cannot_be_corrected(app, chat):
    client_with_policy(chat)
    stranger = ChatDriver.for_new_agent(app, "李强")
    reply = stranger.send("/policy 孙明 修改 保费")
    assert "没有找到" in reply
    assert rows(app, Policy)[0].annual_premium == 10000


def test_a_change_made_elsewhere_while_the_form_was_open_is_not_undone(app, chat):
    client_with_policy(chat)
    chat.send("/policy 孙明 修改 保费")
    chat.send("/policy 孙明 退保")  # from the card's command, mid-form
    reply = chat.send("2万")
    assert "年缴保费：1万元 → 2万元" in reply and "保单状态" not in reply
    (policy,) = rows(app, Policy)
    assert (policy.status, policy.annual_premium) == ("退保", 20000)


def test_the_same_date_or_only_its_year_keeps_the_reminders(app, chat):
    client_with_policy(chat, start="2025-12-24")
    app.nudges.tick()
    chat.send("/policy 孙明 修改 生效日期")
    assert "没有改动" in chat.send("2025-12-24")
    chat.send("/policy 孙明 修改 生效日期")
    reply = chat.send("2024-12-24")  # the same day of the year: renewals fall as before
    assert "生效日期：2025年12月24日 → 2024年12月24日" in reply and "提醒已删除" not in reply
    assert [n.status for n in rows(app, Nudge) if n.kind == "renewal"] == ["open"]


def test_a_field_that_does_not_apply_is_refused_and_cancel_says_nothing_changed(app, chat):
    client_with_policy(chat)  # our own policy: no 保险公司
    reply = chat.send("/policy 孙明 修改 保险公司")
    assert "没有「保险公司」可改" in reply and "/policy 孙明 修改" in reply
    chat.send("/policy 孙明 修改 保费")
    assert "已取消，「孙明」的保单没有改动" in chat.send("/cancel")
    chat.send("/record 孙明 城市")
    assert "正在记录「孙明」的档案" in chat.send("/policy 孙明 修改")  # busy: no question first
    assert "改哪一项" not in chat.last[0].text


def test_a_birthday_without_a_year_keeps_the_year_an_age_gave(app, chat, clock):
    chat.script("/record 王家", "女", "保存")
    chat.send("/note 王家 儿子5岁")
    chat.send("全部保存")
    (member,) = rows(app, FamilyMember)
    assert member.birth_year == 2021
    chat.send("/family 王家 修改 生日")
    assert "生日：（空） → 5月3日" in chat.send("5月3日")
    (member,) = rows(app, FamilyMember)
    assert (member.birth_year, member.birth_month, member.birth_day) == (2021, 5, 3)
    assert "5岁" in chat.send("/card 王家")


def test_a_new_name_keeps_the_members_reminders(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/family 孙明", "女儿", "孙小雨", "2015-11-24", "跳过", "是", "跳过")
    app.nudges.tick()
    chat.send("/family 孙明 修改 姓名")
    reply = chat.send("孙晓雨")
    assert "提醒已删除" not in reply and "提到这位家人的提醒已按新称呼更新" in reply
    (birthday,) = [n for n in rows(app, Nudge) if n.subject.startswith("m:")]
    assert birthday.text == "🎂 孙明的女儿 孙晓雨 今天生日，记得送上祝福"


def test_a_school_age_reminder_goes_when_the_year_or_relation_no_longer_gives_it(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/family 孙明", "女儿", "孙小雨", "2020-11-24", "跳过", "是", "跳过")
    chat.script("/family 孙明", "儿子", "孙小川", "2014-11-24", "跳过", "是", "跳过")
    app.nudges.tick()  # both turn 6 and 12 today: a birthday and a school-age reminder each
    kinds = sorted((n.subject, n.kind) for n in rows(app, Nudge) if n.subject.startswith("m:"))
    assert [kind for _, kind in kinds] == ["birthday", "life_stage"] * 2
    chat.send("/family 孙明 修改 孙小雨 关系")
    reply = chat.send("母亲")  # a slip of the finger: she is his mother
    assert "成长提醒已删除" in reply and "提到这位家人的提醒已按新称呼更新" in reply
    chat.send("/family 孙明 修改 孙小川 生日")
    reply = chat.send("2013-11-24")  # the same day, a year earlier: 13, no school step
    assert "成长提醒已删除" in reply and "按旧生日" not in reply
    app.nudges.tick()  # the sweep's rerun of today makes none again
    left = [(n.kind, n.text) for n in rows(app, Nudge) if n.subject.startswith("m:")]
    assert left == [("birthday", "🎂 孙明的母亲 孙小雨 今天生日，记得送上祝福"),
                    ("birthday", "🎂 孙明的儿子 孙小川 今天生日，记得送上祝福")]
    chat.send("/family 孙明 修改 孙小川 姓名")
    assert "成长提醒" not in chat.send("孙晓川")  # nothing about school ages to redo


def test_the_item_can_be_named_in_the_command(app, chat):
    client_with_policy(chat)  # 重疾
    add_policy(chat, "孙明", "2024-3-1", "2万", product="年金")
    reply = chat.send("/policy 孙明 修改 年金 保费")
    assert "改哪一项" not in reply and "（已填：2万元）" in reply
    assert "年缴保费：2万元 → 3万元" in chat.send("3万")
    reply = chat.send("/policy 孙明 修改 寿险 保费")
    assert "没有看懂要改哪一项" in reply and "如：重疾 保费" in reply
    assert [p.annual_premium for p in rows(app, Policy)] == [10000, 30000]
