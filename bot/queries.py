"""Read-only command-line queries: `clients --json`, `show --json` (audited)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.agents_admin import AdminError
from bot.bootstrap import App
from handlers.card import render_card
from handlers.export import client_to_dict
from handlers.resolve import find_clients_by_ref
from handlers.when import zone_of
from storage.models import Client
from storage.uow import UnitOfWork


def export_clients(app: App, agent_name: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        agent = uow.agents.by_name(agent_name)
        if agent is None:
            raise AdminError(f"没有经纪人「{agent_name}」")
        repo = uow.clients(agent.id)
        clients = repo.all()
        uow.audit.write(agent.id, "export", app.clock.now(), detail=f"{len(clients)} clients")
        rows = [client_to_dict(client, repo.timeline(client, limit=None)) for client in clients]
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
        row = client_to_dict(client, uow.clients(agent_id).timeline(client, limit=None))
        uow.commit()
        return row


def show_card(app: App, agent_name: str, ref: str) -> str:
    with app.uow() as uow:
        agent_id, client = _one_client(uow, agent_name, ref)
        uow.audit.write(agent_id, "show", app.clock.now(), client_id=client.id)
        clients = uow.clients(agent_id)
        recent = list(clients.timeline(client, limit=5))
        agent = uow.agents.get(agent_id)
        zone = zone_of(agent.timezone if agent else None, app.settings.zone)
        card = render_card(client, app.settings.templates, app.clock.now(), recent, zone,
                           *clients.referral_links(client))
        uow.commit()
        return card


def preview_nudges(app: App, first: date, days: int, agent_name: str | None
                   ) -> list[dict[str, Any]]:
    """What the sweep makes on each of ``days`` days from ``first``, each agent's for their
    own date (their today's late lead reminders included: see ``Sweeper.preview``), without
    sending or writing anything."""
    with app.uow() as uow:
        names = {agent.id: agent.name for agent in uow.agents.all()}
        clients: dict[int, str] = {}
        agent_id = None
        if agent_name is not None:
            agent = uow.agents.by_name(agent_name)
            if agent is None:
                raise AdminError(f"没有经纪人「{agent_name}」")
            agent_id = agent.id
    rows = []
    for offset in range(max(days, 1)):
        day = first + timedelta(days=offset)
        for nudge in app.nudges.preview(day):
            if agent_id is not None and nudge.agent_id != agent_id:
                continue
            rows.append({"date": day.isoformat(), "kind": nudge.kind,
                         "agent": names.get(nudge.agent_id), "client_id": nudge.client_id,
                         "client": clients.get(nudge.client_id or 0) or _client_name(
                             app, nudge.agent_id, nudge.client_id, clients),
                         "text": nudge.text, "subject": nudge.subject,
                         "occurrence": nudge.occurrence})
    return rows


def _client_name(app: App, agent_id: int, client_id: int | None,
                 cache: dict[int, str]) -> str | None:
    if client_id is None:
        return None
    with app.uow() as uow:
        client = uow.clients(agent_id).get(client_id)
        cache[client_id] = client.name if client else ""
    return cache[client_id] or None
