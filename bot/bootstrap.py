"""The one wiring place: settings → engine, key, unit of work, router."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.settings import ConfigError, Secrets, Settings
from handlers.router import Router
from handlers.types import Clock, SystemClock
from scheduler.housekeeping import Housekeeping
from scheduler.service import NudgeService
from storage.crypto import FieldCipher, create_key_file, read_key
from storage.db import make_engine, make_single_connection_engine
from storage.key_check import KeyMismatch, KeyRecord
from storage.loop_connection import LoopConnection
from storage.migrate import HEAD, bring_up_to_date
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

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
    upgraded_from = bring_up_to_date(settings.database_url) if migrate else None
    engine = make_engine(settings.database_url)
    try:
        cipher = database_cipher(KeyRecord(engine), settings, secrets)
    except ConfigError as error:
        engine.dispose()
        if upgraded_from is None:
            raise
        # the refusal says no data was changed: true of the data, not of its layout
        raise ConfigError(f"{error}（数据库结构已从版本 {upgraded_from} 升级到 {HEAD}，"
                          "这不影响数据，也不需要密钥。）") from None
    except BaseException:
        engine.dispose()
        raise
    single = make_single_connection_engine(settings.database_url)
    loop = LoopConnection(single) if single is not None else None
    uow = UnitOfWorkFactory(engine, cipher, loop)
    clock = clock or SystemClock()
    router = Router(uow, clock, settings.handler_config())
    nudges = NudgeService(uow, clock, settings.nudges, settings.timezone)
    return App(settings=settings, secrets=secrets, uow=uow, router=router, clock=clock,
               nudges=nudges, housekeeping=Housekeeping(uow, clock, settings.nudges.catch_up_days))


KEY_FORMAT = ("应是 32 字节的 url-safe base64 编码（44 个字符，以 = 结尾；生成方法见 README 的"
              "「Configuration」一节）")


def database_cipher(record: KeyRecord, settings: Settings, secrets: Secrets) -> FieldCipher:
    """The cipher of the key that seals this database: DANGAN_SECRET_KEY, else ``key_file``.

    A new key file is made only for a database that records no key and holds nothing sealed;
    a malformed key, or one that is not the database's, raises ConfigError (the key is never
    quoted), before anything could be sealed with it.
    """
    key_file = Path(settings.key_file).expanduser()
    try:
        return _database_cipher(record, key_file, secrets)
    except OSError as error:  # a folder where the file should be, no permission…
        raise ConfigError(f"无法读取或创建密钥文件 {key_file}：{error.strerror or error}。"
                          "请检查 config.yaml 的 key_file") from None


def _database_cipher(record: KeyRecord, key_file: Path, secrets: Secrets) -> FieldCipher:
    source = "环境变量 DANGAN_SECRET_KEY" if secrets.secret_key else f"密钥文件 {key_file}"
    key, created = read_key(secrets.secret_key, key_file), False
    if key is None and record.in_use():
        # Another process starting now may have made the file and recorded its key since.
        key = read_key(None, key_file)
        if key is None:
            raise ConfigError(
                f"数据库里的数据是用一把密钥加密的，但没有找到它（没有设置 DANGAN_SECRET_KEY，"
                f"也没有密钥文件 {key_file}）。请设置 DANGAN_SECRET_KEY 或放回原来的密钥文件；"
                f"没有生成新密钥，数据未改动。")
    if key is None:
        key, created = create_key_file(key_file)
        if created:
            log.warning("已生成新的密钥文件 %s：请把它和数据库分开备份，"
                        "没有它，加密的客户资料无法读取", key_file)
    try:
        cipher = FieldCipher(key)
    except ValueError:
        raise ConfigError(f"{source} 格式不对：{KEY_FORMAT}。") from None
    try:
        record.adopt(cipher)
    except KeyMismatch:
        if created:  # made a moment ago and never used: another process recorded its key
            key_file.unlink(missing_ok=True)
        raise ConfigError(
            f"{source} 不是这个数据库的密钥：数据是用另一把密钥加密的。请换回原来的密钥再启动"
            f"（所有进程、所有主机用同一把）；机器人没有启动，数据未改动。") from None
    return cipher
