"""Bulk generation of a large archive for the sweep benchmark (raw driver inserts / COPY)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine

TIERS = ["普通"] * 50 + ["筛选"] * 20 + ["成交"] * 20 + ["精选"] * 8 + ["核心"] * 2
NOW = datetime(2026, 11, 24, 1, 0)


def _clients(agents: int, clients: int, rng: random.Random) -> Iterator[tuple]:
    for client_id in range(1, clients + 1):
        lunar = rng.random() < 0.2
        month = rng.randint(1, 12)
        day = rng.randint(1, 30 if lunar else 28)
        contact = NOW - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
        added = contact - timedelta(days=client_id % 1000)  # clients of the last few years
        yield (client_id, (client_id % agents) + 1, f"客户{client_id}", f"kehu{client_id}", "kh",
               "lunar" if lunar else "solar", rng.randint(1950, 2000), month, day,
               lunar and rng.random() < 0.03, rng.choice(TIERS), "[]", "{}", contact, added, NOW)


def _members(clients: int, rng: random.Random) -> Iterator[tuple]:
    # every other client has a child
    for member_id, client_id in enumerate(range(1, clients + 1, 2), start=1):
        known = rng.random() < 0.7
        yield (member_id, client_id, rng.choice(["儿子", "女儿"]), None,
               "solar" if known else None, rng.randint(2005, 2024),
               rng.randint(1, 12) if known else None, rng.randint(1, 28) if known else None,
               False)


def _policies(clients: int, rng: random.Random) -> Iterator[tuple]:
    # half of the clients hold a policy
    for policy_id, client_id in enumerate(range(1, clients + 1, 2), start=1):
        start = date(rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28))
        recorded = datetime.combine(start, time(10))  # when it started, unchanged since
        yield (policy_id, client_id, True, "本公司", "重疾", start, start.month, start.day,
               rng.choice([10000, 30000, 60000]), rng.choice([10, 20]), "有效", recorded,
               recorded)


def _dates(clients: int, rng: random.Random) -> Iterator[tuple]:
    # a third are married
    for date_id, client_id in enumerate(range(1, clients + 1, 3), start=1):
        yield (date_id, client_id, "wedding", "结婚纪念日", "solar", rng.randint(1980, 2020),
               rng.randint(1, 12), rng.randint(1, 28), False)


TABLES = {
    "agents": ("id, name, is_leader, timezone, digest_hour, quiet_start, quiet_end, unreachable,"
               " created_at"),
    "clients": ("id, agent_id, name, name_pinyin, name_initials, birth_calendar, birth_year,"
                " birth_month, birth_day, birth_leap, tier, tags, attrs, last_contact_at,"
                " created_at, updated_at"),
    "family_members": ("id, client_id, relation, name, birth_calendar, birth_year, birth_month,"
                       " birth_day, birth_leap"),
    "policies": ("id, client_id, is_own, insurer, product_type, start_date, start_month,"
                 " start_day, annual_premium, payment_years, status, created_at, changed_at"),
    "client_dates": "id, client_id, kind, label, calendar, year, month, day, leap",
}


def generate(engine: Engine, agents: int, clients: int, seed: int = 11) -> None:
    """Fill an empty, migrated database."""
    rng = random.Random(seed)
    sources = {
        "agents": ((n, f"经纪人{n}", False, "Asia/Shanghai", 8, 22, 8, False, NOW)
                   for n in range(1, agents + 1)),
        "clients": _clients(agents, clients, rng),
        "family_members": _members(clients, rng),
        "policies": _policies(clients, rng),
        "client_dates": _dates(clients, rng),
    }
    raw = engine.raw_connection()
    try:
        for table, rows in sources.items():
            if engine.dialect.name == "postgresql":
                _copy(raw, table, rows)
            else:
                _executemany(raw, table, rows)
        raw.commit()
    finally:
        raw.close()


def _executemany(raw, table: str, rows: Iterator[tuple]) -> None:  # type: ignore[no-untyped-def]
    columns = TABLES[table]
    marks = ", ".join("?" for _ in columns.split(","))
    cursor = raw.cursor()
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 50000:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
            batch.clear()
    if batch:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)


def _copy(raw, table: str, rows: Iterator[tuple]) -> None:  # type: ignore[no-untyped-def]
    cursor = raw.cursor()
    with cursor.copy(f"COPY {table} ({TABLES[table]}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                       f" (SELECT MAX(id) FROM {table}))")
