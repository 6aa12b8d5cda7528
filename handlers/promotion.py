"""Applying the tier rules after a change, and telling the agent about promotions."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.context import Context
from handlers.tiers import TierRules, automatic_tier, is_signed, own_premium, rank
from handlers.types import Reply
from storage.models import Client, TierChange


def change_tier(ctx: Context, client: Client, tier: str, reason: str, automatic: bool) -> None:
    """Move ``client`` to ``tier`` (kept in its history with the reason); the reminders still
    waiting that name the tier name the new one."""
    previous = client.tier
    ctx.clients.record_tier_change(client, tier, reason, ctx.now, automatic=automatic)
    if previous:
        ctx.uow.nudges(ctx.agent.id).retier(client, previous, tier)


def promote_if_due(ctx: Context, client: Client, depth: int = 0) -> None:
    """Promote ``client`` when the rules give a higher tier, unless the agent lowered the
    tier by hand (then say what the rules would give); then re-check its referrer."""
    tier, reason = automatic_tier(client, _signed_referrals(ctx, client), ctx.config.tiers)
    lowered = _lowered_by_hand(ctx, client) if rank(tier) > rank(client.tier) else None
    if lowered is not None:
        ctx.notices.append(Reply(
            f"ℹ️ 「{client.name}」按规则可为【{tier}】，但你曾手动调为【{client.tier}】"
            f"（{lowered.reason}），分层保持不变。如需调整，发送：/tier {client.name} {tier} 原因"))
    elif rank(tier) > rank(client.tier):
        change_tier(ctx, client, tier, reason, automatic=True)
        ctx.clients.add_timeline(client, "tier", f"自动升为{tier}：{reason}", ctx.now)
        ctx.audit("tier_auto", client, f"{tier}: {reason}")
        ctx.notices.append(Reply(f"🎉 {client.name} 已自动升为【{tier}】：{reason}"))
    if client.referred_by_id and depth < 5:
        referrer = ctx.clients.get(client.referred_by_id)
        if referrer is not None:
            promote_if_due(ctx, referrer, depth + 1)


def _lowered_by_hand(ctx: Context, client: Client) -> TierChange | None:
    """The agent's own last change of the tier, when their changes since the rules last
    moved it lowered it (a decision the rules must not undo: "moved abroad, not a focus for
    now"; raised a little later, "back, let's see", it still stands)."""
    history = ctx.clients.tier_history(client)
    by_hand: list[TierChange] = []
    for change in reversed(history):
        if change.automatic:
            break
        by_hand.append(change)
    lowered = any(change.from_tier is not None and rank(change.to_tier) < rank(change.from_tier)
                  for change in by_hand)
    return by_hand[0] if lowered else None


def _signed_referrals(ctx: Context, client: Client) -> int:
    return sum(1 for referred in ctx.clients.referred_by(client) if is_signed(referred))


def note_if_rules_give_less(ctx: Context, client: Client, depth: int = 0) -> None:
    """After a policy stopped counting (a status change, a deletion): when the tier came from
    the rules and they now give a lower one, tell the agent. Tiers never move down by
    themselves (a lapse may be mended); ``/tier`` moves them. Then the same for the referrer,
    whose 核心 may rest on this client's policies."""
    history = ctx.clients.tier_history(client)
    if history and history[-1].automatic:
        signed = _signed_referrals(ctx, client)
        tier, _ = automatic_tier(client, signed, ctx.config.tiers)
        if rank(tier) < rank(client.tier):
            suggested = _before_the_rules(history, tier, client.tier)
            ctx.notices.append(Reply(
                f"ℹ️ 「{client.name}」{_shortfall(client, signed, ctx.config.tiers)}，"
                f"按规则只到【{tier}】；分层仍是【{client.tier}】。"
                f"如需调整，发送：/tier {client.name} {suggested} 原因"))
    if client.referred_by_id and depth < 5:
        referrer = ctx.clients.get(client.referred_by_id)
        if referrer is not None:
            note_if_rules_give_less(ctx, referrer, depth + 1)


def _shortfall(client: Client, signed_referrals: int, rules: TierRules) -> str:
    """Why the rules no longer give the current tier (it is higher than theirs)."""
    if client.tier == "核心":
        return f"转介绍成交现为 {signed_referrals} 位（少于 {rules.core_referrals}）"
    if not is_signed(client):
        return "已没有自有有效保单"
    return f"自有有效保单年缴合计现为 {own_premium(client):,} 元（低于 {rules.select_premium:,}）"


def _before_the_rules(history: Sequence[TierChange], ruled: str, current: str) -> str:
    """The tier to suggest: the one last set by hand, if it lies between what the rules
    give now and the current tier (a 筛选 client who signed and then surrendered)."""
    for change in reversed(history):
        if not change.automatic:
            if rank(ruled) < rank(change.to_tier) < rank(current):
                return change.to_tier
            break
    return ruled
