"""The command table: Latin names (Telegram needs them) with their Chinese aliases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.commands import (
    basic,
    deletion,
    forms,
    lookups,
    meetings,
    notes,
    nudges,
    salons,
    settings,
    tags,
    tiering,
)
from handlers.context import Context
from handlers.fields.text import first_word
from handlers.types import Reply

Handler = Callable[[Context, str], list[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    alias: str
    run: Handler
    starts_form: bool = False


COMMANDS = [
    Command("record", "记录", forms.start_record, starts_form=True),
    Command("note", "笔记", notes.quick_note),
    Command("find", "查", lookups.find),
    Command("card", "档案", lookups.card),
    Command("notes", "时间线", lookups.notes),
    Command("book", "本", lookups.book),
    Command("tier", "分层", tiering.set_tier),
    Command("tag", "标签", tags.tag),
    Command("policy", "保单", forms.start_policy, starts_form=True),
    Command("family", "家人", forms.start_family, starts_form=True),
    Command("delete", "删除", deletion.delete),
    Command("referral", "转介绍", tiering.referral),
    Command("salon", "沙龙", salons.salon),
    Command("meet", "见面", meetings.meet),
    Command("settings", "设置", settings.settings),
    Command("help", "帮助", basic.help_),
    Command("cancel", "取消", basic.cancel),
    Command("start", "绑定", basic.start),
    Command("today", "今天", nudges.today),
    Command("nudge", "提醒", nudges.menu),
    Command("done", "完成", nudges.done),
    Command("snooze", "推迟", nudges.snooze),
]
_BY_WORD = {word: command for command in COMMANDS for word in (command.name, command.alias)}


def parse_command(text: str, in_form: bool) -> tuple[Command, str] | None:
    """(command, arguments) when ``text`` is a command.

    "/record 张三" and "/记录 张三" always are; the bare alias "记录 张三" only outside a form,
    so that an answer inside a form is never mistaken for a command.
    """
    word, rest = first_word(text)
    if word.startswith(("/", "／")):  # the full-width slash of a Chinese keyboard too
        command = _BY_WORD.get(word[1:].lower())
    elif not in_form:
        command = _BY_WORD.get(word) if word == _alias_of(word) else None
    else:
        command = None
    return (command, rest.strip()) if command else None


def _alias_of(word: str) -> str | None:
    command = _BY_WORD.get(word)
    return command.alias if command else None
