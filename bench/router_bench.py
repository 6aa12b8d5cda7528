"""Router throughput and latency on SQLite, and /find latency over 5,000 clients.

Targets (issue 2): ≥ 1,000 messages/s with p99 ≤ 20 ms; /find p99 ≤ 30 ms.
"""

from __future__ import annotations

import itertools
import random
import statistics
import time

from bench.fixtures import CITIES, TAGS, generate_clients, make_bench_app
from handlers.lookup import search_keys
from handlers.types import Incoming

# One realistic session per client: the full guided record of the worked example (Ms Zhang,
# 23 questions: the birth year gives the age), then a card, a lookup, and a quick note whose
# proposed facts are declined.
SESSION_SCRIPT = [
    "/record 客户{n}", "2", "农历1976年八月十五", "138{n:08d}", "上海", "会计", "某外企",
    "财务总监", "已婚", "李建国", "国企高管", "1998年5月20日", "儿子16岁", "父亲退休教师",
    "年收入60万", "300万", "无", "早8点出门，晚7点到家", "插花、瑜伽", "父亲是退休教师",
    "家里总有鲜花，愿意为品质付费", "想给孩子准备教育金；常问养老社区", "朋友介绍来参加亲子沙龙",
    "聊孩子升学和出国", "/card 客户{n}", "/find kehu", "/note 客户{n} 最近在跑马拉松", "都不要",
]

RECORD_SCRIPT = SESSION_SCRIPT  # the channel benchmarks replay the same session


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_router(messages: int = 3000) -> dict[str, float]:
    app = make_bench_app()
    generate_clients(app, "压测", 200)
    ids = itertools.count()
    latencies = []
    started = time.perf_counter()
    for n in itertools.count():
        for template in SESSION_SCRIPT:
            text = template.format(n=n)
            incoming = Incoming("terminal", "压测", "压测", text, message_id=f"b{next(ids)}")
            t0 = time.perf_counter()
            app.router.handle(incoming)
            latencies.append(time.perf_counter() - t0)
        if len(latencies) >= messages:
            break
    elapsed = time.perf_counter() - started
    app.dispose()
    return {"messages": len(latencies), "per_second": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000}


def bench_find(clients: int = 5000, queries: int = 500) -> dict[str, float]:
    app = make_bench_app()
    names = generate_clients(app, "查找", clients)
    rng = random.Random(3)
    ids = itertools.count()
    latencies = []
    for _ in range(queries):
        name = rng.choice(names)
        pinyin, initials = search_keys(name)
        query = rng.choice([name, name[:2], pinyin, initials, pinyin[:4], rng.choice(CITIES),
                            rng.choice(TAGS), f"{rng.randrange(10000):04d}", pinyin + "x"])
        incoming = Incoming("terminal", "查找", "查找", f"/find {query}",
                            message_id=f"f{next(ids)}")
        t0 = time.perf_counter()
        app.router.handle(incoming)
        latencies.append(time.perf_counter() - t0)
    app.dispose()
    return {"clients": clients, "queries": queries,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "mean_ms": statistics.mean(latencies) * 1000}


def main() -> None:
    router = bench_router()
    print(f"router (SQLite, {len(SESSION_SCRIPT)}-message sessions: full record, card, find, "
          f"note): {router['messages']} messages, {router['per_second']:.0f} msg/s, "
          f"p50 {router['p50_ms']:.2f} ms, p99 {router['p99_ms']:.2f} ms "
          f"(target ≥ 1000 msg/s, p99 ≤ 20 ms)")
    find = bench_find()
    print(f"/find over {find['clients']} clients: {find['queries']} queries, "
          f"p50 {find['p50_ms']:.2f} ms, p99 {find['p99_ms']:.2f} ms (target p99 ≤ 30 ms)")


if __name__ == "__main__":
    main()
