"""Where a WeChat round trip's time goes (``python -m bench.wechat_bench --phases``).

Marks are taken on the system-wide monotonic clock, which the fake's process also uses for
the injection and the reply's arrival, by wrapping the puppet service client's two calls
every bot makes: fetching the message's payload, and sending the reply. A round trip is then:

- delivery: from the injection to the payload's request (the event over the gRPC stream,
  wechaty's event handling);
- fetch: the payload's gRPC round trip;
- bot: from the payload to the reply's send (our channel and handler, or the echo bot's say);
- send: from the send call to the reply's arrival in the fake.

Only the first mark of each kind counts, so the fetch of the bot's own reply (its echo comes
as a message event after the send) does not.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator
from typing import Any

from bot.channels.wechaty_compat import PuppetService

PHASES = ("delivery", "fetch", "bot", "send")


class PhaseMarks:
    """Marks of the round trip under way (``begin`` before each), kept per bot."""

    def __init__(self) -> None:
        self._marks: dict[str, float] = {}
        self.rows: dict[str, list[dict[str, float]]] = {}

    def begin(self) -> None:
        self._marks = {}

    def mark(self, name: str) -> None:
        self._marks.setdefault(name, time.monotonic())

    def end(self, bot: str, injected: float, arrived: float) -> None:
        """The round trip of ``bot`` is over: split it into ``PHASES``."""
        marks = self._marks
        if not {"fetch", "fetched", "send"} <= marks.keys():
            return
        self.rows.setdefault(bot, []).append({
            "delivery": marks["fetch"] - injected, "fetch": marks["fetched"] - marks["fetch"],
            "bot": marks["send"] - marks["fetched"], "send": arrived - marks["send"]})

    def medians_us(self, bot: str, skip: int) -> dict[str, float]:
        rows = self.rows.get(bot, [])[skip:]
        return {phase: statistics.median(row[phase] for row in rows) * 1e6 for phase in PHASES}


@contextlib.contextmanager
def marking(marks: PhaseMarks) -> Iterator[None]:
    """Wrap PuppetService's payload fetch and text send (every bot in this process) while
    inside."""
    fetch, send = PuppetService.message_payload, PuppetService.message_send_text

    async def message_payload(self: Any, *args: Any, **kwargs: Any) -> Any:
        marks.mark("fetch")
        payload = await fetch(self, *args, **kwargs)
        marks.mark("fetched")
        return payload

    async def message_send_text(self: Any, *args: Any, **kwargs: Any) -> Any:
        marks.mark("send")
        return await send(self, *args, **kwargs)

    PuppetService.message_payload = message_payload  # type: ignore[method-assign]
    PuppetService.message_send_text = message_send_text  # type: ignore[method-assign]
    try:
        yield
    finally:
        PuppetService.message_payload = fetch  # type: ignore[method-assign]
        PuppetService.message_send_text = send  # type: ignore[method-assign]
