"""A fake server (Bot API or puppet service), or a bot under test, in a process of its own,
driven over a pipe.

Why a process: a real Bot API server or puppet service does its work elsewhere. Inside the
bot's process the fake's request handling would compete with the bot for the GIL, and a bot
that answers from a worker thread (ours does, so database waits never stall the event loop)
would pay for that contention where a bare echo bot answering on the event loop does not.

Round trips are timed inside the fake's process: from just before the message is injected to
the arrival of the reply, both on the system-wide monotonic clock. The pipe is not timed.

``cores``: the CPU cores the fake may run on (``separate_cores``). A real service runs on
another machine; on a small one the kernel may otherwise place the fake on the bot's core,
where its work waits for the bot's or interrupts it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

Op = Callable[..., Awaitable[Any]]


async def _telegram(setup: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Op]]:
    from tests.fakes.telegram_api import FakeBotApi

    fake = await FakeBotApi().start()

    async def round_trip(user_id: int, text: str) -> tuple[float, int]:
        """Inject a text; the time until the first reply, and the replies there were before."""
        before = len(fake.sent_messages(user_id))
        started = time.monotonic()
        fake.inject_message(text, user_id=user_id)
        calls = await fake.wait_for_messages(user_id, before + 1, timeout=10)
        return calls[before].at - started, before

    async def wait_messages(user_id: int, count: int) -> None:
        await fake.wait_for_messages(user_id, count, timeout=10)

    async def sent_count(user_id: int) -> int:
        return len(fake.sent_messages(user_id))

    info = {"token": fake.token, "base_url": fake.base_url}
    ops = {"round_trip": round_trip, "wait_messages": wait_messages, "sent_count": sent_count}
    return fake, info, ops


async def _wechat(setup: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Op]]:
    """``setup["services"]`` puppet services (one WeChat account each, default 1), so that
    several bots can be logged in at once; ops name the service by its index."""
    from tests.fakes.wechat_puppet import FakePuppetService

    fakes = [FakePuppetService(self_id=f"wxid_bot{index}")
             for index in range(setup.get("services", 1))]
    for fake in fakes:
        for contact_id, name in setup.get("contacts", {}).items():
            fake.add_contact(contact_id, name)
        await fake.start()

    async def round_trip(service: int, contact_id: str, text: str) -> tuple[float, float]:
        """Inject a text; when, and when the first reply arrived."""
        fake = fakes[service]
        before = len(fake.sent)
        started = time.monotonic()
        fake.inject_text(contact_id, text)
        sent = await fake.wait_for_sent(before + 1)
        return started, float(sent[before].at)

    async def drop_stream(service: int) -> None:
        fakes[service].drop_stream()

    info = {"endpoints": [fake.endpoint for fake in fakes]}
    return _Fakes(fakes), info, {"round_trip": round_trip, "drop_stream": drop_stream}


class _Fakes:
    """Several fakes stopped as one."""

    def __init__(self, fakes: list[Any]) -> None:
        self._fakes = fakes

    async def stop(self) -> None:
        for fake in self._fakes:
            await fake.stop()


async def _wechat_bot(setup: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Op]]:
    from bench.wechat_bots import serve_bot

    return await serve_bot(setup)


_KINDS = {"telegram": _telegram, "wechat": _wechat, "wechat_bot": _wechat_bot}


def separate_cores() -> tuple[set[int], set[int]] | None:
    """The cores for the bench's process and those for the fake (the last one), or None when
    this process may run on one core only (or the system cannot tell)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    return set(cores[:-1]), {cores[-1]}


def _serve(conn: Connection, kind: str, setup: dict[str, Any], cores: set[int] | None) -> None:
    if cores:
        os.sched_setaffinity(0, cores)
    asyncio.run(_serve_async(conn, kind, setup))


async def _serve_async(conn: Connection, kind: str, setup: dict[str, Any]) -> None:
    fake, info, ops = await _KINDS[kind](setup)
    conn.send(info)
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[tuple[str, tuple[Any, ...]] | None] = asyncio.Queue()

    def readable() -> None:
        try:
            commands.put_nowait(conn.recv())
        except EOFError:  # the bench process went away
            loop.remove_reader(conn.fileno())
            commands.put_nowait(None)

    loop.add_reader(conn.fileno(), readable)
    try:
        while (command := await commands.get()) is not None:
            name, args = command
            if name == "stop":
                break
            try:
                conn.send(("ok", await ops[name](*args)))
            except Exception as error:  # report it to the bench, which raises it
                conn.send(("error", repr(error)))
    finally:
        await fake.stop()
        conn.send(("ok", None))


class FakeProcess:
    """``info`` (where to connect) once started; ``await call(op, *args)`` runs an op.
    ``kind``: "telegram" or "wechat" (a fake server), "wechat_bot" (bench/wechat_bots.py)."""

    def __init__(self, kind: str, setup: dict[str, Any] | None = None,
                 cores: set[int] | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, kind, setup or {}, cores),
                                        daemon=True)
        self.info: dict[str, Any] = {}

    async def start(self) -> FakeProcess:
        self._process.start()
        self.info = await self._receive()
        return self

    async def call(self, name: str, *args: Any) -> Any:
        self._conn.send((name, args))
        status, value = await self._receive()
        if status != "ok":
            raise RuntimeError(f"fake {name} failed: {value}")
        return value

    async def stop(self) -> None:
        if self._process.is_alive():
            await self.call("stop")
        self._process.join(10)

    async def _receive(self) -> Any:
        """The next message on the pipe, without blocking the event loop (the bot runs on it)."""
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = self._conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        return self._conn.recv()
