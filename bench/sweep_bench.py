"""The nudge sweep over 1,000,000 clients across 10,000 agents (issue 3).

Target: one sweep for a day ≤ 5 s on SQLite and on PostgreSQL; a second sweep inserts 0 rows.
The archive stands for a running install: clients and policies recorded over past years, and
the month before the measured day swept day by day (``--history-days``), as the bot does, so
the nudges table holds a month of reminders and every lead day ahead was swept in time. The
first of those sweeps, the archive's very first, is timed apart: it also makes, at once, every
lead reminder whose day went by before the archive was swept (a renewal in 20 days, a gift
time in 3), which a running bot made on their days.
PostgreSQL runs when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a scratch schema is used).
Usage: python -m bench.sweep_bench [--clients N] [--agents N] [--history-days N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from sqlalchemy import create_engine

from bench.sweep_data import NOW, generate
from scheduler.config import NudgeRules
from scheduler.sweep import Sweeper
from storage.crypto import FieldCipher
from storage.db import make_engine, normalise_url
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory

DAY = date(2026, 11, 24)


def run(url: str, clients: int, agents: int, history_days: int) -> dict[str, float]:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    generate(engine, agents, clients)
    generated = time.perf_counter() - started
    uow = UnitOfWorkFactory(engine,
                            FieldCipher(Fernet.generate_key()))
    sweeper = Sweeper(uow, NudgeRules(), ZoneInfo("Asia/Shanghai"))
    history = [sweep_past_day(sweeper, days_before) for days_before in range(history_days, 0, -1)]
    (backlog_seconds, backlog), *running = history
    started = time.perf_counter()
    first = sweeper.sweep_day(DAY, NOW)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = sweeper.sweep_day(DAY, NOW)
    second_seconds = time.perf_counter() - started
    # memory is measured on the next day's sweep: tracing slows Python down several times
    tracemalloc.start()
    sweeper.sweep_day(DAY + timedelta(days=1), NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # a scheduler tick once today and tomorrow are swept (every 30 minutes all day)
    started = time.perf_counter()
    tick = sweeper.catch_up(NOW)
    tick_seconds = time.perf_counter() - started
    engine.dispose()
    running_seconds = [seconds for seconds, _ in running] or [0.0]
    return {"generated_s": generated, "backlog_s": backlog_seconds, "backlog_rows": backlog,
            "history_days": history_days, "history_mean_s": statistics.mean(running_seconds),
            "history_max_s": max(running_seconds),
            "first_s": first_seconds, "first_rows": first,
            "second_s": second_seconds, "second_rows": second, "peak_mb": peak / 2**20,
            "tick_s": tick_seconds, "tick_rows": tick}


def sweep_past_day(sweeper: Sweeper, days_before: int) -> tuple[float, int]:
    """Sweep the day ``days_before`` the measured one, as the bot did on it (at 09:00 in
    Shanghai); returns the seconds it took and the nudges it inserted."""
    started = time.perf_counter()
    inserted = sweeper.sweep_day(DAY - timedelta(days=days_before),
                                 NOW - timedelta(days=days_before))
    return time.perf_counter() - started, inserted


def _postgres_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(normalise_url(base)).begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def _drop(base: str, schema: str) -> None:
    with create_engine(normalise_url(base)).begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


def report(name: str, figures: dict[str, float]) -> None:
    print(f"sweep ({name}): a day's sweep {figures['first_s']:.2f} s inserting "
          f"{figures['first_rows']:.0f} nudges; second sweep {figures['second_s']:.2f} s "
          f"inserting {figures['second_rows']:.0f}; peak traced memory of one sweep "
          f"{figures['peak_mb']:.0f} MB; a later tick (catch-up) {figures['tick_s']:.2f} s "
          f"inserting {figures['tick_rows']:.0f} (data generation {figures['generated_s']:.0f} s; "
          f"target ≤ 5 s, second = 0); the archive's very first sweep, "
          f"{figures['history_days']:.0f} days before, {figures['backlog_s']:.2f} s inserting "
          f"{figures['backlog_rows']:.0f}; the days after it: mean "
          f"{figures['history_mean_s']:.2f} s, slowest {figures['history_max_s']:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep_bench")
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--history-days", type=int, default=30,
                        help="days swept before the measured one (≥ 1; the first is the "
                             "archive's first sweep)")
    args = parser.parse_args(argv)
    if args.history_days < 1:
        parser.error("--history-days must be at least 1")
    folder = Path(tempfile.mkdtemp(prefix="dangan-sweep-"))
    report("SQLite", run(f"sqlite:///{folder / 'sweep.db'}", args.clients, args.agents,
                           args.history_days))
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if base:
        url, schema = _postgres_url(base)
        try:
            report("PostgreSQL", run(url, args.clients, args.agents, args.history_days))
        finally:
            _drop(base, schema)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sweep benchmark process peak RSS {rss:.0f} MB ({args.clients:,} clients, "
          f"{args.agents:,} agents)")


if __name__ == "__main__":
    main()
