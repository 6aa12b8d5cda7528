"""APScheduler wiring only: a few fixed jobs, coalesced, no misfire limit, a catch-up at start.

Job stores stay in memory on purpose: correctness lives in the database (unique nudge keys,
outbox dedupe keys), so every process can run the same jobs without sharing a job store.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.service import NudgeService

JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}


def start_scheduler(service: NudgeService, timezone: str,
                    tick_minutes: int = 5) -> AsyncIOScheduler:
    """Start the jobs in the running event loop; the first tick (the catch-up) runs at once."""
    scheduler = AsyncIOScheduler(timezone=timezone, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(service.tick, "interval", minutes=tick_minutes, id="tick",
                      next_run_time=datetime.now(ZoneInfo(timezone)))
    scheduler.start()
    return scheduler
