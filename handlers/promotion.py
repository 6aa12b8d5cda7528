"""Applying the tier rules after a change, and telling the agent about promotions."""

from __future__ import annotations

from handlers.context import Context
from handlers.tiers import automatic_tier, is_signed, rank
from handlers.types import Reply
from storage.models import Client


def promote_if_due(ctx: Context, client: Client, depth: int = 0) -> None:
    """Promote ``client`` when the rules give a higher tier; then re-check its referrer."""
    signed = sum(1 for referred in ctx.clients.referred_by(client) if is_signed(referred))
    tier, reason = automatic_tier(client, signed, ctx.config.tiers)
    if rank(tier) > rank(client.tier):
        ctx.clients.record_tier_change(client, tier, reason, ctx.now, automatic=True)
        ctx.clients.add_timeline(client, "tier", f"自动升为{tier}：{reason}", ctx.now)
        ctx.audit("tier_auto", client, f"{tier}: {reason}")
        ctx.notices.append(Reply(f"🎉 {client.name} 已自动升为【{tier}】：{reason}"))
    if client.referred_by_id and depth < 5:
        referrer = ctx.clients.get(client.referred_by_id)
        if referrer is not None:
            promote_if_due(ctx, referrer, depth + 1)
