"""A lead reminder (the gift time before a birthday, a renewal reminder before a premium, a
salon's invitee list) left open is retired once its event is over in the agent's time zone:
the open list and the digest no longer carry it. One whose event is still ahead, or today,
stays."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import event

from storage.models import Nudge, OutboxMessage
from storage.sweep_queries import SweepQueries
from tests.support.rows import rows


def of_kind(app, kind: str) -> list[Nudge]:
    return [n for n in rows(app, Nudge) if n.kind == kind]


def tick_mornings(app, clock, until: date, hour_utc: int = 1) -> None:
    """A tick each day at ``hour_utc`` (09:00 in Shanghai), up to ``until``."""
    day = clock.now().date()
    while day <= until:
        moment = datetime(day.year, day.month, day.day, hour_utc, 0)
        if moment > clock.now():
            clock.set(moment)
            app.nudges.tick()
        day += timedelta(days=1)


def top_client(chat, name: str, birthday: str) -> None:
    chat.script(f"/record {name}", "女", birthday, "保存")
    chat.send(f"/tier {name} 精选 大客户")


def add_policy(chat, name: str, start: str) -> None:
    chat.script(f"/record {name}", "男", "保存")
    chat.script(f"/policy {name}", "是", "重疾", start, "1万", "3", "跳过", "跳过", "有效")


def test_a_gift_reminder_goes_after_the_birthday_one_still_ahead_stays(app, chat, clock):
    top_client(chat, "林静", "1985-12-1")  # 7 days ahead: the gift time is today
    top_client(chat, "王芳芳", "1985-12-8")
    tick_mornings(app, clock, date(2026, 12, 1))
    assert "🎁 林静" in chat.send("/today")  # its day: still open
    tick_mornings(app, clock, date(2026, 12, 2))
    gifts = {n.text.split()[1]: n.status for n in of_kind(app, "birthday_ahead")}
    assert gifts == {"林静": "superseded", "王芳芳": "open"}  # 王芳芳's birthday is ahead
    today = chat.send("/today")
    assert "🎁 林静" not in today and "🎁 王芳芳" in today
    assert "林静 今天生日" in today  # the birthday's own reminder is no lead: it stays
    digest = [m for m in rows(app, OutboxMessage) if m.kind == "digest"][-1]
    assert "🎁 林静" not in digest.payload[0]["text"]


def test_a_renewal_reminder_goes_after_its_premium_day(app, chat, clock):
    add_policy(chat, "孙明", "2025-11-26")  # the premium on 11-26
    app.nudges.tick()
    tick_mornings(app, clock, date(2026, 11, 26))
    statuses = [(n.occurrence, n.status) for n in of_kind(app, "renewal")]
    assert statuses == [("2026-11-26/7", "superseded"), ("2026-11-26/1", "open")]
    assert "孙明 的重疾 1天后（11月26日）续期" in chat.send("/today")  # on the premium day
    tick_mornings(app, clock, date(2026, 11, 27))
    nearest = of_kind(app, "renewal")[1]
    assert nearest.status == "superseded"
    assert "孙明 的重疾" not in chat.send("/today")
    assert "（日子已过）" in chat.send(f"/nudge {nearest.id}")
    assert "这条提醒的日子已经过了" in chat.send(f"/snooze {nearest.id} 3")


def test_a_salon_list_goes_after_the_salon_snoozed_or_not(app, chat, clock):
    chat.script("/record 张丽华", "女", "保存")
    chat.send("/salon 2026-11-26 19:30 亲子教育")
    chat.send("/salon 2026-11-28 19:30 退休生活")
    tick_mornings(app, clock, date(2026, 11, 26))
    first, _ = of_kind(app, "salon")
    clock.set(datetime(2026, 11, 26, 2, 0))
    chat.send(f"/snooze {first.id} 3")  # to 11-29, after the salon
    assert [n.status for n in of_kind(app, "salon")] == ["open", "open"]
    tick_mornings(app, clock, date(2026, 11, 27))
    lists = {n.occurrence: n.status for n in of_kind(app, "salon")}
    assert lists == {"2026-11-26": "superseded", "2026-11-28": "open"}
    today = chat.send("/today")
    assert "亲子教育" not in today and "退休生活" in today
    clock.set(datetime(2026, 11, 29, 2, 0))  # the snoozed day: it does not come back
    assert "亲子教育" not in chat.send("/today")


def test_an_agent_west_of_the_bot_keeps_it_through_their_own_day(app, chat, clock):
    chat.send("/settings 时区 America/Los_Angeles")  # 17:00 on 11-23 there
    top_client(chat, "林静", "1985-11-27")
    app.nudges.tick()
    (gift,) = of_kind(app, "birthday_ahead")
    clock.set(datetime(2026, 11, 28, 1, 0))  # 09:00 on 11-28 in Shanghai, 17:00 11-27 there
    app.nudges.tick()
    assert [n.status for n in of_kind(app, "birthday_ahead")] == ["open"]  # their today
    assert "🎁 林静" in chat.send("/today")
    clock.set(datetime(2026, 11, 28, 9, 0))  # 01:00 on 11-28 there
    app.nudges.tick()
    assert [n.status for n in of_kind(app, "birthday_ahead")] == ["superseded"]
    assert gift.id == of_kind(app, "birthday_ahead")[0].id


def test_retiring_them_reads_the_open_lead_reminders_by_index(app, database_url):
    """Over a million clients' nudges, history included: the statement must not read every
    nudge of the lead kinds (revision 0019's index). PostgreSQL plans an empty table by scan:
    only that the index is usable is checked there."""
    statements: list[tuple[str, object]] = []

    def grab(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            statements.append((statement, parameters))

    engine = app.uow.engine
    event.listen(engine, "before_cursor_execute", grab)
    try:
        with app.uow() as uow:
            SweepQueries(uow.session).retire_gone_by({"Asia/Shanghai": date(2026, 11, 24),
                                                      "America/Los_Angeles": date(2026, 11, 23)})
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    ((statement, parameters),) = statements
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            lines = [row[-1] for row in plan]
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            lines = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}",
                                                                  parameters)]
    assert any("ix_nudges_status_kind_due" in line for line in lines), lines
