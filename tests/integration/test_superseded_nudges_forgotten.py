"""Superseded reminders (replaced by a newer one, or retired after their event) are deleted
three months after their day, a batch a transaction: the table does not grow for ever, and
the sweep, which never looks that far back, does not make them again."""

from __future__ import annotations

from datetime import date, datetime

from scheduler import housekeeping
from storage.models import Nudge
from tests.integration.test_lead_reminders_after_their_day import (
    add_policy,
    of_kind,
    tick_mornings,
)
from tests.support.chat import ChatDriver
from tests.support.rows import rows


def test_superseded_reminders_go_three_months_after_their_day(app, chat, clock, monkeypatch):
    add_policy(chat, "孙明", "2025-11-26")  # the premium on 11-26: reminders 11-24 (late), 11-25
    app.nudges.tick()
    tick_mornings(app, clock, date(2026, 11, 27))
    old = of_kind(app, "renewal")
    assert [(n.due_date, n.status) for n in old] == [
        (date(2026, 11, 24), "superseded"), (date(2026, 11, 25), "superseded")]
    kept = {n.id for n in rows(app, Nudge) if n.status != "superseded"}
    assert kept  # the follow-up of the new client, at least
    clock.set(datetime(2027, 2, 22, 1, 0))  # 90 days after 11-24: kept through that day
    assert app.housekeeping.forget_superseded_nudges() == 0
    assert "（日子已过）" in chat.send(f"/nudge {old[0].id}")
    clock.set(datetime(2027, 2, 23, 1, 0))
    assert app.housekeeping.forget_superseded_nudges() == 1
    assert "没有找到这条提醒" in chat.send(f"/nudge {old[0].id}")
    monkeypatch.setattr(housekeeping, "FORGET_AT_ONCE", 1)  # batch by batch to the end
    clock.set(datetime(2027, 6, 1, 1, 0))
    superseded = sum(n.status == "superseded" for n in rows(app, Nudge))
    assert superseded >= 1
    assert app.housekeeping.forget_superseded_nudges() == superseded
    assert all(n.status != "superseded" for n in rows(app, Nudge))
    assert kept <= {n.id for n in rows(app, Nudge)}  # open and done ones stay
    app.nudges.tick()  # a catch-up of the month before: none made again
    assert not [n for n in of_kind(app, "renewal") if n.occurrence.startswith("2026-11-26")]


def test_they_are_kept_longer_than_a_catch_up_looks_back(make_app, clock):
    from scheduler.config import NudgeRules

    app = make_app(nudges=NudgeRules(catch_up_days=120))
    chat = ChatDriver.for_new_agent(app, "王芳")
    add_policy(chat, "孙明", "2025-11-26")
    app.nudges.tick()
    tick_mornings(app, clock, date(2026, 11, 27))
    assert [n.status for n in of_kind(app, "renewal")] == ["superseded", "superseded"]
    clock.set(datetime(2027, 3, 31, 1, 0))  # 127 days after 11-24: a catch-up reaches 12-01
    assert app.housekeeping.forget_superseded_nudges() == 0
    clock.set(datetime(2027, 4, 2, 1, 0))  # 128 days after 11-25: past 120 days and a week
    assert app.housekeeping.forget_superseded_nudges() == 2
