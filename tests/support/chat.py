"""Drive the real router as an agent would, one message at a time."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.agents_admin import terminal_agent
from bot.bootstrap import App
from bot.channels.text_render import render_plain
from handlers.types import Incoming, Reply

_message_ids = itertools.count(1)


@dataclass
class ChatDriver:
    app: App
    agent: str
    platform: str = "terminal"
    last: list[Reply] = field(default_factory=list)

    @classmethod
    def for_new_agent(cls, app: App, name: str) -> ChatDriver:
        terminal_agent(app, name, create=True)
        return cls(app, name)

    def send(self, text: str, message_id: str | None = None) -> str:
        """Send one message; returns all replies rendered as the terminal shows them."""
        incoming = Incoming(platform=self.platform, user_id=self.agent, chat_id=self.agent,
                            text=text, message_id=message_id or f"m{next(_message_ids)}")
        self.last = self.app.router.handle(incoming)
        return "\n".join(render_plain(reply) for reply in self.last)

    def script(self, *texts: str) -> str:
        """Send several messages; returns the replies to the last one."""
        output = ""
        for text in texts:
            output = self.send(text)
        return output

    @property
    def options(self) -> list[str]:
        return [option.value for reply in self.last for option in reply.options]
