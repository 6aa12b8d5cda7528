"""WeChat round trip: our bot against a bare wechaty echo bot, on the same fake puppet service.

A round trip: a text is injected on the fake service → the bot receives the event, fetches the
message and its talker over gRPC, answers → the fake records the reply (its receive time ends
the measurement; the fake runs in a process of its own and takes both times, see
bench/fake_process.py). Ours is WeChatChannel + the real router on a temporary SQLite app,
running the guided-record script of the router benchmark; the echo bot is a minimal ``Wechaty``
subclass that says the same text back. Pacing is off (``min_gap_seconds=0``): this measures our
overhead, not the ban-avoidance gap. A third bot, our channel with an answer that costs nothing
in place of the router, shows how much of the difference is the channel's.

Each bot runs in a process of its own, as it is deployed (one WeChat account per process;
bench/wechat_bots.py says why this matters), logged in to a puppet service of its own (all
served by the fake's process). The three are logged in at once and take turns message by
message: ours, the channel's, the echo bot's, ours again… A slow spell of the machine (a
virtual machine's neighbours) then weighs on the three alike. Taking turns by rounds of fifty,
as this benchmark once did, left a slow spell on one bot's round: the channel alone, which does
what the echo bot does, read 1.02 to 1.15 times the echo bot.

It also times our handler inside the round trips and, for comparison, the same messages handled
one after another with nothing in between, and with 32 MB of other memory traffic before each
(it empties the CPU caches, as the round trip's other work and the other tenants of a virtual
machine do). Inside round trips the handler costs several times its warm cost and about what it
costs with the caches emptied: the difference is cache misses, not waiting.

The fake service runs on a core of its own, the bots (and this process) on the others
(``--shared-cores``: wherever the kernel puts them). The service stands for one on another
machine; on this two-core machine the kernel otherwise often runs the fake on the bot's core
while it answers, and more often for the bot that computes more: the fake's work then waits
for the bot's, or interrupts it, and the comparison measures the kernel's placement as much as
the bots.

``--phases`` also splits each round trip where the bots' work begins and ends (the payload's
fetch, the reply's send; bench/wechat_phases.py): the echo bot and ours differ only in the
part between the two.

Target: our p50 ≤ 1.3 × the echo bot's p50.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench.fake_process import FakeProcess, separate_cores
from bench.fixtures import make_bench_app
from bench.router_bench import RECORD_SCRIPT, percentile
from bench.wechat_bots import CONTACT
from bench.wechat_phases import PHASES, medians_us, split
from bot.agents_admin import add_agent
from bot.bootstrap import App
from bot.runner import message_handler
from handlers.types import Incoming

SETTLE = 0.005  # between round trips: lets the echo of each reply (a message event) be handled
COLD_MEGABYTES = 32  # far more than a core's own caches (lscpu: 2 MB of L2 here)
BOTS = ("ours", "channel", "echo")  # service index = position


def script_texts() -> Iterator[str]:
    for n in itertools.count():
        for template in RECORD_SCRIPT:
            yield template.format(n=n)


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


async def bench_async(round_trips_each: int, warmup: int,
                      cores: tuple[set[int], set[int]] | None, phases: bool) -> dict[str, Any]:
    """The three bots' round trips in turn, each bot in a process of its own."""
    bot_cores, fake_cores = cores if cores else (None, None)
    setup = {"contacts": {CONTACT: "压测"}, "services": len(BOTS)}
    fake = await FakeProcess("wechat", setup, fake_cores).start()
    bots: dict[str, FakeProcess] = {}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in BOTS}
    texts = {name: script_texts() for name in BOTS}  # each bot: the whole script, in order
    results: dict[str, dict[str, Any]] = {}
    try:
        for service, name in enumerate(BOTS):
            bots[name] = await FakeProcess("wechat_bot", {
                "bot": name, "endpoint": fake.info["endpoints"][service], "phases": phases,
            }, bot_cores).start()
        # Message by message in turn, all three logged in at once: a slow spell of the machine
        # weighs on the three alike.
        for n in range(warmup + round_trips_each):
            for service, name in enumerate(BOTS):
                times = await fake.call("round_trip", service, CONTACT, next(texts[name]))
                await asyncio.sleep(SETTLE)
                if n >= warmup:
                    samples[name].append(tuple(times))
        for name, bot in bots.items():
            results[name] = await bot.call("results")
    finally:
        for service, name in enumerate(BOTS):
            if name == "echo" and name in bots:  # its stream must end first: start() returns
                await fake.call("drop_stream", service)
            if name in bots:
                await bots[name].stop()
        await fake.stop()
    result: dict[str, Any] = {"n": len(samples["ours"])}
    for name, round_trips in samples.items():
        latencies = [arrived - injected for injected, arrived in round_trips]
        result[f"{name}_p50_ms"] = percentile(latencies, 0.5) * 1000
        result[f"{name}_mean_ms"] = statistics.mean(latencies) * 1000
        if phases:
            for phase, value in medians_us(split(round_trips, results[name]["marks"])).items():
                result[f"{name}_{phase}_us"] = value
    result["handler_p50_ms"] = percentile(results["ours"]["handler"][warmup:], 0.5) * 1000
    result["ratio"] = result["ours_p50_ms"] / result["echo_p50_ms"]
    result["channel_ratio"] = result["channel_p50_ms"] / result["echo_p50_ms"]
    return result


def bench_wechat(
    round_trips_each: int = 1000, warmup: int = 30, shared_cores: bool = False,
    phases: bool = False,
) -> dict[str, Any]:
    cores = None if shared_cores else separate_cores()
    before = os.sched_getaffinity(0) if cores else None
    if cores:
        os.sched_setaffinity(0, cores[0])
    try:
        result = asyncio.run(bench_async(round_trips_each, warmup, cores, phases))
        result["separate_cores"] = cores is not None
        for name, between in (("hot", None), ("cold", memory_traffic(COLD_MEGABYTES))):
            app = make_bench_app()
            add_agent(app, "压测", None, CONTACT, False)
            try:
                result[f"{name}_handler_p50_ms"] = handler_p50(app, between=between) * 1000
            finally:
                app.dispose()
    finally:
        if before:
            os.sched_setaffinity(0, before)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared-cores", action="store_true",
                        help="do not keep the fake service on a core of its own")
    parser.add_argument("--phases", action="store_true",
                        help="also split each round trip into its phases (bench/wechat_phases.py)")
    parser.add_argument("--round-trips", type=int, default=1000, metavar="N",
                        help="round trips of each bot (default 1000)")
    args = parser.parse_args(argv)
    r = bench_wechat(args.round_trips, shared_cores=args.shared_cores, phases=args.phases)
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
