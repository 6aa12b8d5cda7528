"""Agent administration for the command line: add, list, invite, terminal identities."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.bootstrap import App
from storage.agents import IdentityTaken
from storage.models import Agent
from storage.uow import UnitOfWork

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I look-alikes


class AdminError(Exception):
    """A command-line request that cannot be done; the message says why."""


def add_agent(app: App, name: str, telegram: str | None, wechat: str | None,
              leader: bool) -> Agent:
    if not name.strip() or name != name.strip():
        raise AdminError("经纪人名字不能为空，前后也不能有空格")
    _check_telegram_id(telegram)
    with app.uow() as uow:
        if uow.agents.by_name(name) is not None:
            raise AdminError(f"经纪人「{name}」已存在")
        if len(name) > 48:
            raise AdminError("经纪人名字最多 48 个字")
        agent = uow.agents.add(name, app.clock.now(), app.settings.timezone, is_leader=leader)
        _bind(uow, agent, {"terminal": name, "telegram": telegram, "wechat": wechat})
        uow.audit.write(agent.id, "agent_add", app.clock.now())
        uow.commit()
        return agent


def bind_accounts(app: App, name: str, telegram: str | None, wechat: str | None) -> list[str]:
    """Bind chat accounts to an existing agent (one whose access was removed by mistake, or a
    new phone); their archive is theirs again. Returns what was bound."""
    if not telegram and not wechat:
        raise AdminError("请用 --telegram 或 --wechat 指定要绑定的聊天账号")
    _check_telegram_id(telegram)
    with app.uow() as uow:
        agent = uow.agents.by_name(name)
        if agent is None:
            raise AdminError(f"没有经纪人「{name}」")
        bound = _bind(uow, agent, {"telegram": telegram, "wechat": wechat})
        uow.audit.write(agent.id, "agent_bind", app.clock.now(), detail=", ".join(bound))
        uow.commit()
        return bound


def _check_telegram_id(telegram: str | None) -> None:
    if telegram is not None and not telegram.isdecimal():
        raise AdminError(f"Telegram 用户 ID 应是一串数字（如 12345678），不是「{telegram}」")


def _bind(uow: UnitOfWork, agent: Agent, accounts: dict[str, str | None]) -> list[str]:
    """Bind the given chat accounts (platform → id; None: none) to ``agent``; "platform:id"
    of each. Nothing is bound when one already belongs to another agent."""
    bound = []
    try:
        for platform, account in accounts.items():
            if account:
                uow.agents.bind(agent, platform, account, account)
                bound.append(f"{platform}:{account}")
    except IdentityTaken as taken:
        raise AdminError(f"{taken} 已绑定给另一位经纪人，未做任何更改") from taken
    return bound


def list_agents(app: App) -> list[dict[str, object]]:
    with app.uow() as uow:
        return [
            {"name": agent.name, "leader": agent.is_leader,
             "identities": [f"{i.platform}:{i.external_id}" for i in uow.agents.identities(agent)],
             "clients": uow.clients(agent.id).count()}
            for agent in uow.agents.all()
        ]


def remove_agent(app: App, name: str) -> list[str]:
    """Take away an agent's access: every chat account is unbound (it gets no answers) and
    pushes still waiting are held back. Clients and history stay. Returns what was unbound."""
    now = app.clock.now()
    with app.uow() as uow:
        agent = uow.agents.by_name(name)
        if agent is None:
            raise AdminError(f"没有经纪人「{name}」")
        unbound = uow.agents.unbind_all(agent)
        uow.outbox.withdraw_waiting(agent.id)
        uow.audit.write(agent.id, "agent_remove", now, detail=", ".join(unbound))
        uow.commit()
        return unbound


def revoke_invites(app: App, codes: list[str]) -> int:
    """Withdraw unused invite codes (``codes``, or every one when empty); returns how many."""
    now = app.clock.now()
    with app.uow() as uow:
        count = uow.agents.revoke_invites(now, codes or None)
        uow.audit.write(None, "invite_revoke", now, detail=str(count))
        uow.commit()
        return count


def create_invite(app: App, leader: bool, days: int = 7) -> str:
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(10))
    now = app.clock.now()
    with app.uow() as uow:
        uow.agents.add_invite(code, now, now + timedelta(days=days), is_leader=leader)
        uow.audit.write(None, "invite", now)
        uow.commit()
    return code


def terminal_agent(app: App, name: str, create: bool) -> int:
    """The agent the terminal speaks as: the one holding the terminal identity ``name``.

    Created on first use when ``create``. An existing agent without that identity (one who
    joined by invite code under this display name, or one whose access was removed) is never
    adopted: the person at the terminal would share their archive.
    """
    with app.uow() as uow:
        bound = uow.agents.by_identity("terminal", name)
        if bound is not None:
            return bound.id
        if uow.agents.by_name(name) is not None:
            raise AdminError(
                f"经纪人「{name}」没有终端身份（通过 Telegram/微信邀请码注册，或已被停用），"
                "终端不能以其身份登录，以免两人共用一份档案。请换一个名字，"
                f"如 --agent {name}-终端；若确是本人要在终端使用，"
                f"请管理员运行：python -m bot agent terminal {name}")
        if not create:
            raise AdminError(f"没有经纪人「{name}」，请先运行：python -m bot agent add {name}")
        agent = uow.agents.add(name, app.clock.now(), app.settings.timezone)
        uow.agents.bind(agent, "terminal", name, name)
        uow.commit()
        return agent.id


def open_terminal(app: App, name: str) -> None:
    """Give an existing agent the terminal identity ``name`` (an administrator's decision)."""
    with app.uow() as uow:
        agent = uow.agents.by_name(name)
        if agent is None:
            raise AdminError(f"没有经纪人「{name}」")
        try:
            uow.agents.bind(agent, "terminal", name, name)
        except IdentityTaken as taken:
            raise AdminError(f"{taken} 已绑定给另一位经纪人，未做任何更改") from taken
        uow.audit.write(agent.id, "terminal_open", app.clock.now())
        uow.commit()
