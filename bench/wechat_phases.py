"""Where a WeChat round trip's time goes (``python -m bench.wechat_bench --phases``).

Each bot's process records, on the system-wide monotonic clock that the fake's process also
uses for the injection and the reply's arrival, every call of the puppet service client's two
calls every bot makes: fetching a message's payload, and sending a text. A round trip is then
split, by the first marks of each kind inside it:

- delivery: from the injection to the payload's request (the event over the gRPC stream,
  wechaty's event handling);
- fetch: the payload's gRPC round trip;
- bot: from the payload to the reply's send (our channel and handler, or the echo bot's say);
- send: from the send call to the reply's arrival in the fake.

The first fetch after the injection is the message's: the bot's own reply comes back as a
message event only after the send.
"""

from __future__ import annotations

import bisect
import statistics
import time
from typing import Any

from bot.channels.wechaty_compat import PuppetService

PHASES = ("delivery", "fetch", "bot", "send")
MARKS = ("fetch", "fetched", "send")


class PhaseRecorder:
    """The times of every mark of one bot's process, by kind (``MARKS``), in order."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {name: [] for name in MARKS}

    def mark(self, name: str) -> None:
        self.times[name].append(time.monotonic())


def record_marks(recorder: PhaseRecorder) -> None:
    """Wrap PuppetService's payload fetch and text send, for every bot in this process, for
    the rest of its life (a bot's own process)."""
    fetch, send = PuppetService.message_payload, PuppetService.message_send_text

    async def message_payload(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder.mark("fetch")
        payload = await fetch(self, *args, **kwargs)
        recorder.mark("fetched")
        return payload

    async def message_send_text(self: Any, *args: Any, **kwargs: Any) -> Any:
        recorder.mark("send")
        return await send(self, *args, **kwargs)

    PuppetService.message_payload = message_payload  # type: ignore[method-assign]
    PuppetService.message_send_text = message_send_text  # type: ignore[method-assign]


def _first_after(times: list[float], moment: float) -> float | None:
    at = bisect.bisect_left(times, moment)
    return times[at] if at < len(times) else None


def split(round_trips: list[tuple[float, float]],
          times: dict[str, list[float]]) -> list[dict[str, float]]:
    """Each round trip (injected, arrived) split into ``PHASES`` by a bot's marks; one whose
    marks are not all inside it (none recorded) is left out."""
    rows = []
    for injected, arrived in round_trips:
        fetch = _first_after(times["fetch"], injected)
        fetched = None if fetch is None else _first_after(times["fetched"], fetch)
        sent = None if fetched is None else _first_after(times["send"], fetched)
        if sent is None or sent > arrived:
            continue
        assert fetch is not None and fetched is not None
        rows.append({"delivery": fetch - injected, "fetch": fetched - fetch,
                     "bot": sent - fetched, "send": arrived - sent})
    return rows


def medians_us(rows: list[dict[str, float]]) -> dict[str, float]:
    """Each phase's median over ``rows``, in µs."""
    return {phase: statistics.median(row[phase] for row in rows) * 1e6 for phase in PHASES}
