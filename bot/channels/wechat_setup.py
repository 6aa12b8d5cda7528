"""Build the WeChat channel from the app's secrets and settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.bootstrap import App
from bot.channels.wechat import WeChatChannel


def local_clock(app: App) -> Callable[[], datetime]:
    """The account's local wall-clock time (aware, in ``settings.timezone``) from the app's
    clock, which gives naive UTC; the daily cap restarts at this clock's midnight."""
    zone = ZoneInfo(app.settings.timezone)

    def now() -> datetime:
        return app.clock.now().replace(tzinfo=UTC).astimezone(zone)

    return now


class ArchiveSendCount:
    """The account's daily count of sent messages, kept in the archive's database."""

    def __init__(self, app: App) -> None:
        self._app = app

    def add(self, account: str, day: date, sent: int) -> int:
        with self._app.uow() as uow:
            total = uow.send_counts.add(account, day, sent)
            uow.commit()
        return total


def wechat_channel(app: App, **overrides: Any) -> WeChatChannel:
    """``overrides``: further ``WeChatChannel`` keyword arguments (tests: ``reconnect_delay``)."""
    token, endpoint = app.secrets.wechaty_token, app.secrets.wechaty_endpoint
    if not token or not endpoint:
        raise ValueError(
            "WeChat needs WECHATY_PUPPET_SERVICE_TOKEN and WECHATY_PUPPET_SERVICE_ENDPOINT"
        )
    wechat = app.settings.channels.wechat
    options: dict[str, Any] = {
        "token": token,
        "endpoint": endpoint,
        "daily_cap": wechat.daily_cap,
        "min_gap_seconds": wechat.min_gap_seconds,
        "clock": local_clock(app),
        "shared_count": ArchiveSendCount(app),
        **overrides,
    }
    return WeChatChannel(**options)
