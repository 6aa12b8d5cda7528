"""What a command sees while handling one message inside one unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from handlers.config import HandlerConfig
from handlers.types import Reply
from handlers.when import local_now, zone_of
from storage.clients import ClientRepository
from storage.conversations import AgentInfo
from storage.masking import mask_numbers
from storage.models import Client
from storage.uow import UnitOfWork


@dataclass
class Context:
    uow: UnitOfWork
    agent: AgentInfo  # read-only here; settings change the row through uow.agents
    now: datetime
    config: HandlerConfig
    # The session slots, written back after the command: the active form, and a pending
    # question (which client did you mean / which facts to keep) answered by the next message.
    form: dict[str, Any] | None = None
    pending: dict[str, Any] | None = None
    notices: list[Reply] = field(default_factory=list)
    # The pending question the message answered (set while the command it chose runs).
    picked: dict[str, Any] | None = None

    @cached_property
    def zone(self) -> ZoneInfo:
        """The agent's time zone: stored times (UTC) are shown in it."""
        return zone_of(self.agent.timezone, self.config.zone)

    @cached_property
    def today(self) -> date:
        """The agent's local date (the day "today" means to them)."""
        return local_now(self.now, self.zone).date()

    @cached_property
    def clients(self) -> ClientRepository:
        """The agent's clients (opened on first use: most messages never need them)."""
        return self.uow.clients(self.agent.id)

    def audit(self, action: str, client: Client | None = None, detail: str = "") -> None:
        """An audit entry; numbers in ``detail`` are masked (it may quote what was typed)."""
        self.uow.audit.write(self.agent.id, action, self.now,
                             client_id=client.id if client else None,
                             detail=mask_numbers(detail))

    def touch(self, client: Client) -> None:
        """A logged contact: resets the follow-up clock (open follow-ups are closed)."""
        client.last_contact_at = self.now
        self.uow.nudges(self.agent.id).close_followups(client.id)
