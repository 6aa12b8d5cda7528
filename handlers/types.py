"""Neutral message types shared by every channel, and the injected clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class Incoming:
    """One message from an agent, whatever the platform."""

    platform: str  # "terminal" | "telegram" | "wechat"
    user_id: str  # the sender's id on that platform
    chat_id: str  # where replies go
    text: str = field(repr=False)  # what was typed may hold client data: never in logs
    message_id: str | None = None  # for de-duplication of redelivered updates
    is_group: bool = False
    display_name: str = ""


@dataclass(frozen=True)
class Option:
    """A choice offered with a reply: sending ``value`` has the same effect as pressing it.

    ``value`` stays short (Telegram allows 64 bytes of callback data).
    """

    label: str
    value: str


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = field(default_factory=tuple)


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
    return {"text": reply.text, "options": [[o.label, o.value] for o in reply.options]}


def reply_from_json(data: dict[str, object]) -> Reply:
    options = data.get("options") or []
    assert isinstance(options, list)
    return Reply(str(data["text"]), tuple(Option(str(label), str(value))
                                          for label, value in options))
