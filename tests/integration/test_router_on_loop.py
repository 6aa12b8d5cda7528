"""On SQLite the router answers on the event loop, unless it would wait; then in a worker thread.

"Would wait": another connection (the delivery worker, the scheduler's sweep, a second process)
holds SQLite's write lock. The loop must never sit in busy_timeout, and the message must not
be lost or half-handled on the way to the thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.runner import message_handler
from handlers.types import Incoming
from storage.db import DatabaseBusy


def _incoming(text: str, message_id: str) -> Incoming:
    return Incoming("terminal", "王芳", "王芳", text, message_id=message_id)


@pytest.fixture
def writer(app, database_url: str) -> Iterator[sqlite3.Connection]:
    """Another connection to the same SQLite file (``BEGIN IMMEDIATE`` takes the write lock)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL messages always run in a worker thread")
    connection = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None,
                                 check_same_thread=False)
    yield connection
    if connection.in_transaction:
        connection.rollback()
    connection.close()


def test_the_database_decides_where_messages_run(app, chat, database_url):
    on_loop = app.router.handle_now(_incoming("/help", "where-1"))
    assert (on_loop is not None) == database_url.startswith("sqlite")


def test_a_message_that_would_wait_is_left_untouched(app, chat, writer):
    chat.send("/record 张丽华")
    writer.execute("BEGIN IMMEDIATE")
    message = _incoming("女", "busy-1")
    assert app.router.handle_now(message) is None
    writer.commit()
    replies = app.router.handle_now(message)
    # not claimed the first time: handled now, as the answer to the form's first question
    assert replies is not None and "生日是哪天" in replies[0].text


def test_only_the_first_transaction_of_a_unit_gives_up(app, writer):
    now = app.clock.now()
    writer.execute("BEGIN IMMEDIATE")
    with app.uow.on_loop() as uow, pytest.raises(DatabaseBusy):
        uow.conversations.claim_message("terminal", "a", now)
    writer.commit()
    with app.uow.on_loop() as uow:
        assert uow.conversations.claim_message("terminal", "a", now)
        uow.commit()
        # work already committed: a later transaction waits for the lock instead of giving up
        writer.execute("BEGIN IMMEDIATE")
        threading.Timer(0.2, writer.commit).start()
        assert uow.conversations.claim_message("terminal", "b", now)
        uow.commit()
    with app.uow() as uow:
        assert not uow.conversations.claim_message("terminal", "b", now)


async def test_the_event_loop_runs_on_while_a_message_waits_in_a_thread(app, chat, writer):
    chat.send("/record 张丽华")
    writer.execute("BEGIN IMMEDIATE")
    on_message = message_handler(app)
    started = time.monotonic()
    answer = asyncio.create_task(on_message(_incoming("女", "busy-2")))
    await asyncio.sleep(0.1)  # the loop is free: this returns while the message waits
    assert not answer.done() and time.monotonic() - started < 5
    await asyncio.to_thread(writer.commit)
    replies = await asyncio.wait_for(answer, 10)
    assert "生日是哪天" in replies[0].text


async def test_messages_on_the_loop_and_in_threads_give_the_same_answers(app, chat):
    """On every database: the guided record through the channels' callback."""
    chat.send("/record 张丽华")
    on_message = message_handler(app)
    replies = await on_message(_incoming("女", "loop-1"))
    assert "生日是哪天" in replies[0].text
    replies = await on_message(_incoming("女", "loop-1"))  # a redelivery
    assert replies == []
    replies = await on_message(_incoming("保存", "loop-2"))
    assert "✅ 已保存「张丽华」的档案（1 项）" in replies[0].text


def test_the_loops_connection_serves_one_unit_at_a_time(app, chat, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the event loop's connection is SQLite's")
    with app.uow.on_loop():
        assert app.router.handle_now(_incoming("/help", "in-use-1")) is None
    assert app.router.handle_now(_incoming("/help", "in-use-1")) is not None


class GatedExecutor(ThreadPoolExecutor):
    """Worker threads start their jobs only once ``gate`` is set."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.gate = threading.Event()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        def gated():  # type: ignore[no-untyped-def]
            self.gate.wait(10)
            return fn(*args, **kwargs)

        return super().submit(gated)


async def test_an_agents_messages_are_answered_in_order_while_one_waits(app, chat, writer):
    """The first message is sent to a thread (the write lock was taken); the second comes when
    the database is free again but the first has not yet run: it must wait its turn rather
    than overtake the first on the loop."""
    chat.send("/record 张丽华")
    executor = GatedExecutor()
    asyncio.get_running_loop().set_default_executor(executor)
    on_message = message_handler(app)
    writer.execute("BEGIN IMMEDIATE")
    first = asyncio.create_task(on_message(_incoming("女", "order-1")))
    await asyncio.sleep(0.05)  # handle_now gave up; the job waits at the gate
    writer.commit()
    second = asyncio.create_task(on_message(_incoming("1976-3-5", "order-2")))
    await asyncio.sleep(0.05)
    assert not second.done()
    executor.gate.set()
    replies = await asyncio.wait_for(asyncio.gather(first, second), 10)
    assert "生日是哪天" in replies[0][0].text  # 女 answered the first question
    assert "第4/" in replies[1][0].text  # and the birthday the second


def test_a_transaction_left_open_on_the_loops_connection_is_not_carried_on(app, chat, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the event loop's connection is SQLite's")
    app.uow.loop.driver.execute("BEGIN IMMEDIATE")  # as if a unit could not end its own
    app.uow.loop.driver.execute("INSERT INTO processed_messages VALUES ('x', 'left', '2026-11-24')")
    assert app.router.handle_now(_incoming("/help", "after-1")) is not None
    with app.uow() as uow:  # the leftover was rolled back; the message was committed
        assert uow.conversations.claim_message("x", "left", app.clock.now())
        assert not uow.conversations.claim_message("terminal", "after-1", app.clock.now())
