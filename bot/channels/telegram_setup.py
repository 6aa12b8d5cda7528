"""Build the Telegram channel from the app's secrets and settings (polling or webhook)."""

from __future__ import annotations

from typing import Any

from bot.bootstrap import App
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_config import SECRET_MIN, TelegramWebhook
from bot.settings import ConfigError


def telegram_webhook(app: App) -> TelegramWebhook | None:
    """The webhook settings in webhook mode, None in polling mode.

    Raises ConfigError (the CLI prints it and exits) when webhook mode lacks
    ``channels.telegram.webhook.public_url`` or a usable TELEGRAM_WEBHOOK_SECRET.
    """
    telegram = app.settings.channels.telegram
    if telegram.mode != "webhook":
        return None
    hook = telegram.webhook
    secret = app.secrets.telegram_webhook_secret
    missing = []
    if not hook.public_url.strip():
        missing.append("config.yaml 中的 channels.telegram.webhook.public_url")
    if not secret:
        missing.append("环境变量 TELEGRAM_WEBHOOK_SECRET")
    if missing or secret is None:
        raise ConfigError(f"Telegram webhook 模式需要设置：{'、'.join(missing)}")
    try:
        return TelegramWebhook(url=hook.public_url.strip(), secret_token=secret,
                               listen=hook.listen, port=hook.port,
                               url_path=hook.url_path.strip("/"))
    except ValueError:
        raise ConfigError(
            f"TELEGRAM_WEBHOOK_SECRET 须为 {SECRET_MIN}-256 个 A-Z a-z 0-9 _ - 字符"
            f"（现为 {len(secret)} 个；太短的密钥可被猜中，从而伪造消息）。可用以下命令生成："
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        ) from None


def telegram_channel(app: App, **overrides: Any) -> TelegramChannel:
    """``overrides``: further ``TelegramChannel`` keyword arguments (tests: ``poll_timeout``)."""
    token = app.secrets.telegram_token
    if not token:
        raise ConfigError("Telegram 需要环境变量 TELEGRAM_TOKEN")
    options: dict[str, Any] = {
        "token": token,
        "base_url": app.secrets.telegram_base_url,
        "webhook": telegram_webhook(app),
        **overrides,
    }
    return TelegramChannel(**options)
