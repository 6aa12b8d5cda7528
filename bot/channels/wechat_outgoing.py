"""Outgoing WeChat messages: packing replies into messages, pacing, and the daily cap.

WeChat's unofficial protocol bans accounts that send fast or much, so every outgoing message of
the account (replies and pushes alike) goes through one ``SendPacer``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.channels.base import DeliveryError
from bot.channels.text_render import render_plain, split_text
from handlers.types import Reply


def pack_texts(replies: Iterable[Reply], limit: int) -> list[str]:
    """Render replies as plain text and pack them into as few messages of at most ``limit``
    characters as possible; a reply is split (at line breaks) only when it alone is too long."""
    messages: list[str] = []
    current = ""
    for reply in replies:
        for chunk in split_text(render_plain(reply), limit):
            if current and len(current) + 2 + len(chunk) <= limit:
                current = f"{current}\n\n{chunk}"
                continue
            if current:
                messages.append(current)
            current = chunk
    if current:
        messages.append(current)
    return messages


class SharedCount(Protocol):
    """Where the processes sending for an account add up what they sent today."""

    def add(self, account: str, day: date, sent: int) -> int:
        """Add ``sent`` to ``account``'s count of ``day`` (a later day starts again from
        them); the day's total. Blocking: call it from a worker thread."""
        ...


def seconds_until_next_day(now: datetime) -> float:
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
    return max((tomorrow - now).total_seconds(), 1.0)


class SendPacer:
    """At least ``min_gap_seconds`` between any two outgoing messages of the account, and a count
    of the messages sent on each local day of ``clock`` (which returns the account's local
    wall-clock time, naive or aware; the count restarts at its midnight).

    Hold ``lock`` for a whole batch, so one reply's messages are not interleaved with another's.
    The day's count can be shared with other processes and kept across restarts: ``unshared``
    takes the messages sent since the last exchange, ``shared`` gives back the day's total.
    """

    def __init__(
        self,
        *,
        min_gap_seconds: float,
        daily_cap: int,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        if daily_cap < 1:
            raise ValueError("daily_cap must be at least 1")
        self.min_gap_seconds = min_gap_seconds
        self.daily_cap = daily_cap
        self.lock = asyncio.Lock()
        self._clock = clock
        self._monotonic = monotonic
        self._last_sent: float | None = None
        self._day: date | None = None
        self._count = 0
        self._unshared = 0  # of ``_count``, not yet added to the shared count

    def sent_today(self) -> int:
        self._roll_day()
        return self._count

    def check_cap(self, n_messages: int) -> None:
        """Raise DeliveryError unless ``n_messages`` more fit in today's cap."""
        self._roll_day()
        if n_messages > self.daily_cap:
            raise DeliveryError(
                f"{n_messages} messages exceed the daily cap of {self.daily_cap}", permanent=True
            )
        if self._count + n_messages > self.daily_cap:
            raise DeliveryError(
                f"daily cap of {self.daily_cap} WeChat messages reached",
                retry_after=seconds_until_next_day(self._clock()),
            )

    async def wait_turn(self) -> None:
        """Sleep until ``min_gap_seconds`` have passed since the last message was sent."""
        if self._last_sent is None:
            return
        while (delay := self._last_sent + self.min_gap_seconds - self._now()) > 0:
            await asyncio.sleep(delay)

    def record_sent(self, counted: bool = True) -> None:
        """Call after each send attempt: starts the next gap, and counts the message unless
        ``counted`` is False (it certainly never reached the service)."""
        self._last_sent = self._now()
        if counted:
            self._roll_day()
            self._count += 1
            self._unshared += 1

    def unshared(self) -> tuple[date, int]:
        """Today, and the messages sent since the last exchange (now counted as shared)."""
        self._roll_day()
        assert self._day is not None
        sent, self._unshared = self._unshared, 0
        return self._day, sent

    def shared(self, day: date, total: int) -> None:
        """``day``'s total as shared: every process's messages, ours up to ``unshared``."""
        if day == self._day:
            self._count = total + self._unshared

    def not_shared(self, day: date, sent: int) -> None:
        """The exchange failed: ``sent`` is to be shared next time."""
        if day == self._day:
            self._unshared += sent

    def _roll_day(self) -> None:
        today = self._clock().date()
        if today != self._day:
            self._day = today
            self._count = self._unshared = 0

    def _now(self) -> float:
        return self._monotonic() if self._monotonic else asyncio.get_running_loop().time()
