"""Telegram channel settings and constants: the command menu, webhook mode."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "绑定邀请码"),
    ("record", "记录客户档案"),
    ("note", "快速笔记"),
    ("find", "查找客户"),
    ("card", "查看档案"),
    ("notes", "全部笔记和往来记录"),
    ("book", "按分层列出客户"),
    ("tier", "调整分层"),
    ("tag", "添加或删除标签"),
    ("policy", "录入保单或改状态"),
    ("family", "录入家人"),
    ("delete", "删除保单、家人或客户"),
    ("referral", "登记转介绍"),
    ("meet", "登记见面"),
    ("salon", "沙龙"),
    ("settings", "设置"),
    ("help", "帮助"),
    ("cancel", "取消"),
)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
FAILURE_TEXT = "抱歉，处理这条消息时出错了，请稍后再试。"
# Telegram allows 1-256 of these; we ask for 32+ so the secret cannot be guessed.
SECRET_MIN = 32
_SECRET = re.compile(rf"^[A-Za-z0-9_-]{{{SECRET_MIN},256}}$")


@dataclass(frozen=True, kw_only=True)
class TelegramWebhook:
    """Webhook mode: PTB listens on ``listen:port/url_path``; Telegram posts to ``url``."""

    url: str  # the public HTTPS URL handed to setWebhook
    secret_token: str = field(repr=False)  # checked by PTB on every request (403 otherwise)
    listen: str = "127.0.0.1"
    port: int = 8443
    url_path: str = "telegram"

    def __post_init__(self) -> None:
        if not _SECRET.match(self.secret_token):
            raise ValueError(
                f"webhook secret_token must be {SECRET_MIN}-256 characters of A-Z a-z 0-9 _ -")


class TelegramStartError(RuntimeError):
    """The channel could not start (bad token, unreachable Bot API, port in use...)."""
