"""A follow-up is counted in the agent's local days, so a time-zone change moves its day: it
must still be made once, never twice, and never be skipped."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta

from storage.models import Nudge, OutboxMessage
from tests.support.rows import rows


def _tick_at(app, clock, moment: datetime) -> None:
    clock.set(moment)
    app.nudges.tick()


def _followups(app, name: str) -> list[Nudge]:
    return [n for n in rows(app, Nudge) if n.kind == "followup" and name in n.text]


def _digests_naming(app, name: str) -> list[str]:
    return [m.payload[0]["text"] for m in rows(app, OutboxMessage)
            if m.kind == "digest" and m.payload and name in m.payload[0]["text"]]


def _days_without_contact(nudge: Nudge) -> int:
    match = re.search(r"已 (\d+) 天没有联系", nudge.text)
    assert match, nudge.text
    return int(match[1])


def test_a_follow_up_is_not_made_again_when_the_zone_moves_its_day_later(app, chat, clock):
    chat.send("/settings 时区 America/Los_Angeles")  # 17:00 on 11-23 there
    chat.script("/record 筛选客户", "女", "保存")  # contact: 11-23 there, 11-24 in Shanghai
    chat.send("/tier 筛选客户 筛选 有潜力")  # every 7 days
    for day in range(24, 31):  # 09:00 in Los Angeles
        _tick_at(app, clock, datetime(2026, 11, day, 17, 0))
    assert len(_digests_naming(app, "筛选客户")) == 1  # on 11-30
    clock.set(datetime(2026, 11, 30, 17, 30))
    chat.send("/settings 时区 Asia/Shanghai")  # 01:30 on 12-01 there: the contact was 11-24
    for day in range(1, 7):  # 09:00 in Shanghai, up to 12-06 (12-07 sweeps 12-08 too)
        _tick_at(app, clock, datetime(2026, 12, day, 1, 0))
    (followup,) = _followups(app, "筛选客户")
    assert followup.due_date == date(2026, 11, 30)
    assert "已 7 天没有联系（上次 11月23日）" in followup.text
    assert len(_digests_naming(app, "筛选客户")) == 1  # not again on 12-01
    _tick_at(app, clock, datetime(2026, 12, 8, 1, 0))  # 14 days in Shanghai: the next one
    assert [(n.due_date, _days_without_contact(n)) for n in _followups(app, "筛选客户")] == [
        (date(2026, 11, 30), 7), (date(2026, 12, 8), 14)]
    clock.set(datetime(2026, 12, 8, 2, 0))
    chat.send("/settings 时区 America/Los_Angeles")  # back: 14 days there were 12-07
    for day in range(9, 12):  # to 12-11 there (the sweep goes up to 12-13 in Shanghai)
        _tick_at(app, clock, datetime(2026, 12, day, 17, 0))
    assert [_days_without_contact(n) for n in _followups(app, "筛选客户")] == [7, 14]


def test_a_follow_up_the_zone_moves_onto_a_day_already_swept_is_still_made(app, chat, clock):
    chat.send("/settings 时区 Pacific/Kiritimati")  # UTC+14
    clock.set(datetime(2026, 11, 24, 10, 30))  # 00:30 on 11-25 there; 23:30 on 11-23 in Pago Pago
    chat.script("/record 筛选客户", "女", "保存")
    chat.send("/tier 筛选客户 筛选 有潜力")  # due 12-02 in Kiritimati, 11-30 in Pago Pago
    # (in Shanghai, the bot's zone, each tick sweeps its today and tomorrow)
    for day in range(25, 31):
        _tick_at(app, clock, datetime(2026, 11, day, 15, 50))  # 23:50: the day's last tick
    clock.set(datetime(2026, 11, 30, 16, 5))  # 00:05 on 12-01 in Shanghai, before its first tick
    chat.send("/settings 时区 Pacific/Pago_Pago")  # UTC-11: 05:05 on 11-30 there
    _tick_at(app, clock, datetime(2026, 11, 30, 16, 20))  # sweeps 12-01 and 12-02 only
    (followup,) = _followups(app, "筛选客户")
    assert followup.due_date == date(2026, 11, 30)
    assert "已 7 天没有联系（上次 11月23日）" in followup.text
    _tick_at(app, clock, datetime(2026, 11, 30, 19, 30))  # 08:30 in Pago Pago: the digest
    (digest,) = _digests_naming(app, "筛选客户")
    assert "已 7 天没有联系" in digest


def test_any_zone_changes_give_each_follow_up_once_and_skip_none(app, chat, clock):
    """Changes at random between zones far apart (UTC+14 and UTC-11: two days apart at some
    hours), at random times, with ticks missed at random."""
    far_apart = ("Pacific/Kiritimati", "Pacific/Pago_Pago")
    chat.script("/record 筛选客户", "女", "保存")  # 2026-11-24 01:00 UTC
    chat.send("/tier 筛选客户 筛选 有潜力")
    chances = random.Random(15)  # without the catch-up after a change, this loses 14 days
    while clock.now() < datetime(2027, 1, 6):
        clock.advance(hours=chances.choice((0.5, 1, 3, 7, 11, 16, 23)))
        if chances.random() < 0.6:
            chat.send(f"/settings 时区 {chances.choice(far_apart)}")
        if chances.random() < 0.5:
            app.nudges.tick()
    app.nudges.tick()
    assert clock.now() < datetime(2027, 1, 7)  # day 49 is 01-11 or 01-12: not swept yet
    made = [_days_without_contact(n) for n in _followups(app, "筛选客户")]
    assert made == [7, 14, 21, 28, 35, 42]
    open_ones = [n for n in _followups(app, "筛选客户") if n.status == "open"]
    assert [_days_without_contact(n) for n in open_ones] == [42]  # only the latest waits


def test_follow_ups_stored_before_the_upgrade_are_not_made_again(app, chat, clock, database_url):
    from alembic import command
    from sqlalchemy import insert, select, text

    from storage.migrate import alembic_config, upgrade

    chat.send("/settings 时区 America/Los_Angeles")
    for name in ("筛选客户", "已联系", "两次提醒"):  # contact: 11-23 there, 11-24 in Shanghai
        chat.script(f"/record {name}", "女", "保存")
        chat.send(f"/tier {name} 筛选 有潜力")
    for day in range(24, 31):  # their follow-ups fall on 11-30 there
        _tick_at(app, clock, datetime(2026, 11, day, 17, 0))
    clock.set(datetime(2026, 11, 30, 18, 0))
    chat.send("/note 已联系 电话聊了孩子的升学")  # its follow-up is about an earlier contact
    app.dispose()
    command.downgrade(alembic_config(database_url), "0015")
    with app.uow() as uow:  # as the earlier code stored them: keyed by the day (and without
        # the columns added since 0015: no ORM rows)
        uow.session.execute(text("UPDATE nudges SET occurrence = '2026-11-30' "
                                 "WHERE kind = 'followup'"))
        (twice,) = uow.session.execute(
            select(Nudge.id, Nudge.agent_id, Nudge.client_id, Nudge.subject)
            .where(Nudge.text.contains("两次提醒"))).all()
        # superseded by the same follow-up made again in Shanghai on 12-01
        uow.session.execute(text("UPDATE nudges SET status = 'superseded' WHERE id = :id"),
                            {"id": twice.id})
        uow.session.execute(insert(Nudge.__table__).values(
            agent_id=twice.agent_id, client_id=twice.client_id, kind="followup",
            subject=twice.subject, occurrence="2026-12-01", due_date=date(2026, 12, 1),
            show_on=date(2026, 12, 1), status="open", created_at=datetime(2026, 12, 1, 1, 0),
            text="⏰ 两次提醒【筛选】已 7 天没有联系（上次 11月24日），该跟进了"))
        uow.commit()
    app.dispose()
    upgrade(database_url)
    keys = {name: [(n.occurrence, n.due_date, n.status) for n in _followups(app, name)]
            for name in ("筛选客户", "已联系", "两次提醒")}
    assert keys == {
        "筛选客户": [("20261124T010000.000000Z/7", date(2026, 11, 30), "open")],
        "已联系": [("20261123T080000.000000Z/7", date(2026, 11, 30), "done")],  # 11-23 there
        "两次提醒": [("20261124T010000.000000Z/7", date(2026, 12, 1), "open")],  # the newest
    }
    clock.set(datetime(2026, 11, 30, 18, 30))
    chat.send("/settings 时区 Asia/Shanghai")  # 02:30 on 12-01 there: 7 days after 11-24
    for day in range(1, 7):
        _tick_at(app, clock, datetime(2026, 12, day, 1, 0))
    assert {name: len(_followups(app, name)) for name in keys} == {
        "筛选客户": 1, "已联系": 1, "两次提醒": 1}


def test_a_birthday_is_reminded_once_whatever_the_zone_changes(app, chat, clock):
    """Keyed by the event's own date (not by a day of the agent's), like anniversaries,
    renewals, reviews, festivals and salons: a zone change does not bring it again, nor its
    digest."""
    chat.script("/record 寿星", "女", "1980-11-25", "保存")
    _tick_at(app, clock, datetime(2026, 11, 25, 0, 30))  # 08:30 on 11-25 in Shanghai: digest
    clock.set(datetime(2026, 11, 25, 1, 0))
    chat.send("/settings 时区 America/Los_Angeles")  # 17:00 on 11-24 there: the day again
    for hours in range(1, 72, 3):
        _tick_at(app, clock, datetime(2026, 11, 25, 1, 0) + timedelta(hours=hours))
    clock.set(datetime(2026, 11, 27, 3, 0))
    chat.send("/settings 时区 Pacific/Kiritimati")
    for hours in range(1, 48, 3):
        _tick_at(app, clock, datetime(2026, 11, 27, 3, 0) + timedelta(hours=hours))
    assert [n.due_date for n in rows(app, Nudge) if n.kind == "birthday"] == [date(2026, 11, 25)]
    assert len(_digests_naming(app, "寿星")) == 1
