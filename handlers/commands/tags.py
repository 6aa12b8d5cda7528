"""/tag 标签 NAME [标签…] [-标签…]: show, add or remove a client's tags (need tags, interests)."""

from __future__ import annotations

from handlers.context import Context
from handlers.fields.text import MAX_TAG, TAG_SEPARATORS, normalise
from handlers.resolve import name_and_rest, one_client
from handlers.types import Reply
from storage.masking import mask_numbers

REMOVE_WORDS = frozenset({"删除", "删掉", "去掉", "移除", "取消", "不要"})
USAGE = ("用法：/tag 客户姓名 标签 — 加标签；/tag 客户姓名 -标签（或：删除 标签）— 去掉标签；"
         "/tag 客户姓名 — 查看标签。如：/tag 张三 -养老规划")


def tag(ctx: Context, args: str) -> list[Reply]:
    name, rest = name_and_rest(ctx, args)
    if not name:
        return [Reply(USAGE)]
    found = one_client(ctx, name, lambda ref: f"/tag {ref} {rest}".rstrip())
    if isinstance(found, Reply):
        return [found]
    client = found
    add, remove = _split(mask_numbers(rest))  # a tag is free text too: never a whole number
    if any(len(word) > MAX_TAG for word in add + remove):
        return [Reply(f"标签太长了（最多 {MAX_TAG} 个字）。")]
    current = list(client.tags or [])
    missing = [word for word in remove if word not in current]
    added = [word for word in dict.fromkeys(add) if word not in current]
    removed = [word for word in dict.fromkeys(remove) if word in current]
    if added or removed:
        client.tags = [t for t in current if t not in removed] + added
        client.updated_at = ctx.now
        change = "；".join(part for part in (
            f"加上 {'、'.join(added)}" if added else "",
            f"去掉 {'、'.join(removed)}" if removed else "") if part)
        ctx.clients.add_timeline(client, "tags", f"标签：{change}", ctx.now)
        ctx.audit("tags", client, change)
    lines = [f"「{client.name}」没有「{'、'.join(missing)}」这个标签。"] if missing else []
    if added or removed:
        lines.insert(0, f"✅ 已为「{client.name}」{change}。")
    shown = "、".join(client.tags) if client.tags else "（暂无）"
    lines.append(f"「{client.name}」的标签：{shown}")
    if not rest:
        lines.append("加标签：/tag 姓名 标签；去掉：/tag 姓名 -标签")
    return [Reply("\n".join(lines))]


def _split(rest: str) -> tuple[list[str], list[str]]:
    """(tags to add, tags to remove): '-养老规划', '删除 养老规划', '教育规划 -养老规划'."""
    words = [w.strip("#＃ ") for w in TAG_SEPARATORS.split(normalise(rest)) if w.strip("#＃ ")]
    if words and words[0] in REMOVE_WORDS:
        return [], [w.lstrip("-") for w in words[1:] if w.lstrip("-")]
    add = [w.lstrip("+") for w in words if not w.startswith("-") and w.lstrip("+")]
    remove = [w.lstrip("-") for w in words if w.startswith("-") and w.lstrip("-")]
    return add, remove

