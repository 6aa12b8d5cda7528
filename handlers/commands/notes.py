"""/note 笔记 NAME TEXT: keep the note on the timeline and propose the facts it contains."""

from __future__ import annotations

import re

from handlers import fields
from handlers.apply import apply_to_client
from handlers.commands import item_edit
from handlers.context import Context
from handlers.fields.dates import unborn_reason
from handlers.lookup import sound_alikes
from handlers.note_changes import with_replacements
from handlers.note_subject import not_the_clients
from handlers.notes import Fact, extract_facts
from handlers.resolve import (
    ask_pick,
    ask_which,
    being_recorded,
    client_options,
    find_clients,
    name_and_rest,
)
from handlers.types import Option, Reply
from storage.masking import mask_numbers

SAVE_ALL = "全部保存"
SAVE_NONE = "都不要"
# What agents type instead of tapping; a bare 保存 means all of them.
SAVE_ALL_WORDS = frozenset({SAVE_ALL, "保存", "全部", "保存全部", "都保存", "都要", "全要",
                            "是", "好", "好的", "要", "确认", "可以", "存"})
SAVE_NONE_WORDS = frozenset({SAVE_NONE, "不要", "都不", "不用", "不", "否", "不保存", "算了"})
FACT_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_MARKS_AS_NUMBERS = {ord(mark): f" {index} " for index, mark in enumerate(FACT_MARKS, start=1)}
SAVE_SOME = re.compile(r"^只?(?:保存|存)\s*([\d\s,，、和]+)$")
# a mainland mobile, its digits perhaps grouped 3-4-4 by a space, dash, dot or slash
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s\-./·]?\d{4}){2}(?!\d)")


def quick_note(ctx: Context, args: str) -> list[Reply]:
    name, text = name_and_rest(ctx, args)
    text = text.strip()
    if not name or not text:
        return [Reply("用法：/note 客户姓名 笔记内容，"
                      "如：/note 张三 儿子明年去留学，最近在跑马拉松")]
    candidates = find_clients(ctx, name)
    if not candidates:  # the note must not be lost for a name typed amiss
        return [_no_such_client(ctx, name, text)]
    if len(candidates) > 1:
        return [ask_which(ctx, name, candidates, lambda ref: f"/note {ref} {text}")]
    client = candidates[0]
    ctx.clients.add_timeline(client, "note", mask_numbers(text), ctx.now)  # never in full
    ctx.touch(client)
    ctx.audit("note", client)
    facts, unborn = _born_or_not(ctx, client.name,
                                 extract_facts(text, ctx.config.note_keywords.to_keywords(),
                                               ctx.today))
    phone = mobile_in(text)
    if phone is not None:
        facts.insert(0, Fact("client.phone", phone, f"手机：{phone['masked']}"))
    facts = with_replacements(ctx.clients, client, facts, ctx.today.year)
    saved = [Reply(f"📝 已记下「{client.name}」的笔记。"), *unborn]
    if not facts:
        return saved
    ctx.pending = {
        "kind": "facts",
        "client_id": client.id,
        "facts": [{"target": f.target, "value": f.value, "label": f.label} for f in facts],
    }
    return [*saved, _facts_question(ctx.pending, "我从笔记里识别到这些信息，要存进档案吗？")]


def _born_or_not(ctx: Context, name: str, facts: list[Fact]) -> tuple[list[Fact], list[Reply]]:
    """The facts without the birthdays still to come, and a word about each of those: told as
    the guided record tells it, not silently dropped."""
    kept: list[Fact] = []
    told: list[Reply] = []
    for fact in facts:
        reason = (unborn_reason(fact.value, ctx.today, fact.typed)
                  if fact.target == "client.birthday" else None)
        if reason is None:
            kept.append(fact)
        else:
            told.append(Reply(f"⚠️ 笔记已保存，但其中的日期没有记为生日：{reason}"
                              f"核对后可以用 /record {name} 生日 填写。"))
    return kept, told


