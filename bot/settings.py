"""config.yaml → validated settings; secrets only from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from handlers.config import HandlerConfig, NoteKeywordsConfig
from handlers.template import Templates
from handlers.tiers import TierRules
from scheduler.config import NudgeRules

# libyaml's safe loader when PyYAML has it (about 8× faster: every command-line call reads the
# file), else the pure-Python one; both build only plain values.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"


def _parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError:
        if _SAFE_LOADER is yaml.SafeLoader:
            raise
        # libyaml's error names the line and column only; the pure-Python parser's also quotes
        # the line with a caret under the fault, which is what an operator needs to fix it
        return yaml.load(text, Loader=yaml.SafeLoader)


class ConfigError(Exception):
    """config.yaml is missing or invalid; the message names the key and what is expected."""


class WebhookSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    public_url: str = ""
    url_path: str = "telegram"


class TelegramSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = WebhookSettings()


class WeChatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_gap_seconds: float = Field(3.0, ge=0)
    daily_cap: int = Field(300, ge=1)


class ChannelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    telegram: TelegramSettings = TelegramSettings()
    wechat: WeChatSettings = WeChatSettings()


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_url: str = "sqlite:///data/dangan.db"
    key_file: str = "~/.config/dangan/secret.key"
    timezone: str = "Asia/Shanghai"
    tiers: TierRules = TierRules()
    channels: ChannelSettings = ChannelSettings()
    note_keywords: NoteKeywordsConfig = NoteKeywordsConfig()
    nudges: NudgeRules = NudgeRules()
    templates: Templates

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"没有「{value}」这个时区（如 Asia/Shanghai）") from None
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """As pydantic shows it, with the database password starred (repr, str, logs)."""
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "database_url" else value

    @property
    def zone(self) -> ZoneInfo:
        """The bot's time zone (also an agent's, when the one stored is unusable)."""
        return ZoneInfo(self.timezone)

    def handler_config(self) -> HandlerConfig:
        return HandlerConfig(templates=self.templates, tiers=self.tiers,
                             note_keywords=self.note_keywords,
                             salon_invite_days_before=self.nudges.salon_invite_days_before,
                             zone=self.zone)


def redact_url(url: str) -> str:
    """A database URL with its password (in the address or as ``password=``) starred."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:***@{host}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing to hide (and sqlite:/// keeps its form)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class Secrets(BaseModel):
    """Read from the environment only; never logged (repr hides the values)."""

    secret_key: str | None = Field(None, repr=False)
    telegram_token: str | None = Field(None, repr=False)
    telegram_base_url: str | None = None
    telegram_webhook_secret: str | None = Field(None, repr=False)
    wechaty_token: str | None = Field(None, repr=False)
    wechaty_endpoint: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Secrets:
        """Raises ConfigError for half a WeChat configuration (it would be ignored)."""
        env = dict(os.environ) if env is None else env
        wechat = ("WECHATY_PUPPET_SERVICE_TOKEN", "WECHATY_PUPPET_SERVICE_ENDPOINT")
        given = [name for name in wechat if env.get(name)]
        if len(given) == 1:
            missing = next(name for name in wechat if name not in given)
            raise ConfigError(f"微信需要同时设置 {wechat[0]} 和 {wechat[1]}：已设置 {given[0]}，"
                              f"缺少 {missing}")
        return cls(
            secret_key=env.get("DANGAN_SECRET_KEY") or None,
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_base_url=env.get("TELEGRAM_BASE_URL") or None,
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            wechaty_token=env.get("WECHATY_PUPPET_SERVICE_TOKEN") or None,
            wechaty_endpoint=env.get("WECHATY_PUPPET_SERVICE_ENDPOINT") or None,
        )


def load_settings(path: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Load and validate config.yaml; ``DATABASE_URL`` in the environment wins.

    A relative SQLite path or ``key_file`` in config.yaml is relative to the folder of that
    config.yaml, not to the current directory (from elsewhere the bot would otherwise open a
    new, empty archive). A relative path in ``DATABASE_URL`` stays relative to the current
    directory, as any path given in the shell.
    """
    path = path or Path(os.environ.get("DANGAN_CONFIG", DEFAULT_CONFIG))
    env = dict(os.environ) if env is None else env
    try:
        raw = _parse_yaml(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as error:
        raise ConfigError(f"找不到配置文件 {path}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"配置文件 {path} 不是合法的 YAML：{error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"配置文件 {path} 的顶层应是键值对")
    if env.get("DATABASE_URL"):
        raw["database_url"] = env["DATABASE_URL"]
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_describe(path, error)) from error
    folder = path.resolve().parent
    key_file = Path(settings.key_file).expanduser()
    anchored = {"key_file": str(folder / key_file)}  # an absolute key_file stays as it is
    if not env.get("DATABASE_URL"):
        anchored["database_url"] = anchor_sqlite_path(settings.database_url, folder)
    return settings.model_copy(update=anchored)


def anchor_sqlite_path(url: str, folder: Path) -> str:
    """A SQLite URL whose relative file path is made absolute against ``folder``; any other
    URL (PostgreSQL, an absolute path, in-memory) as it is."""
    scheme, separator, rest = url.partition(":///")
    if not scheme.startswith("sqlite") or not separator:
        return url
    path, query, params = rest.partition("?")
    if not path or path == ":memory:" or path.startswith(("/", "file:")):
        return url
    return f"{scheme}:///{folder / path}{query}{params}"


def _describe(path: Path, error: ValidationError) -> str:
    lines = [f"配置文件 {path} 有误："]
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(顶层)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)
