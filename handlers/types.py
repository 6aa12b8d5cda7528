"""Neutral message types shared by every channel, and the injected clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

# What an Incoming is: typed text (a photo's caption too), a button press, or something we
# cannot read (a voice message, other media, an edit of an earlier message).
TEXT, BUTTON, VOICE, MEDIA, EDIT = "text", "button", "voice", "media", "edit"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message from an agent, whatever the platform."""

    platform: str  # "terminal" | "telegram" | "wechat"
    user_id: str  # the sender's id on that platform
    chat_id: str  # where replies go
    text: str = field(repr=False)  # what was typed may hold client data: never in logs
    message_id: str | None = None  # for de-duplication of redelivered updates
    is_group: bool = False
    display_name: str = ""
    kind: str = TEXT
    # A button press: the offer (``Reply.offer``) of the reply that carried the button, None
    # when the button carried none; ``text`` is then the option's number in that offer.
    offer: str | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """A choice offered with a reply: sending ``value`` has the same effect as pressing it.

    A command ``value`` ("/card #3") means the same from any old message: it stays within 64
    bytes, Telegram's callback data, to travel as itself. Any other value answers only the
    question it came with (see handlers/offered.py).
    """

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    options: tuple[Option, ...] = field(default_factory=tuple)
    # The text numbers the options already (1. …, 2. …): plain text lists them no second time.
    listed: bool = False
    # Set by the router on the reply whose options the conversation remembers: a button of it
    # answers only while this offer is the conversation's current one (not kept in the outbox).
    offer: str | None = None


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time as a naive UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self._now = moment


def reply_to_json(reply: Reply) -> dict[str, object]:
    """A reply as stored in the outbox."""
    data: dict[str, object] = {"text": reply.text,
                               "options": [[o.label, o.value] for o in reply.options]}
    if reply.listed:
        data["listed"] = True
    return data


def reply_from_json(data: dict[str, object]) -> Reply:
    options = data.get("options") or []
    assert isinstance(options, list)
    return Reply(str(data["text"]), tuple(Option(str(label), str(value))
                                          for label, value in options),
                 listed=bool(data.get("listed")))
