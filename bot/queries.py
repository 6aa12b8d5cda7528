"""Read-only command-line queries: `clients --json`, `show --json` (audited)."""

from __future__ import annotations

from typing import Any

from bot.agents_admin import AdminError
from bot.bootstrap import App
from handlers.card import render_card
from handlers.export import client_to_dict
from handlers.resolve import find_clients_by_ref
from storage.models import Client
from storage.uow import UnitOfWork


def export_clients(app: App, agent_name: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        agent = uow.agents.by_name(agent_name)
        if agent is None:
            raise AdminError(f"没有经纪人「{agent_name}」")
        clients = uow.clients(agent.id).all()
        uow.audit.write(agent.id, "export", app.clock.now(), detail=f"{len(clients)} clients")
        rows = [client_to_dict(client) for client in clients]
        uow.commit()
        return rows


def _one_client(uow: UnitOfWork, agent_name: str, ref: str) -> tuple[int, Client]:
    agent = uow.agents.by_name(agent_name)
    if agent is None:
        raise AdminError(f"没有经纪人「{agent_name}」")
    matches = find_clients_by_ref(uow.clients(agent.id), ref)
    if not matches:
        raise AdminError(f"没有找到客户「{ref}」")
    if len(matches) > 1:
        ids = "、".join(f"#{client.id}" for client in matches)
        raise AdminError(f"有 {len(matches)} 位叫「{ref}」的客户，请用编号指定：{ids}")
    return agent.id, matches[0]


def show_client(app: App, agent_name: str, ref: str) -> dict[str, Any]:
    with app.uow() as uow:
        agent_id, client = _one_client(uow, agent_name, ref)
        uow.audit.write(agent_id, "show", app.clock.now(), client_id=client.id)
        row = client_to_dict(client)
        uow.commit()
        return row


def show_card(app: App, agent_name: str, ref: str) -> str:
    with app.uow() as uow:
        agent_id, client = _one_client(uow, agent_name, ref)
        uow.audit.write(agent_id, "show", app.clock.now(), client_id=client.id)
        recent = list(uow.clients(agent_id).timeline(client, limit=3))
        card = render_card(client, app.settings.templates, app.clock.now(), recent)
        uow.commit()
        return card
