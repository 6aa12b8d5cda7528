"""/tier 分层 NAME TIER REASON and /referral 转介绍 REFERRER NEW."""

from __future__ import annotations

from handlers.apply import new_client
from handlers.context import Context
from handlers.promotion import change_tier, promote_if_due
from handlers.resolve import (
    MAX_NAME,
    ask_which,
    being_recorded,
    find_clients,
    name_and_rest,
    name_problem,
    not_found,
    one_client,
)
from handlers.template import TIERS
from handlers.types import Reply
from storage.masking import mask_numbers
from storage.models import Client


def set_tier(ctx: Context, args: str) -> list[Reply]:
    name, rest = name_and_rest(ctx, args)
    parts = rest.split(maxsplit=1)
    if len(parts) < 2:
        return [Reply(f"用法：/tier 客户姓名 分层 原因，分层可选：{' / '.join(TIERS)}。"
                      "如：/tier 张三 筛选 家庭年收入高，关注教育金")]
    # the reason is kept in the client, its tier history, timeline and audit: never a number
    tier, reason = parts[0].removesuffix("本"), mask_numbers(parts[1].strip())
    if tier not in TIERS:
        return [Reply(f"没有「{tier}」这个分层，可选：{' / '.join(TIERS)}。")]
    found = one_client(ctx, name, lambda ref: f"/tier {ref} {tier} {reason}")
    if isinstance(found, Reply):
        return [found]
    client = found
    if client.tier == tier:
        return [Reply(f"「{client.name}」已在【{tier}】。")]
    previous = client.tier
    change_tier(ctx, client, tier, reason, automatic=False)
    ctx.clients.add_timeline(client, "tier", f"手动调整为{tier}：{reason}", ctx.now)
    ctx.audit("tier_manual", client, f"{previous} -> {tier}: {reason}")
    return [Reply(f"✅ 「{client.name}」已从【{previous}】调整为【{tier}】，原因：{reason}")]


def referral(ctx: Context, args: str) -> list[Reply]:
    referrer_name, new_name = name_and_rest(ctx, args)  # names with spaces: Zhang Wei
    if not referrer_name or not new_name:
        return [Reply("用法：/referral 介绍人 新客户，如：/referral 孙先生 李四")]
    if len(new_name) > MAX_NAME:
        return [Reply(f"姓名太长了（最多 {MAX_NAME} 个字）。")]
    if (problem := name_problem(new_name)) is not None:
        return [Reply(problem)]
    found = one_client(ctx, referrer_name, lambda ref: f"/referral {ref} {new_name}")
    if isinstance(found, Reply):
        return [found]
    referrer = found
    referred = find_clients(ctx, new_name)
    if not referred and " " in new_name and not new_name.replace(" ", "").isascii():
        return [Reply("用法：/referral 介绍人 新客户，如：/referral 孙先生 李四（一次登记一位）")]
    if len(referred) > 1:
        return [ask_which(ctx, new_name, referred,
                          lambda ref: f"/referral #{referrer.id} {ref}")]
    if not referred and new_name.startswith("#"):
        return [not_found(new_name)]
    if not referred and being_recorded(ctx, new_name):
        return [Reply(f"「{new_name}」的档案正在记录，还没有保存。请先回复 保存，再发送：\n"
                      f"/referral {referrer.name} {new_name}")]
    client = referred[0] if referred else new_client(ctx.clients, new_name, ctx.now, ctx.today)
    if client.id == referrer.id:
        return [Reply("客户不能介绍自己。")]
    if client.referred_by_id == referrer.id:
        return [Reply(f"「{client.name}」已登记为由「{referrer.name}」介绍，不用再登记。")]
    if client.referred_by_id is not None:
        earlier = ctx.clients.get(client.referred_by_id)
        return [Reply(f"「{client.name}」已登记为由「{earlier.name if earlier else '他人'}」"
                      "介绍，未做更改。")]
    if _refers_back(ctx, referrer, client.id):
        return [Reply(f"「{client.name}」已经是「{referrer.name}」的介绍人（直接或间接），"
                      "不能互相介绍。")]
    client.referred_by_id = referrer.id
    ctx.clients.add_timeline(referrer, "referral", f"转介绍：{client.name}", ctx.now)
    ctx.clients.add_timeline(client, "referral", f"由{referrer.name}介绍", ctx.now)
    ctx.audit("referral", client, f"referred by {referrer.id}")
    promote_if_due(ctx, client)
    created = "（已新建档案）" if not referred else ""
    return [Reply(f"✅ 已登记：「{referrer.name}」介绍了「{client.name}」{created}。"
                  f"可发送 /record {client.name} 补充档案。")]


def _refers_back(ctx: Context, referrer: Client, client_id: int) -> bool:
    """Whether ``client_id`` already stands above ``referrer`` in the referral chain."""
    seen: set[int] = set()
    current = referrer
    while current.referred_by_id and current.referred_by_id not in seen:
        if current.referred_by_id == client_id:
            return True
        seen.add(current.referred_by_id)
        parent = ctx.clients.get(current.referred_by_id)
        if parent is None:
            return False
        current = parent
    return False
