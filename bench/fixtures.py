"""Building a throw-away app and generated clients for benchmarks."""

from __future__ import annotations

import random
import tempfile
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet

from bot.agents_admin import terminal_agent
from bot.bootstrap import App, build_app
from bot.settings import Secrets, load_settings
from handlers.lookup import search_keys
from handlers.types import ManualClock
from storage.models import Client

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯晨"
CITIES = ["上海", "北京", "杭州", "深圳", "广州", "成都", "南京", "苏州", "武汉", "西安"]
TAGS = ["马拉松", "瑜伽", "教育规划", "养老规划", "健康保障", "钢琴", "高尔夫", "读书会"]


def make_bench_app(url: str | None = None) -> App:
    folder = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    url = url or f"sqlite:///{folder / 'bench.db'}"
    settings = load_settings(env={"DATABASE_URL": url})
    settings = settings.model_copy(update={"key_file": str(folder / "key")})
    clock = ManualClock(datetime(2026, 11, 24, 1, 0))
    return build_app(settings, Secrets(secret_key=Fernet.generate_key().decode()), clock=clock)


def generate_clients(app: App, agent: str, count: int, seed: int = 7) -> list[str]:
    """Insert ``count`` clients with random names, phones, cities and tags; returns names."""
    rng = random.Random(seed)
    agent_id = terminal_agent(app, agent, create=True)
    now = app.clock.now()
    names = []
    with app.uow() as uow:
        repo = uow.clients(agent_id)
        for _ in range(count):
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
            pinyin, initials = search_keys(name)
            client = Client(agent_id=agent_id, name=name, name_pinyin=pinyin,
                            name_initials=initials, city=rng.choice(CITIES),
                            tags=rng.sample(TAGS, 2), attrs={}, tier="普通",
                            created_at=now, updated_at=now)
            phone = f"13{rng.randrange(10**9):09d}"
            repo.set_secret(client, "phone", phone, phone[:3] + "****" + phone[-4:])
            uow.session.add(client)
            names.append(name)
        uow.commit()
    return names
