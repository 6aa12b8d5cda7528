"""Turning a name (or #id from a button) into one client; asks which when names repeat."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.card import age_of
from handlers.context import Context
from handlers.fields.text import first_word, normalise
from handlers.flow import FormDraft
from handlers.types import Option, Reply
from handlers.when import local_now
from storage.clients import ClientRepository
from storage.masking import mask_numbers
from storage.models import Client

NEW_CLIENT = "#new"
MAX_ID = 2**31 - 1  # larger numbers cannot be ids (and overflow the databases' integers)
MAX_NAME = 30
MAX_NAME_WORDS = 4  # "Maria de la Cruz"
_LIST_MARKS = re.compile(r"[、，,；;]")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a new client's name, or None: a phone or ID number in it (a
    name is never masked), or several names in one (张三、王五)."""
    if mask_numbers(name) != name:
        return ("姓名里不能带电话或证件号码：请只写姓名，号码可以在档案里填写"
                "（如 /record 张三 手机）。")
    if _LIST_MARKS.search(name):
        return "一次只能登记一位客户：姓名里不能有「、」「，」「；」这样的分隔号。"
    return None


def find_clients(ctx: Context, ref: str) -> list[Client]:
    """Clients named ``ref``, or the one client ``#id`` (only the agent's own)."""
    return find_clients_by_ref(ctx.clients, ref)


def name_and_rest(ctx: Context, args: str) -> tuple[str, str]:
    """The client's name at the start of ``args``, and the rest as typed: "Zhang Wei 15:00" is
    Zhang Wei when the archive has a client of that name, else the first word is the name."""
    words = list(re.finditer(r"\S+", args))
    longest_first = {" ".join(word.group() for word in words[:count]): count
                     for count in range(min(MAX_NAME_WORDS, len(words)), 1, -1)}
    known = ctx.clients.names_among(list(longest_first)) if longest_first else set()
    for name, count in longest_first.items():
        if name in known or being_recorded(ctx, name):
            return name, args[words[count - 1].end():].strip()
    return first_word(args)


def same_name(typed: str, name: str) -> bool:
    """Whether ``typed`` names ``name``, Latin letters in any case (Li Na, li na)."""
    return typed.casefold() == name.casefold()


def being_recorded(ctx: Context, name: str) -> bool:
    """Whether ``name`` is the new client whose record the agent is typing, not saved yet."""
    if ctx.form is None:
        return False
    draft = FormDraft.from_json(ctx.form)
    return draft.client_id is None and same_name(name, draft.client_name)


def _id_in(ref: str) -> int | None:
    """The id of a "#id" reference (as buttons send it; ＃１ typed), else None."""
    ref = normalise(ref)
    digits = ref[1:]
    return int(digits) if ref[:1] == "#" and digits.isdecimal() and digits.isascii() else None


def is_id_ref(ref: str) -> bool:
    """Whether ``ref`` is "#id" rather than a name."""
    return _id_in(ref) is not None


def find_clients_by_ref(repo: ClientRepository, ref: str) -> list[Client]:
    client_id = _id_in(ref)
    if client_id is not None:
        client = repo.get(client_id) if client_id <= MAX_ID else None
        return [client] if client else []
    return repo.by_name(ref)


def describe(client: Client, now: datetime, zone: ZoneInfo) -> str:
    """What tells same-name clients apart (the day of the record in the agent's ``zone``)."""
    age = age_of(client, now, zone)
    parts = [
        client.gender,
        client.city,
        f"{age}岁" if age is not None else None,
        client.occupation,
        f"尾号{client.phone_masked[-4:]}" if client.phone_masked else None,
        client.tier,
        f"建档{local_now(client.created_at, zone):%Y-%m-%d}",
    ]
    return f"{client.name}（{'，'.join(p for p in parts if p)}）"


def client_options(clients: list[Client], now: datetime,
                   value_of: Callable[[Client], str], zone: ZoneInfo) -> list[Option]:
    """One option per client, labelled by ``describe``; clients that nothing else tells apart
    (same name, same day, nothing more filled) by their ids too."""
    labels = [describe(client, now, zone) for client in clients]
    labels = [label if labels.count(label) == 1 else f"{label[:-1]}，#{client.id}）"
              for label, client in zip(labels, clients, strict=True)]
    return [Option(label, value_of(client)) for label, client in zip(labels, clients,
                                                                     strict=True)]


def ask_which(ctx: Context, name: str, candidates: list[Client],
              rebuild: Callable[[str], str], allow_new: bool = False) -> Reply:
    """Store a pending choice and ask which client was meant. Never guesses."""
    options = client_options(candidates, ctx.now, lambda client: f"#{client.id}", ctx.zone)
    if allow_new:
        options.append(Option(f"新建另一位「{name}」", NEW_CLIENT))
    return ask_pick(ctx, f"有 {len(candidates)} 位叫「{name}」的客户，请选择是哪一位：", options,
                    rebuild)


def ask_pick(ctx: Context, question: str, options: list[Option],
             command_of: Callable[[str], str], **remember: str) -> Reply:
    """Offer ``options`` as a pending pick: the next message (an option's value, label or
    number) runs ``command_of(value)``, which finds the pick, with ``remember``, in
    ``ctx.picked``."""
    ctx.pending = {
        "kind": "pick",
        "commands": {option.value: command_of(option.value) for option in options},
        "labels": {option.value: option.label for option in options},
        "question": question,  # asked again after a message that answers nothing
        **remember,
    }
    return Reply(question, tuple(options))


def one_client(ctx: Context, ref: str, rebuild: Callable[[str], str]) -> Client | Reply:
    """The one client ``ref`` names, or the reply to send instead (not found / which one?)."""
    candidates = find_clients(ctx, ref)
    if not candidates:
        return not_found(ref)
    if len(candidates) > 1:
        return ask_which(ctx, ref, candidates, rebuild)
    return candidates[0]


def not_found(name: str) -> Reply:
    if is_id_ref(name):  # a button of a client since deleted: nothing to create by that
        return Reply(f"没有找到客户「{name}」（可能已删除）。可以用 /find 查找。")
    return Reply(f"没有找到客户「{name}」。可以用 /find 查找，或用 /record {name} 新建档案。")
