"""The options offered last, as remembered between messages: a bare number or an option's
exact label, typed instead of tapped, picks it (terminal and WeChat show options as numbered
lines and promise "或直接回复文字")."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.types import Option
from storage.conversation_state import Offered


def remember(options: Iterable[Option]) -> list[Offered]:
    """What the conversation keeps of the options just offered."""
    return [option.value if option.label == option.value else [option.label, option.value]
            for option in options]


def pick(text: str, offered: list[Offered]) -> str:
    """The value ``text`` picks (a number in range, or the label of exactly one option), or
    ``text`` itself. A label shared by several options picks none: the number must say."""
    if text.isdecimal() and offered and 1 <= int(text) <= len(offered):
        return _value(offered[int(text) - 1])
    by_label = {item[1] for item in offered if isinstance(item, list) and item[0] == text}
    return by_label.pop() if len(by_label) == 1 else text


def _value(item: Offered) -> str:
    return item if isinstance(item, str) else item[1]
