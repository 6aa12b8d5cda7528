"""The worked examples of domain.md, loaded for one agent (`python -m bot demo`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.apply import add_policy, apply_to_client, new_client
from handlers.config import HandlerConfig
from handlers.context import Context
from handlers.promotion import promote_if_due
from storage.conversations import AgentInfo
from storage.models import Client
from storage.uow import UnitOfWork


def _date(calendar: str, year: int | None, month: int, day: int) -> dict[str, Any]:
    return {"calendar": calendar, "year": year, "month": month, "day": day, "leap": False}


def _client(ctx: Context, name: str, pairs: list[tuple[str, Any]]) -> Client:
    client = new_client(ctx.clients, name, ctx.now, ctx.today)
    apply_to_client(ctx.clients, client, pairs, ctx.now, ctx.today.year)
    ctx.touch(client)
    return client


def _policy(ctx: Context, client: Client, product: str, premium: int, start: tuple[int, int, int],
            years: int) -> None:
    add_policy(ctx.clients, client, {
        "is_own": True, "insurer": "本公司", "product_type": product,
        "start_date": _date("solar", *start), "annual_premium": premium,
        "payment_years": years, "status": "有效",
    }, ctx.now)
    promote_if_due(ctx, client)


def load_demo(uow: UnitOfWork, agent: AgentInfo, now: datetime,
              config: HandlerConfig) -> list[str]:
    """Create Ms Zhang, Mr Sun (with the friends he refers) and a young professional."""
    ctx = Context(uow=uow, agent=agent, now=now, config=config)
    zhang = _client(ctx, "张丽华", [
        ("client.gender", "女"), ("client.age", 50), ("client.city", "上海"),
        ("client.birthday", _date("lunar", 1976, 8, 15)),
        ("client.marital_status", "已婚"), ("family.spouse.occupation", "国企高管"),
        ("family.children", [{"relation": "儿子", "age": 16, "name": None}]),
        ("client.household_income", 600000),
        ("soft.价值观", "家里总有鲜花，愿意为品质付费"),
        ("soft.潜在需求", "想给孩子准备教育金；常问养老社区（养老规划）"),
        ("tags", ["教育规划", "养老规划"]),
    ])
    ctx.clients.record_tier_change(zhang, "筛选", "家庭年收入50万以上，教育金需求明确", now,
                                   automatic=False)
    sun = _client(ctx, "孙明", [
        ("client.gender", "男"), ("client.age", 35), ("client.occupation", "IT工程师"),
        ("client.city", "杭州"), ("client.birthday", _date("solar", 1991, 3, 5)),
        ("client.marital_status", "已婚"), ("family.spouse.occupation", "医生"),
        ("family.children", [{"relation": "女儿", "age": 2, "name": None}]),
        ("soft.潜在需求", "孩子2岁，教育金需求将至"), ("tags", ["教育规划"]),
    ])
    _policy(ctx, sun, "重疾", 10000, (2021, 4, 1), 20)
    _policy(ctx, sun, "增额终身寿", 190000, (2024, 6, 18), 10)
    for friend, premium in (("周强", 300000), ("吴敏", 300000), ("郑磊", 200000)):
        referred = _client(ctx, friend, [("client.city", "杭州")])
        referred.referred_by_id = sun.id
        _policy(ctx, referred, "年金", premium, (2025, 9, 1), 10)
    young = _client(ctx, "林晓", [
        ("client.gender", "女"), ("client.age", 28), ("client.occupation", "设计师"),
        ("client.household_income", 180000), ("client.liabilities", "无房贷"),
        ("soft.潜在需求", "每月1000元的教育金计划起步"),
    ])
    _policy(ctx, young, "教育金", 12000, (2025, 1, 10), 15)
    uow.audit.write(agent.id, "demo", now)
    return [client.name for client in ctx.clients.all()]
