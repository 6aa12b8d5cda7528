"""APScheduler wiring only: a few fixed jobs, coalesced, no misfire limit, a catch-up at start.

Job stores stay in memory on purpose: correctness lives in the database (unique nudge keys,
outbox dedupe keys), so every process can run the same jobs without sharing a job store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from handlers.safe_log import log_failure
from scheduler.housekeeping import Housekeeping
from scheduler.service import NudgeService

log = logging.getLogger(__name__)
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}


class JobScheduler(AsyncIOScheduler):
    """The jobs are synchronous database work: they run in the scheduler's own threads
    (``job_pool``). Its asyncio executor would borrow the loop's, and cancel, with an ERROR
    and a traceback, every job still running when it shuts down."""

    def __init__(self, **options: object) -> None:
        self.job_pool = ThreadPoolExecutor(max_workers=2)
        super().__init__(executors={"default": self.job_pool}, **options)


def start_scheduler(service: NudgeService, housekeeping: Housekeeping, timezone: str,
                    sweep_minutes: int = 30, push_minutes: int = 5) -> JobScheduler:
    """Start the jobs in the running event loop. The first run of each is now: the sweep's is
    the catch-up after downtime, then the digests that are due go out."""
    scheduler = JobScheduler(timezone=timezone, job_defaults=JOB_DEFAULTS)
    now = datetime.now(ZoneInfo(timezone))
    # One job doing both at start, so the first digest sees the catch-up's nudges.
    def add(job_id: str, job: Callable[[], object], trigger: str, **when: object) -> None:
        scheduler.add_job(logged(job, job_id), trigger, id=job_id, **when)

    add("catch-up", service.tick, "date", run_date=now)
    add("sweep", service.sweep_tick, "interval", minutes=sweep_minutes)
    add("push", service.push_tick, "interval", minutes=push_minutes)
    # at start too: processes may restart often
    add("forget-message-ids", housekeeping.forget_message_ids, "interval", hours=6,
        next_run_time=now)
    add("forget-superseded-nudges", housekeeping.forget_superseded_nudges, "interval",
        hours=24, next_run_time=now)
    add("checkpoint", housekeeping.checkpoint, "interval", minutes=1)
    scheduler.start()
    return scheduler


def logged(job: Callable[[], object], name: str) -> Callable[[], None]:
    """``job``, its failure logged without its message (which may quote client data: a
    database error's failing row) instead of by APScheduler, which logs it whole. The next
    run tries again."""

    def run() -> None:
        try:
            job()
        except Exception as error:
            log_failure(log, f"scheduled job {name} failed", error)

    return run


async def stop_scheduler(scheduler: JobScheduler) -> None:
    """Start no more jobs, then wait (off the event loop) for those running to finish their
    transaction, before the database is closed."""
    scheduler.shutdown(wait=False)
    await asyncio.to_thread(scheduler.job_pool.shutdown, True)
