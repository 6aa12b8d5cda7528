"""The one wiring place: settings → engine, key, unit of work, router."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.settings import Secrets, Settings
from handlers.router import Router
from handlers.types import Clock, SystemClock
from scheduler.housekeeping import Housekeeping
from scheduler.service import NudgeService
from storage.crypto import FieldCipher, load_or_create_key
from storage.db import make_engine, make_single_connection_engine
from storage.loop_connection import LoopConnection
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory


@dataclass
class App:
    settings: Settings
    secrets: Secrets
    uow: UnitOfWorkFactory
    router: Router
    clock: Clock
    nudges: NudgeService
    housekeeping: Housekeeping

    def dispose(self) -> None:
        self.uow.dispose()


def build_app(settings: Settings, secrets: Secrets, clock: Clock | None = None,
              migrate: bool = True) -> App:
    """Create everything the bot needs; applies migrations unless told not to."""
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    key = load_or_create_key(secrets.secret_key, Path(settings.key_file).expanduser())
    single = make_single_connection_engine(settings.database_url)
    loop = LoopConnection(single) if single is not None else None
    uow = UnitOfWorkFactory(engine, FieldCipher(key), loop)
    clock = clock or SystemClock()
    router = Router(uow, clock, settings.handler_config())
    nudges = NudgeService(uow, clock, settings.nudges, settings.timezone)
    return App(settings=settings, secrets=secrets, uow=uow, router=router, clock=clock,
               nudges=nudges, housekeeping=Housekeeping(uow, clock))
