"""Telegram: round trip against a bare PTB echo bot, and outbox delivery to 10,000 chats.

a) Round trip: a text is injected on the fake Bot API → the bot's long poll returns it → the
   bot answers → the fake records the sendMessage (its arrival time ends the measurement).
   The fake runs in a process of its own, as a real Bot API server would (bench/fake_process.py
   says why), and takes both times itself.
   Ours is TelegramChannel + the real router on a temporary SQLite app, running the guided-record
   script of the router benchmark (the first reply ends a round trip); the baseline is a bare
   python-telegram-bot Application with one MessageHandler that replies with the same text.
   Both poll the same fake, in turns (ten rounds each), in the same run. Target: our p50 ≤ 1.3 ×
   the echo's.

   The round trips are spaced ``SPACING`` apart (≈ 20 a second, far above any person's pace):
   AIORateLimiter keeps every bot under Telegram's 30 messages a second, and back-to-back round
   trips would measure that limit rather than our latency.

b) Delivery: 10,000 outbox rows to 10,000 distinct chats through the real TelegramChannel and
   DeliveryWorker with the default DeliveryPolicy and a SystemClock, while the fake fails 5% of
   the sendMessage calls, first attempts and retries alike (429 with retry_after=1, 500, 502).
   ``--loop forever`` (default) drives the worker as ``run_all`` does (``run_forever(2.0)``);
   ``--loop rounds`` calls ``run_once`` back to back, pausing only when a round sent nothing.
   Reports messages a second until all were sent, and until 99% were (the rest wait out the
   5xx backoff of 30 s, 60 s...), and what was lost (rows not "sent" at the end) or doubled (a
   chat that received two). Target: ≥ 25 msg/s (Telegram's own limit is 30), nothing lost.

Run: ``python -m bench.telegram_bench [--messages N] [--loop forever|rounds]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, filters
from telegram.ext import MessageHandler as PTBMessageHandler

from bench.fake_process import FakeProcess
from bench.fixtures import make_bench_app
from bench.router_bench import RECORD_SCRIPT, percentile
from bot.agents_admin import add_agent
from bot.bootstrap import App
from bot.channels.base import MessageHandler
from bot.channels.telegram_setup import telegram_channel
from bot.delivery import DeliveryPolicy, DeliveryWorker
from bot.runner import message_handler
from handlers.types import Incoming, Reply, SystemClock, reply_to_json
from storage.models import OutboxMessage
from tests.fakes.telegram_api import ApiError, FakeBotApi

USER = 4242
POLL_TIMEOUT = 1  # seconds; the fake answers a held getUpdates at once when a message arrives
SPACING = 0.05  # seconds between round trips (see a) above)
RUN_ALL_INTERVAL = 2.0  # what bot.runner.run_all gives DeliveryWorker.run_forever


def script_texts() -> Iterator[str]:
    n = 0
    while True:
        for template in RECORD_SCRIPT:
            yield template.format(n=n)
        n += 1


class Counting:
    """``message_handler(app)``, timed, counting the messages each update will produce (so the
    next round trip starts only after every reply of the previous one went out)."""

    def __init__(self, handler: MessageHandler) -> None:
        self._handler = handler
        self.messages = 0
        self.seconds: list[float] = []

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        started = time.monotonic()
        replies = await self._handler(incoming)
        self.seconds.append(time.monotonic() - started)
        self.messages += sum(1 for r in replies if r.text.strip() or r.options)
        return replies


async def round_trips(fake: FakeProcess, texts: Iterator[str], count: int,
                      expected: Callable[[int], int]) -> list[float]:
    """``expected(before)``: how many messages the chat will have once all replies are out."""
    latencies = []
    for _ in range(count):
        latency, before = await fake.call("round_trip", USER, next(texts))
        latencies.append(latency)
        await fake.call("wait_messages", USER, expected(before))
        await asyncio.sleep(SPACING)
    return latencies


async def run_ours(app: App, fake: FakeProcess, texts: Iterator[str], count: int,
                   handler_seconds: list[float]) -> list[float]:
    counting = Counting(message_handler(app))
    channel = telegram_channel(app, poll_timeout=POLL_TIMEOUT)
    await channel.start(counting)
    sent_before = await fake.call("sent_count", USER)
    try:
        return await round_trips(fake, texts, count,
                                 lambda before: sent_before + counting.messages)
    finally:
        await channel.stop()
        handler_seconds += counting.seconds


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def run_echo(fake: FakeProcess, texts: Iterator[str], count: int) -> list[float]:
    bot = (Application.builder().token(fake.info["token"]).base_url(fake.info["base_url"])
           .build())
    bot.add_handler(PTBMessageHandler(filters.TEXT, echo))
    await bot.initialize()
    await bot.start()
    assert bot.updater is not None
    await bot.updater.start_polling(timeout=POLL_TIMEOUT, poll_interval=0)
    try:
        return await round_trips(fake, texts, count, lambda before: before + 1)
    finally:
        await bot.updater.stop()
        await bot.stop()
        await bot.shutdown()


async def bench_round_trip_async(each: int, rounds: int, warmup: int) -> dict[str, float]:
    fake = await FakeProcess("telegram").start()
    app = make_bench_app()
    app.secrets = app.secrets.model_copy(
        update={"telegram_token": fake.info["token"], "telegram_base_url": fake.info["base_url"]})
    add_agent(app, "压测", str(USER), None, False)
    ours_texts, echo_texts = script_texts(), script_texts()
    ours: list[float] = []
    bare: list[float] = []
    handler: list[float] = []
    try:
        for _ in range(rounds):  # in turns, so drift in machine speed affects both alike
            timed: list[float] = []
            measured = await run_ours(app, fake, ours_texts, warmup + each // rounds, timed)
            ours += measured[warmup:]
            handler += timed[warmup:]
            bare += (await run_echo(fake, echo_texts, warmup + each // rounds))[warmup:]
    finally:
        await fake.stop()
        app.dispose()
    result = {"n": len(ours),
              "ours_p50_ms": percentile(ours, 0.5) * 1000,
              "ours_mean_ms": statistics.mean(ours) * 1000,
              "echo_p50_ms": percentile(bare, 0.5) * 1000,
              "echo_mean_ms": statistics.mean(bare) * 1000,
              "handler_p50_ms": percentile(handler, 0.5) * 1000}
    result["ratio"] = result["ours_p50_ms"] / result["echo_p50_ms"]
    return result


class FlakyBotApi(FakeBotApi):
    """Fails a share of sendMessage calls (first attempts and retries alike)."""

    def __init__(self, share: float, seed: int = 11) -> None:
        super().__init__()
        self.share = share
        self.injected: Counter[int] = Counter()
        self._rng = random.Random(seed)

    def _maybe_fail(self, method: str, params: dict) -> None:
        if method.lower() == "sendmessage" and self._rng.random() < self.share:
            status = self._rng.choice((429, 500, 502))
            self.injected[status] += 1
            if status == 429:
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            raise ApiError(status, "Internal Server Error" if status == 500 else "Bad Gateway")
        super()._maybe_fail(method, params)


def enqueue(app: App, chats: list[int]) -> None:
    now = SystemClock().now()
    with app.uow() as uow:
        agent = uow.agents.add("压测推送", now, app.settings.timezone)
        uow.session.flush()
        for n, chat_id in enumerate(chats):
            reply = Reply(f"☀️ 今日提醒（1 项）\n1. 客户{n} 今天生日")
            uow.outbox.enqueue(f"bench:{n}", agent.id, "telegram", str(chat_id), "push",
                               [reply_to_json(reply)], now)
        uow.commit()


def statuses(app: App) -> Counter[str]:
    with app.uow() as uow:
        return Counter(status for (status,) in uow.session.query(OutboxMessage.status))


async def back_to_back(worker: DeliveryWorker) -> None:
    """Rounds one after another, pausing only when a round delivered nothing."""
    while True:
        if await worker.run_once() == 0:
            await asyncio.sleep(0.1)


async def bench_delivery_async(messages: int, failure_share: float, policy: DeliveryPolicy,
                               mode: str, limit: float) -> dict[str, Any]:
    fake = await FlakyBotApi(failure_share).start()
    chats = [10_000_000 + n for n in range(messages)]
    for chat_id in chats:
        fake.add_chat(chat_id)
    app = make_bench_app()
    app.secrets = app.secrets.model_copy(
        update={"telegram_token": fake.token, "telegram_base_url": fake.base_url})
    enqueue(app, chats)
    channel = telegram_channel(app, poll_timeout=POLL_TIMEOUT)

    async def ignore(incoming: Incoming) -> list[Reply]:
        return []

    await channel.start(ignore)
    worker = DeliveryWorker(app.uow, {"telegram": channel}, SystemClock(), app.settings.zone,
                            policy)
    started = time.monotonic()
    milestones: dict[float, float] = {}
    loop = asyncio.create_task(
        worker.run_forever(interval=RUN_ALL_INTERVAL) if mode == "forever"
        else back_to_back(worker))
    try:
        while time.monotonic() - started < limit:
            await asyncio.sleep(0.25)
            counts = await asyncio.to_thread(statuses, app)
            for share in (0.5, 0.99, 1.0):
                if counts["sent"] + counts["dead"] >= share * messages:
                    milestones.setdefault(share, time.monotonic() - started)
            if 1.0 in milestones:
                break
        elapsed = time.monotonic() - started
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await channel.stop()
        await fake.stop()
    counts = statuses(app)
    app.dispose()
    received = Counter(call.chat_id for call in fake.sent_messages())
    return {"mode": mode, "messages": messages, "seconds": elapsed,
            "per_second": counts["sent"] / elapsed,
            "per_second_99": 0.99 * messages / milestones.get(0.99, elapsed),
            "seconds_50": milestones.get(0.5, elapsed),
            "seconds_99": milestones.get(0.99, elapsed),
            "lost": messages - counts["sent"], "statuses": dict(counts),
            "doubled": sum(1 for n in received.values() if n > 1),
            "missing": sum(1 for chat_id in chats if received[chat_id] == 0),
            "injected": dict(fake.injected)}


def bench_round_trip(each: int = 400, rounds: int = 10, warmup: int = 10) -> dict[str, float]:
    return asyncio.run(bench_round_trip_async(each, rounds, warmup))


def bench_delivery(messages: int = 10_000, failure_share: float = 0.05,
                   policy: DeliveryPolicy | None = None, mode: str = "forever",
                   limit: float = 1800.0) -> dict[str, Any]:
    return asyncio.run(bench_delivery_async(messages, failure_share,
                                            policy or DeliveryPolicy(), mode, limit))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.telegram_bench")
    parser.add_argument("--messages", type=int, default=10_000,
                        help="outbox messages for the delivery benchmark (0: skip it)")
    parser.add_argument("--loop", choices=("forever", "rounds"), default="forever",
                        help="forever: DeliveryWorker.run_forever(2.0) as run_all runs it; "
                             "rounds: run_once back to back, pausing only when idle")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # one warning per failed send would drown this
    r = bench_round_trip()
    print(f"telegram round trip ({r['n']:.0f} each): "
          f"ours p50 {r['ours_p50_ms']:.2f} ms (mean {r['ours_mean_ms']:.2f}; of which "
          f"message_handler p50 {r['handler_p50_ms']:.2f}), "
          f"echo p50 {r['echo_p50_ms']:.2f} ms (mean {r['echo_mean_ms']:.2f}), "
          f"ratio {r['ratio']:.2f} (target ≤ 1.3)")
    if args.messages <= 0:
        return
    d = bench_delivery(args.messages, mode=args.loop)
    print(f"telegram delivery ({d['mode']}): {d['messages']} messages to as many chats, "
          f"failures injected {d['injected']}: all sent in {d['seconds']:.0f} s = "
          f"{d['per_second']:.1f} msg/s (99% in {d['seconds_99']:.0f} s = "
          f"{d['per_second_99']:.1f} msg/s); lost {d['lost']}, doubled {d['doubled']}, "
          f"missing {d['missing']} (target ≥ 25 msg/s, 0 lost)")


if __name__ == "__main__":
    main()
