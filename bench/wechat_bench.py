"""WeChat round trip: our bot against a bare wechaty echo bot, on the same fake puppet service.

A round trip: a text is injected on the fake service → the bot receives the event, fetches the
message and its talker over gRPC, answers → the fake records the reply (its receive time ends
the measurement; the fake runs in a process of its own and takes both times, see
bench/fake_process.py). Ours is WeChatChannel + the real router on a temporary SQLite app,
running the guided-record script of the router benchmark; the echo bot is a minimal ``Wechaty``
subclass that says the same text back. Pacing is off (``min_gap_seconds=0``): this measures our
overhead, not the ban-avoidance gap. A third bot, our channel with an answer that costs nothing
in place of the router, shows how much of the difference is the channel's.

The three bots are logged in at once, in the same process, each to a puppet service of its own
(one WeChat account each, all served by the fake's process), and take turns message by message:
ours, the channel's, the echo bot's, ours again… A slow spell of the machine (a virtual
machine's neighbours) then weighs on the three alike. Taking turns by rounds of fifty, as this
benchmark did before, left a slow spell on one bot's round: the channel alone, which does what
the echo bot does, read 1.02 to 1.15 times the echo bot.

It also times our handler inside the round trips and, for comparison, the same messages handled
one after another with nothing in between, and with 32 MB of other memory traffic before each
(it empties the CPU caches, as the round trip's other work and the other tenants of a virtual
machine do). Inside round trips the handler costs several times its warm cost and about what it
costs with the caches emptied: the difference is cache misses, not waiting.

The fake service runs on a core of its own, the bots on the others (``--shared-cores``: wherever
the kernel puts them). The service stands for one on another machine; on this two-core machine
the kernel otherwise often runs the fake on the bot's core while it answers, and more often
for the bot that computes more: the fake's work then waits for the bot's, or interrupts it, and
the comparison measures the kernel's placement as much as the bots.

``--phases`` also splits each round trip where the bots' work begins and ends (the payload's
fetch, the reply's send; bench/wechat_phases.py): the echo bot and ours differ only in the
part between the two.

Target: our p50 ≤ 1.3 × the echo bot's p50.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench.fake_process import FakeProcess, separate_cores
from bench.fixtures import make_bench_app
from bench.router_bench import RECORD_SCRIPT, percentile
from bench.wechat_phases import PHASES, PhaseMarks, marking
from bot.agents_admin import add_agent
from bot.bootstrap import App
from bot.channels.base import MessageHandler
from bot.channels.wechat import free_port
from bot.channels.wechat_setup import wechat_channel
from bot.channels.wechaty_compat import (
    MessageType,
    PuppetOptions,
    PuppetService,
    Wechaty,
    WechatyOptions,
    WechatySchedulerOptions,
    isolate_caches,
    quiet_deprecations,
)
from bot.runner import message_handler
from handlers.types import Incoming, Reply

CONTACT = "wxid_bench"
TOKEN = "bench_puppet_token"
SETTLE = 0.005  # between round trips: lets the echo of each reply (a message event) be handled
COLD_MEGABYTES = 32  # far more than a core's own caches (lscpu: 2 MB of L2 here)


class EchoBot(Wechaty):
    """The bare baseline: answers every text with the same text."""

    async def init_puppet(self) -> None:
        await super().init_puppet()
        isolate_caches(self)  # a second bot in this process needs its own object caches

    async def on_message(self, msg: Any) -> None:
        if msg.is_self() or msg.type() != MessageType.MESSAGE_TYPE_TEXT:
            return
        await msg.say(msg.text())


def script_texts() -> Iterator[str]:
    for n in itertools.count():
        for template in RECORD_SCRIPT:
            yield template.format(n=n)


def timed(handler: MessageHandler, durations: list[float]) -> MessageHandler:
    """``handler``, adding how long each answer took to ``durations``."""

    async def on_message(incoming: Incoming) -> list[Reply]:
        started = time.perf_counter()
        try:
            return await handler(incoming)
        finally:
            durations.append(time.perf_counter() - started)

    return on_message


def handler_p50(app: App, count: int = 2000, between: Callable[[], None] | None = None) -> float:
    """The handler's p50 on the same script and router, not inside round trips: messages one
    after another (caches warm), or with ``between`` run before each (not timed)."""
    handler = message_handler(app)
    durations: list[float] = []
    texts = script_texts()

    async def run() -> None:
        for n in range(count):
            incoming = Incoming("wechat", CONTACT, CONTACT, next(texts), message_id=f"hot{n}")
            if between is not None:
                between()
            started = time.perf_counter()
            await handler(incoming)
            durations.append(time.perf_counter() - started)

    asyncio.run(run())
    return percentile(durations, 0.5)


def memory_traffic(megabytes: int) -> Callable[[], None]:
    """Touches one byte in every 64 of ``megabytes`` of memory: what other work does to the
    CPU caches between two messages (here, wechaty's gRPC calls and the fake service)."""
    buffer = bytearray(megabytes * 1024 * 1024)

    def touch() -> None:
        for i in range(0, len(buffer), 64):
            buffer[i] ^= 1

    return touch


def free_answer() -> MessageHandler:
    """The channel's part alone: an answer that costs nothing, in place of the router."""

    async def on_message(incoming: Incoming) -> list[Reply]:
        return [Reply(incoming.text)]

    return on_message


async def start_echo(endpoint: str) -> tuple[EchoBot, asyncio.Task[None]]:
    """The echo bot, logged in; ``stop_echo`` ends it."""
    options = PuppetOptions(end_point=endpoint)
    with quiet_deprecations():
        puppet = PuppetService(options)
    options.token = TOKEN
    with quiet_deprecations():
        bot = EchoBot(WechatyOptions(
            puppet=puppet, puppet_options=options, host="127.0.0.1", port=free_port(),
            scheduler=WechatySchedulerOptions(job_store="sqlite://")))
    logged_in = asyncio.Event()
    bot.on("login", lambda *_: logged_in.set())
    running = asyncio.create_task(bot.start())
    await asyncio.wait_for(logged_in.wait(), 10.0)
    return bot, running


async def stop_echo(fake: FakeProcess, service: int, bot: EchoBot,
                    running: asyncio.Task[None]) -> None:
    await fake.call("drop_stream", service)  # end the event stream first: start() then returns
    await asyncio.wait_for(running, 10.0)
    await bot.stop()
    scheduler = bot._plugin_manager.scheduler
    if scheduler.running:
        with contextlib.suppress(Exception):
            scheduler.shutdown(wait=False)


BOTS = ("ours", "channel", "echo")  # service index = position


async def bench_async(round_trips_each: int, warmup: int, fake_cores: set[int] | None,
                      marks: PhaseMarks) -> dict[str, float]:
    """The three bots' round trips in turn; ``marks`` splits them when it is ``marking``."""
    setup = {"contacts": {CONTACT: "压测"}, "services": len(BOTS)}
    fake = await FakeProcess("wechat", setup, fake_cores).start()
    endpoints = fake.info["endpoints"]
    app = make_bench_app()
    app.secrets = app.secrets.model_copy(
        update={"wechaty_token": TOKEN, "wechaty_endpoint": endpoints[0]})
    add_agent(app, "压测", None, CONTACT, False)
    in_round_trips: list[float] = []
    handlers = {"ours": timed(message_handler(app), in_round_trips), "channel": free_answer()}
    channels = {name: wechat_channel(app, endpoint=endpoints[BOTS.index(name)],
                                     min_gap_seconds=0.0, daily_cap=10**6, login_timeout=10.0)
                for name in handlers}
    samples: dict[str, list[float]] = {name: [] for name in BOTS}
    texts = {name: script_texts() for name in BOTS}  # each bot: the whole script, in order
    echo = None
    try:
        for name, channel in channels.items():
            await channel.start(handlers[name])
        echo = await start_echo(endpoints[BOTS.index("echo")])
        # Message by message in turn, all three logged in at once: a slow spell of the machine
        # weighs on the three alike.
        for n in range(warmup + round_trips_each):
            for service, name in enumerate(BOTS):
                marks.begin()
                injected, arrived = await fake.call("round_trip", service, CONTACT,
                                                    next(texts[name]))
                marks.end(name, injected, arrived)
                await asyncio.sleep(SETTLE)
                if n >= warmup:
                    samples[name].append(arrived - injected)
    finally:
        for channel in channels.values():
            await channel.stop()
        if echo is not None:
            await stop_echo(fake, BOTS.index("echo"), *echo)
        await fake.stop()
        app.dispose()
    result: dict[str, float] = {"n": len(samples["ours"])}
    for name, latencies in samples.items():
        result[f"{name}_p50_ms"] = percentile(latencies, 0.5) * 1000
        result[f"{name}_mean_ms"] = statistics.mean(latencies) * 1000
    result["handler_p50_ms"] = percentile(in_round_trips[warmup:], 0.5) * 1000
    result["ratio"] = result["ours_p50_ms"] / result["echo_p50_ms"]
    result["channel_ratio"] = result["channel_p50_ms"] / result["echo_p50_ms"]
    return result


def bench_wechat(
    round_trips_each: int = 1000, warmup: int = 30, shared_cores: bool = False,
    phases: bool = False,
) -> dict[str, float]:
    cores = None if shared_cores else separate_cores()
    before = os.sched_getaffinity(0) if cores else None
    if cores:
        os.sched_setaffinity(0, cores[0])
    try:
        marks = PhaseMarks()
        with marking(marks) if phases else contextlib.nullcontext():
            result = asyncio.run(bench_async(round_trips_each, warmup,
                                             cores[1] if cores else None, marks))
    finally:
        if before:
            os.sched_setaffinity(0, before)
    result["separate_cores"] = float(cores is not None)
    if phases:
        for name in BOTS:
            for phase, value in marks.medians_us(name, warmup).items():
                result[f"{name}_{phase}_us"] = value
    for name, between in (("hot", None), ("cold", memory_traffic(COLD_MEGABYTES))):
        app = make_bench_app()
        add_agent(app, "压测", None, CONTACT, False)
        try:
            result[f"{name}_handler_p50_ms"] = handler_p50(app, between=between) * 1000
        finally:
            app.dispose()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared-cores", action="store_true",
                        help="do not keep the fake service on a core of its own")
    parser.add_argument("--phases", action="store_true",
                        help="also split each round trip into its phases (bench/wechat_phases.py)")
    args = parser.parse_args(argv)
    # once per bot start: "there is not registed blueprint in the plugins" (we use no plugins)
    logging.getLogger("wechaty.plugin").setLevel(logging.ERROR)
    r = bench_wechat(shared_cores=args.shared_cores, phases=args.phases)
    placement = ("the fake service on a core of its own" if r["separate_cores"]
                 else "the fake service and the bots on any core")
    print(f"wechat round trip ({r['n']:.0f} each, {placement}): "
          f"ours p50 {r['ours_p50_ms']:.2f} ms (mean {r['ours_mean_ms']:.2f}), "
          f"echo p50 {r['echo_p50_ms']:.2f} ms (mean {r['echo_mean_ms']:.2f}), "
          f"ratio {r['ratio']:.2f} (target ≤ 1.3)")
    print(f"  of which the channel (the router replaced by an answer that costs nothing): "
          f"p50 {r['channel_p50_ms']:.2f} ms (mean {r['channel_mean_ms']:.2f}), "
          f"ratio {r['channel_ratio']:.2f}")
    print(f"  our handler (the router on SQLite) inside the round trips: p50 "
          f"{r['handler_p50_ms']:.2f} ms; the same messages one after another, caches warm: "
          f"p50 {r['hot_handler_p50_ms']:.2f} ms; one after another with {COLD_MEGABYTES} MB "
          f"of other memory traffic before each: p50 {r['cold_handler_p50_ms']:.2f} ms")
    if args.phases:
        print("  phases, p50 in µs (" + " / ".join(PHASES) + "): " + "; ".join(
            f"{name} " + " / ".join(f"{r[f'{name}_{phase}_us']:.0f}" for phase in PHASES)
            for name in BOTS))


if __name__ == "__main__":
    main()
