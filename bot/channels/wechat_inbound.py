"""Incoming WeChat messages: which ones to pass on, as what, and which we have already seen."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from bot.channels.wechaty_compat import MessageType
from handlers.types import MEDIA, TEXT, VOICE, Incoming

log = logging.getLogger(__name__)
# Not from the agent's hand: nothing to answer.
_UNANSWERED = {MessageType.MESSAGE_TYPE_UNSPECIFIED, MessageType.MESSAGE_TYPE_RECALLED}


class RecentIds:
    """A bounded set of recently seen message ids (least recently seen dropped first)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, message_id: str) -> bool:
        """Remember ``message_id``; False if it was already there."""
        if message_id in self._ids:
            self._ids.move_to_end(message_id)
            return False
        self._ids[message_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True

    def forget(self, message_id: str) -> None:
        self._ids.pop(message_id, None)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids


def to_incoming(msg: Any) -> Incoming | str:
    """A ready wechaty ``Message`` as an Incoming (``chat_id``: the room for group messages, else
    the talker): text as typed; a voice message or other media (an image, a sticker, a file…)
    in a direct chat by kind, without text. Or why it is skipped: "self" (sent by our account),
    "not-text" (not text in a group, a recall), "no-talker"."""
    try:
        if msg.is_self():
            return "self"
    except Exception:  # not logged in (yet/any more): we cannot tell, so do not answer
        log.warning("wechat: cannot tell whether message %s is our own; skipped", msg.message_id)
        return "self"
    kind = _kind(msg.type())
    if kind is None:
        return "not-text"
    try:
        talker = msg.talker()
    except Exception:  # the payload names no sender at all
        talker = None
    # wechaty makes an empty sender id a Contact("") whose payload never loads
    if talker is None or not talker.contact_id or not talker.is_ready():
        return "no-talker"
    room = msg.room()
    if room is not None and kind != TEXT:  # a group gets no answer but to text
        return "not-text"
    return Incoming(
        platform="wechat",
        user_id=talker.contact_id,
        chat_id=room.room_id if room is not None else talker.contact_id,
        text=msg.text() if kind == TEXT else "",
        message_id=msg.message_id,
        is_group=room is not None,
        display_name=talker.name,
        kind=kind,
    )


def _kind(message_type: MessageType) -> str | None:
    if message_type == MessageType.MESSAGE_TYPE_TEXT:
        return TEXT
    if message_type in _UNANSWERED:
        return None
    return VOICE if message_type == MessageType.MESSAGE_TYPE_AUDIO else MEDIA
