"""/note 笔记 NAME TEXT: keep the note on the timeline and propose the facts it contains."""

from __future__ import annotations

import re

from handlers import fields
from handlers.apply import apply_to_client
from handlers.context import Context
from handlers.fields.dates import born_after
from handlers.masking import mask_numbers
from handlers.notes import Fact, extract_facts
from handlers.resolve import one_client
from handlers.types import Option, Reply

SAVE_ALL = "全部保存"
SAVE_NONE = "都不要"
SAVE_SOME = re.compile(r"^保存\s*([\d\s,，、]+)$")
# a mainland mobile, its digits perhaps grouped 3-4-4 by a space, dash, dot or slash
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s\-./·]?\d{4}){2}(?!\d)")


def quick_note(ctx: Context, args: str) -> list[Reply]:
    name, _, text = args.strip().partition(" ")
    text = text.strip()
    if not name or not text:
        return [Reply("用法：/note 客户姓名 笔记内容，"
                      "如：/note 张三 儿子明年去留学，最近在跑马拉松")]
    found = one_client(ctx, name, lambda ref: f"/note {ref} {text}")
    if isinstance(found, Reply):
        return [found]
    client = found
    ctx.clients.add_timeline(client, "note", mask_numbers(text), ctx.now)  # never in full
    ctx.touch(client)
    ctx.audit("note", client)
    facts = [fact for fact in extract_facts(text, ctx.config.note_keywords.to_keywords())
             if not (fact.target == "client.birthday" and born_after(fact.value, ctx.today))]
    phone = mobile_in(text)
    if phone is not None:
        facts.insert(0, Fact("client.phone", phone, f"手机：{phone['masked']}"))
    saved = Reply(f"📝 已记下「{client.name}」的笔记。")
    if not facts:
        return [saved]
    ctx.pending = {
        "kind": "facts",
        "client_id": client.id,
        "facts": [{"target": f.target, "value": f.value, "label": f.label} for f in facts],
    }
    listed = "\n".join(f"[{index}] {fact.label}" for index, fact in enumerate(facts, start=1))
    question = Reply(
        f"我从笔记里识别到这些信息，要存进档案吗？\n{listed}\n"
        "也可以只保存其中几条，如回复：保存 1 3",
        (Option(SAVE_ALL, SAVE_ALL), Option(SAVE_NONE, SAVE_NONE)),
    )
    return [saved, question]


def confirm_facts(ctx: Context, text: str) -> list[Reply] | None:
    """Answer to the pending facts question; None when the text is not such an answer."""
    pending = ctx.pending or {}
    facts = pending["facts"]
    word = text.strip()
    if word == SAVE_NONE:
        ctx.pending = None
        return [Reply("好的，这些信息不存入档案（笔记本身已保存）。")]
    if word == SAVE_ALL:
        chosen = facts
    else:
        match = SAVE_SOME.match(word)
        if not match:
            return None
        numbers = {int(n) for n in re.findall(r"\d+", match.group(1))}
        if not numbers or not all(1 <= n <= len(facts) for n in numbers):
            return [Reply(f"请回复 1 到 {len(facts)} 之间的序号，如：保存 1 3")]
        chosen = [fact for index, fact in enumerate(facts, start=1) if index in numbers]
    ctx.pending = None
    client = ctx.clients.get(pending["client_id"])
    if client is None:
        return [Reply("这位客户已不存在。")]
    apply_to_client(ctx.clients, client, [(f["target"], f["value"]) for f in chosen], ctx.now)
    ctx.audit("note_facts", client, "; ".join(f["label"] for f in chosen))
    labels = "、".join(f["label"] for f in chosen)
    return [Reply(f"✅ 已存入「{client.name}」的档案：{labels}")]


def mobile_in(text: str) -> dict[str, str] | None:
    """The first mainland mobile number in the text, parsed as a phone field value."""
    match = _MOBILE.search(text)
    if match is None:
        return None
    try:
        value = fields.parse("phone", re.sub(r"\D", "", match.group(0)))
    except fields.ParseError:
        return None
    return value if isinstance(value, dict) else None
