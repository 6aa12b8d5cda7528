"""What every channel adapter provides, and how delivery failures are reported."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from handlers.types import Incoming, Reply

MessageHandler = Callable[[Incoming], Awaitable[list[Reply]]]


class DeliveryError(Exception):
    """A push could not be delivered.

    ``permanent``: retrying will not help (e.g. Telegram 400).
    ``unreachable``: the agent blocked the bot (Telegram 403); stop pushing to them.
    ``retry_after``: seconds the platform asked us to wait (Telegram 429).
    ``sent_parts``: platform messages of this push that went out before the failure (a long
    push goes in parts); the retry skips them.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        unreachable: bool = False,
        retry_after: float | None = None,
        sent_parts: int = 0,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable
        self.retry_after = retry_after
        self.sent_parts = sent_parts


class Channel(Protocol):
    platform: str

    async def start(self, on_message: MessageHandler) -> None:
        """Connect and begin passing each incoming message to ``on_message``;
        replies it returns are sent back to the same chat."""
        ...

    async def stop(self) -> None: ...

    async def send(self, chat_id: str, replies: list[Reply], skip_parts: int = 0) -> None:
        """Push replies to a chat (outbox delivery), leaving out the first ``skip_parts``
        platform messages (sent by an earlier attempt); raise DeliveryError on failure."""
        ...
