"""/find 查, /card 档案, /book 本: looking clients up (every lookup is audited)."""

from __future__ import annotations

from handlers.card import render_card
from handlers.context import Context
from handlers.lookup import search
from handlers.masking import mask_numbers
from handlers.resolve import client_options, one_client
from handlers.template import TIERS
from handlers.types import Option, Reply
from handlers.when import zone_of


def find(ctx: Context, args: str) -> list[Reply]:
    query = args.strip()
    if not query:
        return [Reply("请写上要找的内容：姓名、拼音或首字母（zs）、手机尾号4位、标签或城市。")]
    matches = search(ctx.clients, query)
    ctx.audit("find", detail=mask_numbers(query))
    if not matches:
        return [Reply(f"没有找到和「{query}」相关的客户。")]
    clients = ctx.clients.get_many([match.client_id for match in matches])
    found = [clients[m.client_id] for m in matches if m.client_id in clients]
    options = client_options(found, ctx.now, lambda client: f"/card #{client.id}")
    return [Reply(f"找到 {len(options)} 位客户，选一位查看档案：", tuple(options))]


def card(ctx: Context, args: str) -> list[Reply]:
    name = args.strip()
    if not name:
        return [Reply("请写上客户姓名，如：/card 张三")]
    found = one_client(ctx, name, lambda ref: f"/card {ref}")
    if isinstance(found, Reply):
        return [found]
    client = found
    ctx.audit("card", client)
    recent = list(ctx.clients.timeline(client, limit=3))
    zone = zone_of(ctx.agent.timezone)
    return [Reply(render_card(client, ctx.config.templates, ctx.now, recent, zone))]


def book(ctx: Context, args: str) -> list[Reply]:
    tier = args.strip().removesuffix("本")
    if tier not in TIERS:
        options = tuple(Option(f"{name}本", f"/book {name}") for name in TIERS)
        return [Reply("请选择要查看的分层：", options)]
    clients = ctx.clients.by_tier(tier)
    ctx.audit("book", detail=tier)
    if not clients:
        return [Reply(f"【{tier}本】暂时没有客户。")]
    lines = [f"【{tier}本】共 {len(clients)} 位："]
    for client in clients[:50]:
        last = f"，最近联系 {client.last_contact_at:%m-%d}" if client.last_contact_at else ""
        lines.append(f"· {client.name}{f'（{client.city}）' if client.city else ''}{last}")
    if len(clients) > 50:
        lines.append(f"……另有 {len(clients) - 50} 位，请用 /find 查找。")
    return [Reply("\n".join(lines))]
