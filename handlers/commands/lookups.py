"""/find 查, /card 档案, /book 本: looking clients up (every lookup is audited)."""

from __future__ import annotations

from handlers.card import CARD_ENTRY_CHARS, render_card
from handlers.context import Context
from handlers.lookup import search
from handlers.resolve import client_options, one_client
from handlers.template import TIERS
from handlers.types import Option, Reply
from handlers.when import local_now

CARD_ENTRIES = 5  # the card's latest timeline entries; /notes shows them all
NOTES_PAGE = 20


NAME_REASONS = {"姓名", "拼音", "首字母", "近似", "手机尾号", "城市", "标签"}  # evident
WHY_LINES = 5


FIND_SHOWN = 10  # clients listed by /find, best first


def find(ctx: Context, args: str) -> list[Reply]:
    query = args.strip()
    if not query:
        return [Reply("请写上要找的内容：姓名、拼音或首字母（zs）、手机尾号4位、标签或城市。")]
    matches = search(ctx.clients, query, limit=FIND_SHOWN + 1)
    more = len(matches) > FIND_SHOWN
    matches = matches[:FIND_SHOWN]
    # what was searched may be a client's name, kept after the client is deleted: the count only
    ctx.audit("find", detail=f"{len(matches)}{'+' if more else ''} 位")
    if not matches:
        return [Reply(f"没有找到和「{query}」相关的客户。")]
    clients = ctx.clients.get_many([match.client_id for match in matches])
    found = [clients[m.client_id] for m in matches if m.client_id in clients]
    options = client_options(found, ctx.now, lambda client: f"/card #{client.id}", ctx.zone)
    # Say why a client came up when it was not by the name itself (a wife's name, a city).
    whys = [f"{m.name}：{m.why}" for m in matches if m.client_id in clients
            and m.why not in NAME_REASONS]
    why = f"\n（{'；'.join(whys)}）" if whys and len(whys) <= WHY_LINES else ""
    found_text = (f"找到的客户超过 {FIND_SHOWN} 位，这是最相关的 {len(options)} 位"
                  "（写得更具体些可以缩小范围）" if more else f"找到 {len(options)} 位客户")
    return [Reply(f"{found_text}，选一位查看档案：{why}", tuple(options))]


def card(ctx: Context, args: str) -> list[Reply]:
    name = args.strip()
    if not name:
        return [Reply("请写上客户姓名，如：/card 张三")]
    found = one_client(ctx, name, lambda ref: f"/card {ref}")
    if isinstance(found, Reply):
        return [found]
    client = found
    ctx.audit("card", client)
    recent = list(ctx.clients.timeline(client, limit=CARD_ENTRIES + 1))
    zone = ctx.zone
    text = render_card(client, ctx.config.templates, ctx.now, recent[:CARD_ENTRIES], zone,
                       *ctx.clients.referral_links(client))
    if len(recent) > CARD_ENTRIES or any(len(e.text) > CARD_ENTRY_CHARS for e in recent):
        text += f"\n全部记录：/notes #{client.id}"
    return [Reply(text)]


def notes(ctx: Context, args: str) -> list[Reply]:
    """/notes 时间线 姓名 [页]: the client's timeline in full, newest first, a page at a time."""
    words, page = args.split(), 1
    if len(words) > 1 and words[-1].isdecimal() and len(words[-1]) <= 4:
        page, words = max(int(words[-1]), 1), words[:-1]
    name = " ".join(words)
    if not name:
        return [Reply("请写上客户姓名，如：/notes 张三（更早的一页：/notes 张三 2）")]
    found = one_client(ctx, name, lambda ref: f"/notes {ref}")
    if isinstance(found, Reply):
        return [found]
    ctx.audit("timeline", found, str(page))
    skip = (page - 1) * NOTES_PAGE
    entries = list(ctx.clients.timeline(found, limit=skip + NOTES_PAGE + 1))[skip:]
    if not entries:
        return [Reply(f"「{found.name}」{'没有更早的记录了' if skip else '还没有任何记录'}。")]
    zone = ctx.zone
    lines = [f"📝 {found.name} 的记录（第 {page} 页，新的在前）："]
    lines += [f"· {local_now(e.at, zone):%Y-%m-%d} {e.text}" for e in entries[:NOTES_PAGE]]
    if len(entries) > NOTES_PAGE:
        lines.append(f"更早的记录：/notes #{found.id} {page + 1}")
    return [Reply("\n".join(lines))]


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
        last = (f"，最近联系 {local_now(client.last_contact_at, ctx.zone):%m-%d}"
                if client.last_contact_at else "")
        lines.append(f"· {client.name}{f'（{client.city}）' if client.city else ''}{last}")
    if len(clients) > 50:
        lines.append(f"……另有 {len(clients) - 50} 位，请用 /find 查找。")
    return [Reply("\n".join(lines))]
