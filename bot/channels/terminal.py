"""The terminal channel: one input line is one message; replies print as they are produced."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.channels.base import MessageHandler
from bot.channels.text_render import render_plain
from handlers.types import Incoming, Reply


class TerminalChannel:
    platform = "terminal"

    def __init__(self, agent_name: str, stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> None:
        self.agent_name = agent_name
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._interactive = self._stdin.isatty()
        self._task: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()

    async def start(self, on_message: MessageHandler) -> None:
        if self._interactive:
            self._print(f"档案助手 · 终端（经纪人：{self.agent_name}）。"
                        "发送 /help 查看用法，Ctrl-D 退出。")
        self._task = asyncio.create_task(self._read_loop(on_message))

    async def _read_loop(self, on_message: MessageHandler) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                if self._interactive:
                    self._stdout.write("> ")
                    self._stdout.flush()
                line = await loop.run_in_executor(None, self._stdin.readline)
                if not line:
                    break
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                incoming = Incoming(platform=self.platform, user_id=self.agent_name,
                                    chat_id=self.agent_name, text=text,
                                    display_name=self.agent_name)
                for reply in await on_message(incoming):
                    self._print(render_plain(reply))
        finally:
            self.finished.set()

    async def stop(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()

    async def send(self, chat_id: str, replies: list[Reply], skip_parts: int = 0) -> None:
        """Pushes (reminders) print as they arrive while `run` is active, one part a reply."""
        for reply in replies[skip_parts:]:
            self._print("🔔 " + render_plain(reply))

    def _print(self, text: str) -> None:
        self._stdout.write(text + "\n\n")
        self._stdout.flush()
