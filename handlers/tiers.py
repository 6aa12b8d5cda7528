"""Tier rules: 普通 → 筛选 → 成交 → 精选 → 核心. Automatic changes only ever promote (see
promotion.note_if_rules_give_less for the other way)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from handlers.template import TIERS
from storage.models import Client


class TierRules(BaseModel):
    select_premium: int = Field(50000, ge=1)  # 0 would make every client 精选
    core_referrals: int = Field(3, ge=1)


def rank(tier: str) -> int:
    return TIERS.index(tier)


def is_signed(client: Client) -> bool:
    """Has at least one own, in-force policy."""
    return any(policy.is_own and policy.status == "有效" for policy in client.policies)


def own_premium(client: Client) -> int:
    return sum(
        policy.annual_premium or 0
        for policy in client.policies
        if policy.is_own and policy.status == "有效"
    )


def automatic_tier(client: Client, signed_referrals: int, rules: TierRules) -> tuple[str, str]:
    """The tier the rules give, with the reason; the caller promotes only when it is higher."""
    if signed_referrals >= rules.core_referrals:
        return "核心", f"转介绍成交 {signed_referrals} 位（≥ {rules.core_referrals}）"
    premium = own_premium(client)
    if premium >= rules.select_premium:
        return "精选", f"自有有效保单年缴合计 {premium:,} 元（≥ {rules.select_premium:,}）"
    if is_signed(client):
        return "成交", "首张自有有效保单"
    return "普通", "默认"
