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
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        unreachable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable
        self.retry_after = retry_after


class Channel(Protocol):
    platform: str

    async def start(self, on_message: MessageHandler) -> None:
        """Connect and begin passing each incoming message to ``on_message``;
        replies it returns are sent back to the same chat."""
        ...

    async def stop(self) -> None: ...

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """Push replies to a chat (outbox delivery); raise DeliveryError on failure."""
        ...
