"""Tiers never move down by themselves; when a policy stops counting (surrendered, lapsed,
deleted) and the rules that gave the tier now give less, the agent is told, with the command."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Client


def add_policy(chat, name: str, premium: str, product: str = "重疾") -> str:
    return chat.script(f"/policy {name}", "是", product, "2025-12-1", premium, "3", "跳过",
                       "跳过", "有效")


def tier_of(app, name: str) -> str:
    with app.uow() as uow:
        return uow.session.scalar(select(Client.tier).where(Client.name == name))


def test_a_surrendered_only_policy_suggests_going_back_to_ordinary(app, chat):
    chat.script("/record 孙明", "男", "保存")
    assert "已自动升为【成交】" in add_policy(chat, "孙明", "1万")
    reply = chat.send("/policy 孙明 退保")
    assert "「孙明」已没有自有有效保单，按规则只到【普通】；分层仍是【成交】" in reply
    assert "/tier 孙明 普通 原因" in reply
    assert tier_of(app, "孙明") == "成交"  # unchanged until the agent says so
    assert "按规则" not in chat.send("/policy 孙明 有效")  # back in force: nothing to say


def test_the_tier_set_by_hand_before_the_rules_is_suggested(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/tier 孙明 筛选 家庭年收入高")
    add_policy(chat, "孙明", "1万")
    assert "/tier 孙明 筛选 原因" in chat.send("/policy 孙明 失效")


def test_a_tier_set_by_hand_is_left_without_a_word(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "1万")
    chat.send("/tier 孙明 精选 企业主，资产多")
    assert "按规则" not in chat.send("/policy 孙明 退保")


def test_deleting_a_policy_under_the_select_threshold_says_so(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "2万")
    assert "已自动升为【精选】" in add_policy(chat, "孙明", "4万", product="年金")
    chat.script("/delete 孙明", "2")  # the second policy, 年金
    reply = chat.send("确认删除")
    assert "🗑 已删除「孙明」的保单" in reply
    assert "年缴合计现为 20,000 元（低于 50,000），按规则只到【成交】" in reply
    assert "/tier 孙明 成交 原因" in reply and tier_of(app, "孙明") == "精选"


def test_deleting_a_referred_client_tells_about_the_referrers_core_tier(app, chat):
    chat.script("/record 孙明", "男", "保存")
    for friend in ("李一", "李二", "李三"):
        chat.send(f"/referral 孙明 {friend}")
        reply = add_policy(chat, friend, "1万")
    assert "孙明 已自动升为【核心】" in reply
    chat.script("/delete 李三", "整个客户档案")
    reply = chat.send("确认删除")
    assert "「孙明」转介绍成交现为 2 位（少于 3），按规则只到【普通】" in reply
    assert tier_of(app, "孙明") == "核心"


def test_a_tier_lowered_by_hand_is_not_raised_again_by_the_rules(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "6万")
    assert tier_of(app, "孙明") == "精选"
    chat.send("/tier 孙明 成交 人已移居国外，暂不重点经营")
    reply = add_policy(chat, "孙明", "500", product="意外")
    assert "自动升为" not in reply
    assert "按规则可为【精选】，但你曾手动调为【成交】（人已移居国外，暂不重点经营）" in reply
    assert "/tier 孙明 精选 原因" in reply
    assert tier_of(app, "孙明") == "成交"
    chat.send("/tier 孙明 筛选 再观察")  # still lowered by hand: stays
    add_policy(chat, "孙明", "1000", product="医疗")
    assert tier_of(app, "孙明") == "筛选"


def test_a_tier_lowered_then_raised_a_little_by_hand_is_not_raised_by_the_rules(app, chat):
    chat.script("/record 孙明", "男", "保存")
    add_policy(chat, "孙明", "6万")
    chat.send("/tier 孙明 普通 人已移居国外")
    chat.send("/tier 孙明 筛选 回国了，先观察")  # still below what the rules give
    reply = add_policy(chat, "孙明", "500", product="意外")
    assert "自动升为" not in reply
    assert "按规则可为【精选】，但你曾手动调为【筛选】（回国了，先观察）" in reply
    assert tier_of(app, "孙明") == "筛选"


def test_a_tier_raised_by_hand_still_moves_up_with_the_rules(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/tier 孙明 筛选 家庭年收入高")
    assert "已自动升为【成交】" in add_policy(chat, "孙明", "1万")
