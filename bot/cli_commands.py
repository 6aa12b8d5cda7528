"""The command line's commands, once its arguments are read (bot/cli.py): each builds the app
(migrating the database if it is behind), does its one thing and says what it did."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bot.agents_admin import (
    AdminError,
    add_agent,
    bind_accounts,
    create_invite,
    list_agents,
    open_terminal,
    remove_agent,
    revoke_invites,
    terminal_agent,
)
from bot.bootstrap import App, build_app
from bot.queries import export_clients, preview_nudges, show_card, show_client
from bot.runner import ChannelStartFailed, run_all, run_terminal
from bot.settings import ConfigError, Secrets, load_settings
from handlers.demo import load_demo
from storage.db import connection_problem
from storage.migrate import DatabaseNewer, MigrationRefused, current_revision, upgrade


def execute(args: argparse.Namespace) -> int:
    """Run the parsed command; the exit status (2: refused, with the reason on stderr)."""
    try:
        settings = load_settings()
        if args.command == "migrate":
            print(_migrate(settings.database_url))
            return 0
        app = build_app(settings, Secrets.from_env())
        try:
            return _dispatch(app, args)
        finally:
            app.dispose()
    except (ConfigError, AdminError, ChannelStartFailed) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    except DatabaseNewer as error:
        print(f"错误：{error}。", file=sys.stderr)
        return 2
    except MigrationRefused as error:
        print(f"错误：数据库升级没有进行，数据未改动（{error}）。请先修复数据库或恢复备份。",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        reason = connection_problem(error)  # unreachable, no such database, refused login
        if reason is None:
            raise
        print(f"错误：无法连接数据库（{reason}）。请检查 DATABASE_URL 和数据库服务。",
              file=sys.stderr)
        return 2


def _migrate(url: str) -> str:
    """Upgrade the database; say whether it was created, upgraded or already current."""
    before = current_revision(url)
    upgrade(url)
    after = current_revision(url)
    if before is None:
        return f"已创建数据库结构（版本 {after}）。"
    if before != after:
        return f"数据库结构已从版本 {before} 升级到 {after}。"
    return f"数据库已是最新结构（版本 {after}），未做改动。"


def _dispatch(app: App, args: argparse.Namespace) -> int:
    embedded = app.settings.database_url.startswith("sqlite")
    if args.command == "run":
        if not app.secrets.telegram_token and not app.secrets.wechaty_token:
            terminal_agent(app, args.agent, create=embedded)
        asyncio.run(run_all(app, args.agent))
    elif args.command == "chat":
        terminal_agent(app, args.agent, create=embedded)
        asyncio.run(run_terminal(app, args.agent))
    elif args.command == "demo":
        agent_id = terminal_agent(app, args.agent, create=True)
        with app.uow() as uow:
            conversation = uow.conversations.by_agent(agent_id)
            assert conversation is not None
            names = load_demo(uow, conversation.agent, app.clock.now(),
                              app.settings.handler_config())
            uow.commit()
        print(f"已为 {args.agent} 载入示例客户：{'、'.join(names)}")
    elif args.command == "agent" and args.agent_command == "add":
        add_agent(app, args.name, args.telegram, args.wechat, args.leader)
        print(f"已新增经纪人 {args.name}")
    elif args.command == "agent" and args.agent_command == "terminal":
        open_terminal(app, args.name)
        print(f"经纪人 {args.name} 现在可以在终端使用：python -m bot chat --agent {args.name}")
    elif args.command == "agent" and args.agent_command == "bind":
        bound = bind_accounts(app, args.name, args.telegram, args.wechat)
        print(f"已为经纪人 {args.name} 绑定：{'、'.join(bound)}")
    elif args.command == "agent" and args.agent_command == "remove":
        _print_removed(args.name, remove_agent(app, args.name))
    elif args.command == "agent":
        _print_json(list_agents(app))
    elif args.command == "invite" and args.invite_command == "revoke":
        if bool(args.codes) == args.all:
            raise AdminError("请写出要作废的邀请码，或用 --all 作废所有未使用的邀请码")
        print(f"已作废 {revoke_invites(app, args.codes)} 个未使用的邀请码。")
    elif args.command == "invite":
        print(create_invite(app, args.leader, args.days))
    elif args.command == "nudges":
        _print_nudges(app, args)
    elif args.command == "sweep":
        created = app.nudges.sweep_now()
        result = app.nudges.tick()
        print(f"扫描完成：新增 {created + result.nudges} 条提醒，生成 {result.digests} 份晨报。")
    elif args.command == "clients":
        rows = export_clients(app, args.agent)
        if args.json:
            _print_json(rows)
        else:
            for row in rows:
                print(f"#{row['id']} {row['name']}【{row['tier']}】{row['city'] or ''} "
                      f"{'、'.join(row['tags'])}")
    elif args.command == "show":
        if args.json:
            _print_json(show_client(app, args.agent, args.client))
        else:
            print(show_card(app, args.agent, args.client))
    return 0


def _print_removed(name: str, unbound: list[str]) -> None:
    accounts = "、".join(unbound) if unbound else "（没有绑定的账号）"
    print(f"已停用经纪人 {name}：解除绑定 {accounts}，这些账号不会再得到任何回复，"
          "等待发送的提醒已撤回。\n"
          f"其客户资料仍保留在数据库中。如需删除：可先导出备份（python -m bot clients "
          f"--agent {name} --json），再由管理员运行 python -m bot agent terminal {name}，"
          f"然后用 python -m bot chat --agent {name} 逐一发送 /delete 客户姓名。")


def _print_nudges(app: App, args: argparse.Namespace) -> None:
    rows = preview_nudges(app, args.date, args.days, args.agent)
    if args.json:
        _print_json(rows)
        return
    for row in rows:
        print(f"{row['date']} [{row['agent']}] {row['text']}")


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))
