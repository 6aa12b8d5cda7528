"""`python -m bot …`: run, chat, migrate, demo, agent, invite, clients, show.

Only the argument parser is loaded before the arguments are read: ``--help`` and a mistyped
option answer at once; the commands themselves (bot/cli_commands.py) load the bot.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date


def _days(largest: int) -> Callable[[str], int]:
    """An argparse type: a whole number of days from 1 to ``largest``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"天数应是整数：{text}") from None
        if not 1 <= value <= largest:
            raise argparse.ArgumentTypeError(f"天数应在 1 到 {largest} 之间")
        return value

    return parse


def _login_name() -> str:
    """The user's login name; "终端" where there is none (a container's bare uid)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "终端"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="档案助手：客户档案聊天助手")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="启动所有已配置的渠道（未配置时为终端）和定时提醒")
    run.add_argument("--agent", default=_login_name(), help="终端渠道使用的经纪人名")
    chat = commands.add_parser("chat", help="以某位经纪人的身份在终端里对话（支持管道输入）")
    chat.add_argument("--agent", required=True, help="经纪人名（内置 SQLite 模式下首次使用时创建）")
    commands.add_parser("migrate", help="把数据库升级到最新结构")
    demo = commands.add_parser("demo", help="为某位经纪人载入 domain.md 中的示例客户")
    demo.add_argument("--agent", required=True)
    agent = commands.add_parser("agent", help="经纪人管理")
    agent_commands = agent.add_subparsers(dest="agent_command", required=True, metavar="ACTION")
    add = agent_commands.add_parser("add", help="新增经纪人")
    add.add_argument("name")
    add.add_argument("--telegram", help="Telegram 用户 ID")
    add.add_argument("--wechat", help="微信联系人 ID")
    add.add_argument("--leader", action="store_true", help="团队负责人")
    bind = agent_commands.add_parser(
        "bind", help="给已有经纪人绑定聊天账号（如停用后恢复，或换了手机号）")
    bind.add_argument("name")
    bind.add_argument("--telegram", help="Telegram 用户 ID")
    bind.add_argument("--wechat", help="微信联系人 ID")
    agent_commands.add_parser("list", help="列出经纪人")
    terminal = agent_commands.add_parser(
        "terminal", help="让已有经纪人（如通过邀请码注册的）也能在终端使用（请先确认是本人）")
    terminal.add_argument("name")
    remove = agent_commands.add_parser(
        "remove", help="停用经纪人：解除其所有聊天账号的绑定（资料保留）")
    remove.add_argument("name")
    invite = commands.add_parser("invite", help="生成一次性邀请码（/start 邀请码 或 绑定 邀请码）")
    invite.add_argument("--leader", action="store_true", help="注册为团队负责人")
    invite.add_argument("--days", type=_days(365), default=7, help="有效天数（1–365，默认 7）")
    invite_commands = invite.add_subparsers(dest="invite_command", metavar="ACTION")
    revoke = invite_commands.add_parser("revoke", help="作废尚未使用的邀请码")
    revoke.add_argument("codes", nargs="*", metavar="CODE", help="要作废的邀请码")
    revoke.add_argument("--all", action="store_true", help="作废所有未使用的邀请码")
    clients = commands.add_parser("clients", help="导出某位经纪人的全部客户")
    clients.add_argument("--agent", required=True)
    clients.add_argument("--json", action="store_true", help="输出 JSON 数组")
    show = commands.add_parser("show", help="显示一位客户")
    show.add_argument("--agent", required=True)
    show.add_argument("client", help="客户姓名或 #编号")
    show.add_argument("--json", action="store_true", help="输出 JSON")
    nudges = commands.add_parser("nudges", help="列出某天到期的提醒（只看，不发送）")
    nudges.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    nudges.add_argument("--days", type=_days(366), default=1,
                        help="从该日起连续几天（1–366，默认 1）")
    nudges.add_argument("--agent", help="只看某位经纪人")
    nudges.add_argument("--json", action="store_true", help="每条提醒一个 JSON 对象")
    commands.add_parser("sweep", help="立即运行一次提醒扫描（今天），并生成到时的晨报")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # In a terminal chat, log lines would interleave with the conversation: warnings only.
    chatting = args.command == "chat" or (
        args.command == "run" and not os.environ.get("TELEGRAM_TOKEN")
        and not os.environ.get("WECHATY_PUPPET_SERVICE_TOKEN"))
    logging.basicConfig(level=logging.WARNING if chatting else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from bot.cli_commands import execute

    return execute(args)