def _no_such_client(ctx: Context, name: str, text: str) -> Reply:
    """No client ``name``: the ones whose name sounds the same to pick from, or how to send the
    note again once the client exists (the note itself is repeated, ready to copy)."""
    resend = f"/note {name} {text}"
    alike = ctx.clients.get_many(sound_alikes(ctx.clients.name_keys(), name))
    if alike:
        options = client_options(list(alike.values()), ctx.now,
                                 lambda client: f"#{client.id}", ctx.zone)
        return ask_pick(ctx, f"没有找到客户「{name}」，笔记还没有记下。是读音相同的这位吗？",
                        options, lambda ref: f"/note {ref} {text}")
    if being_recorded(ctx, name):
        return Reply(f"「{name}」的档案正在记录，还没有保存，笔记没有记下。"
                     f"请先回复 保存，再发送：\n{resend}")
    return Reply(f"没有找到客户「{name}」，笔记没有记下。可以用 /find 查找，"
                 f"或用 /record {name} 新建档案后再发送：\n{resend}")


def facts_reminder(pending: dict, understood: bool = False) -> Reply:
    """The facts question again: for an answer that was not one, or (``understood``) after a
    message that answered nothing (a photo, an old button)."""
    opening = "这些信息要存进档案吗？" if understood else "没看懂这个回答。这些信息要存进档案吗？"
    return _facts_question(pending, opening)


def _facts_question(pending: dict, opening: str) -> Reply:
    # Facts are marked ①②③, not 1 2 3: on WeChat a bare number picks one of the options.
    listed = "\n".join(f"{_mark(index)} {fact['label']}"
                       for index, fact in enumerate(pending["facts"], start=1))
    return Reply(f"{opening}\n{listed}\n也可以只保存其中几条，如回复：保存 1 3",
                 (Option(SAVE_ALL, SAVE_ALL), Option(SAVE_NONE, SAVE_NONE)))


def _mark(index: int) -> str:
    return FACT_MARKS[index - 1] if index <= len(FACT_MARKS) else f"({index})"


def confirm_facts(ctx: Context, text: str) -> list[Reply] | None:
    """Answer to the pending facts question; None when the text is not such an answer."""
    pending = ctx.pending or {}
    facts = pending["facts"]
    word = text.translate(_MARKS_AS_NUMBERS).strip()  # 保存①③ as 保存 1 3
    if word in SAVE_NONE_WORDS:
        ctx.pending = None
        return [Reply("好的，这些信息不存入档案（笔记本身已保存）。")]
    if word in SAVE_ALL_WORDS:
        chosen = facts
    else:
        match = SAVE_SOME.match(word)
        if not match:
            return None
        numbers = {int(n) for n in re.findall(r"\d+", match.group(1))}
        if not numbers or not all(1 <= n <= len(facts) for n in numbers):
            return [_facts_question(pending, f"请回复 1 到 {len(facts)} 之间的序号，如：保存 1 3。"
                                             "这些信息要存进档案吗？")]
        chosen = [fact for index, fact in enumerate(facts, start=1) if index in numbers]
    ctx.pending = None
    client = ctx.clients.get(pending["client_id"])
    if client is None:
        return [Reply("这位客户已不存在。")]
    before = item_edit.client_dates(client)
    changes = apply_to_client(ctx.clients, client, [(f["target"], f["value"]) for f in chosen],
                              ctx.now, ctx.today.year)
    redone = item_edit.redo_date_reminders(ctx, client, before)
    ctx.audit("note_facts", client, "; ".join(f["label"] for f in chosen))
    labels = "、".join(f["label"] for f in chosen)
    changed = "".join(f"\n已更新 {change}" for change in changes)
    redone = f"\n{redone}" if redone else ""
    return [Reply(f"✅ 已存入「{client.name}」的档案：{labels}{changed}{redone}")]


def mobile_in(text: str) -> dict[str, str] | None:
    """The first mainland mobile number in the text, parsed as a phone field value; None when
    the note says it is someone else's ("他老婆的手机是…")."""
    match = _MOBILE.search(text)
    if match is None or not_the_clients(text[: match.start()]):
        return None
    try:
        value = fields.parse("phone", re.sub(r"\D", "", match.group(0)))
    except fields.ParseError:
        return None
    return value if isinstance(value, dict) else None
