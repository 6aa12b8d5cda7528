"""Salon invitations, quiet hours, the real APScheduler wiring, unreachable agents."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime

from scheduler.runner import start_scheduler, stop_scheduler
from storage.models import Agent, Nudge, OutboxMessage
from tests.support.rows import rows


def test_salon_invitee_list_is_pushed_two_days_before(app, chat):
    chat.script("/record 张丽华", "女", "保存")
    chat.send("/note 张丽华 常问养老社区")
    chat.send("全部保存")
    reply = chat.send("/salon 2026-11-28 19:30 退休生活漫谈 #养老规划")
    assert "张丽华" in reply
    hits = [day for day in (date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27))
            if any(n.kind == "salon" for n in app.nudges.preview(day))]
    assert hits == [date(2026, 11, 26)]
    (nudge,) = [n for n in app.nudges.preview(date(2026, 11, 26)) if n.kind == "salon"]
    assert "退休生活漫谈" in nudge.text and "张丽华" in nudge.text


def test_the_salon_reminder_leaves_out_those_who_declined(app, chat):
    chat.script("/record 张丽华", "女", "保存")
    chat.script("/record 孙明", "男", "保存")
    reply = chat.send("/salon 2026-11-28 19:30 退休生活漫谈")
    salon_id = re.search(r"#(\d+)", reply).group(1)
    chat.send(f"/salon #{salon_id} 邀请 张丽华 孙明")
    chat.send(f"/salon #{salon_id} 拒绝 孙明")
    (nudge,) = [n for n in app.nudges.preview(date(2026, 11, 26)) if n.kind == "salon"]
    assert "张丽华" in nudge.text and "孙明" not in nudge.text


def test_record_reminder_waits_for_the_end_of_quiet_hours(app, chat, clock):
    chat.script("/record 张丽华", "女", "保存")
    clock.set(datetime(2026, 11, 24, 13, 30))  # 21:30 in Shanghai
    chat.send("/meet 张丽华")
    clock.set(datetime(2026, 11, 24, 14, 45))  # 22:45: quiet hours (22–8)
    assert app.nudges.tick().pushes == 1
    (push,) = [m for m in rows(app, OutboxMessage) if m.kind == "push"]
    assert push.next_attempt_at == datetime(2026, 11, 25, 0, 0)  # 08:00 local


def test_a_policy_or_family_member_recorded_after_a_meeting_counts_as_its_record(
    app, chat, clock
):
    chat.script("/record 张丽华", "女", "保存")
    chat.script("/record 孙明", "男", "保存")
    chat.send("/meet 张丽华")
    chat.send("/meet 孙明")
    clock.advance(minutes=10)
    chat.script("/policy 张丽华", "是", "年金", "2026-11-24", "6万", "10", "跳过", "跳过", "有效")
    chat.script("/family 孙明", "配偶", "李娜", "跳过", "跳过", "跳过", "跳过")
    clock.advance(minutes=70)
    assert app.nudges.tick().pushes == 0  # both were recorded: no "还没有记录"


def test_apscheduler_runs_the_catch_up_tick_at_start(app, chat):
    chat.script("/record 张丽华", "女", "1976-11-24", "保存")

    async def scenario() -> int:
        scheduler = start_scheduler(app.nudges, app.housekeeping, "Asia/Shanghai")
        try:
            for _ in range(200):
                if rows(app, OutboxMessage):
                    break
                await asyncio.sleep(0.05)
            for name in ("sweep", "push", "forget-message-ids", "forget-superseded-nudges",
                         "checkpoint"):
                job = scheduler.get_job(name)
                assert job.coalesce is True and job.misfire_grace_time is None
            return len(rows(app, OutboxMessage))
        finally:
            scheduler.shutdown(wait=False)

    assert asyncio.run(scenario()) == 1
    assert any(n.kind == "birthday" for n in rows(app, Nudge))


def test_jobs_running_at_shutdown_finish_without_an_error(app, chat, caplog):
    chat.script("/record 张丽华", "女", "1976-11-24", "保存")

    async def start_and_stop_at_once() -> None:
        scheduler = start_scheduler(app.nudges, app.housekeeping, "Asia/Shanghai")
        await asyncio.sleep(0)  # the start-up jobs are submitted ...
        await stop_scheduler(scheduler)  # ... and the session ends (a piped terminal chat)

    asyncio.run(start_and_stop_at_once())
    assert "birthday" in [n.kind for n in rows(app, Nudge)]  # the catch-up ran to the end
    assert len(rows(app, OutboxMessage)) == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_an_unreachable_agent_gets_no_digest_until_they_write_again(app, chat, clock):
    chat.script("/record 张丽华", "女", "1976-11-24", "保存")
    with app.uow() as uow:
        uow.outbox.mark_unreachable(uow.agents.by_name("王芳").id)
        uow.commit()
    assert app.nudges.tick().digests == 0
    chat.send("/help")
    assert not [a for a in rows(app, Agent) if a.unreachable]
    assert app.nudges.tick().digests == 1


def test_a_failing_scheduled_job_is_logged_without_its_message(caplog):
    from scheduler.runner import logged

    row = "Failing row contains (7, 张丽华, 13812345678)"  # (the traceback quotes the raise)

    def sweep() -> None:
        raise ValueError(row)

    logged(sweep, "sweep")()  # does not raise: the next run tries again
    (record,) = [r for r in caplog.records if r.name == "scheduler.runner"]
    assert "scheduled job sweep failed: ValueError" in record.getMessage()
    assert "张丽华" not in caplog.text and "13812345678" not in caplog.text
