"""The options offered last, as remembered between messages: a bare number or an option's
exact label, typed instead of tapped, picks it (terminal and WeChat show options as numbered
lines and promise "或直接回复文字").

Each save of the conversation is a new offer, named by the state's version: a button answers
only while its reply's offer is the current one, unless its value is a command (``/card #3``),
which means the same whenever it is pressed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from handlers.types import BUTTON, TEXT, Incoming, Option, Reply
from storage.conversation_state import Conversation, Offered

READABLE = (TEXT, BUTTON)  # what the router reads as text; the rest only gets a note
CIRCLED = {mark: index for index, mark in enumerate("①②③④⑤⑥⑦⑧⑨⑩", start=1)}


def remember(options: Iterable[Option]) -> list[Offered]:
    """What the conversation keeps of the options just offered."""
    return [option.value if option.label == option.value else [option.label, option.value]
            for option in options]


def is_command(value: str) -> bool:
    """An option that runs a command: safe to press at any time, from any old message."""
    return value.startswith("/")


def pick(text: str, offered: list[Offered], circled: bool = True) -> str:
    """The value ``text`` picks (a number in range, ① to ⑩ too unless ``circled`` is False,
    or the label of exactly one option), or ``text`` itself. A label shared by several options
    picks none: the number must say."""
    number = int(text) if text.isdecimal() else CIRCLED.get(text) if circled else None
    if number is not None and offered and 1 <= number <= len(offered):
        return _value(offered[number - 1])
    by_label = {item[1] for item in offered if isinstance(item, list) and item[0] == text}
    return by_label.pop() if len(by_label) == 1 else text


def is_stale(incoming: Incoming, conversation: Conversation) -> bool:
    """A button press that answers nothing open now: not a command, and not an option of the
    conversation's current offer."""
    if is_command(incoming.text):
        return False
    if incoming.offer is None or incoming.offer != offer_of(conversation.version):
        return True
    number = incoming.text
    return not (number.isdecimal() and 1 <= int(number) <= len(conversation.options))


def offer_of(version: int | None) -> str | None:
    """The offer a conversation state (by its version) stands for."""
    return None if version is None else str(version)


def with_offer(replies: list[Reply], version: int | None) -> list[Reply]:
    """The replies, the one whose options are remembered marked with the offer."""
    offer = offer_of(version)
    for index in range(len(replies) - 1, -1, -1):
        if replies[index].options:
            if offer is not None:
                replies = [*replies[:index], replace(replies[index], offer=offer),
                           *replies[index + 1:]]
            break
    return replies


def last_options(replies: list[Reply]) -> list[Option]:
    """The options of the last reply that has any: those the conversation remembers."""
    return next((list(reply.options) for reply in reversed(replies) if reply.options), [])


def _value(item: Offered) -> str:
    return item if isinstance(item, str) else item[1]
