"""A push still waiting in the outbox never names what the agent has just deleted: a queued
digest is withdrawn and built again from what is left, a queued record-it-now push about the
client is withdrawn, and so is one claimed for sending but not sent yet; what was sent stays,
and there is still one digest a day."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import select, text

from bot.channels.base import DeliveryError
from bot.delivery import DeliveryWorker
from storage.models import OutboxMessage
from storage.nudges import NudgeRepository
from tests.integration.test_ids_never_reused import delete_client as _delete_client
from tests.integration.test_nudge_lifecycle import RecordingChannel, birthday_client


def _outbox(app) -> list[OutboxMessage]:
    with app.uow() as uow:
        found = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.session.expunge_all()
        return found


def _texts(app, kind: str) -> list[str]:
    """What will be or was sent (not what was withdrawn)."""
    return [m.payload[0]["text"] for m in _outbox(app)
            if m.kind == kind and m.status != "withdrawn"]


def test_a_queued_digest_is_built_again_without_the_deleted_client(app, chat, clock):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    assert app.nudges.tick().digests == 1
    (digest,) = _texts(app, "digest")
    assert "孙明 今天生日" in digest and "李四 今天生日" in digest
    _delete_client(chat, "孙明")
    assert _texts(app, "digest") == []  # withdrawn before anyone saw it
    assert app.nudges.tick().digests == 1  # the next push tick builds it again
    (rebuilt,) = _texts(app, "digest")
    assert "李四 今天生日" in rebuilt and "孙明" not in rebuilt and "（1 项）" in rebuilt
    channel = RecordingChannel()
    assert asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock,
                                      app.settings.zone).run_once()) == 1
    ((_, replies),) = channel.sent
    assert "孙明" not in replies[0].text


def test_a_deleted_policy_leaves_the_queued_digest_too(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")
    birthday_client(chat, "李四", "1985-11-24")
    assert app.nudges.tick().digests == 1
    assert "孙明 的重疾" in _texts(app, "digest")[0]
    chat.script("/delete 孙明", "1", "确认删除")
    app.nudges.tick()
    (rebuilt,) = _texts(app, "digest")
    assert "重疾" not in rebuilt and "李四 今天生日" in rebuilt


def test_a_digest_with_nothing_left_is_not_sent(app, chat):
    birthday_client(chat, "孙明", "1980-11-24")
    assert app.nudges.tick().digests == 1
    _delete_client(chat, "孙明")
    assert app.nudges.tick().digests == 0
    (withdrawn,) = _outbox(app)
    assert (withdrawn.status, withdrawn.payload) == ("withdrawn", [])  # nothing of them kept


def test_a_digest_already_sent_stays_and_is_not_sent_again(app, chat, clock):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    app.nudges.tick()
    channel = RecordingChannel()
    asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone).run_once())
    _delete_client(chat, "孙明")
    assert app.nudges.tick().digests == 0  # still one digest a day
    ((_, (sent,)),) = channel.sent
    assert "孙明" in sent.text  # what was in the chat stays there; it is not sent again
    assert [(m.status, m.payload) for m in _outbox(app)] == [("sent", [])]  # nor kept here


def test_a_claimed_digest_is_withdrawn_and_its_sender_sends_the_rebuilt_one(app, chat, clock):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    app.nudges.tick()
    channel = RecordingChannel()
    worker = DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone)
    (claimed,) = worker._claim()  # waiting its turn in a delivery round
    _delete_client(chat, "孙明")
    assert asyncio.run(worker._deliver(claimed)) == 0 and channel.sent == []
    assert app.nudges.tick().digests == 1  # built again from what is left
    assert asyncio.run(worker.run_once()) == 1
    ((_, replies),) = channel.sent
    assert "李四 今天生日" in replies[0].text and "孙明" not in replies[0].text


def test_a_send_that_fails_after_the_deletion_is_not_retried_as_it_was(app, chat, clock):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    app.nudges.tick()

    class DeletingWhileSending(RecordingChannel):
        async def send(self, chat_id, replies, skip_parts=0):  # the agent deletes meanwhile
            await asyncio.to_thread(_delete_client, chat, "孙明")
            raise DeliveryError("timeout")

    asyncio.run(DeliveryWorker(app.uow, {"terminal": DeletingWhileSending()}, clock,
                               app.settings.zone).run_once())
    app.nudges.tick()
    clock.advance(minutes=1)
    channel = RecordingChannel()
    asyncio.run(DeliveryWorker(app.uow, {"terminal": channel}, clock, app.settings.zone).run_once())
    ((_, replies),) = channel.sent
    assert "李四 今天生日" in replies[0].text and "孙明" not in replies[0].text


def test_a_queued_record_reminder_about_the_client_is_withdrawn(app, chat, clock):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/record 李四", "女", "保存")
    chat.send("/meet 孙明")
    chat.send("/meet 李四")
    clock.advance(minutes=61)
    assert app.nudges.tick().pushes == 2
    _delete_client(chat, "孙明")
    (left,) = _texts(app, "push")
    assert "李四" in left
    assert app.nudges.tick().pushes == 0


def test_a_surrendered_policy_leaves_the_queued_digest(app, chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")
    assert app.nudges.tick().digests == 1
    chat.send("/policy 孙明 退保")
    assert app.nudges.tick().digests == 0 and _texts(app, "digest") == []  # nothing else due


def test_a_rebuilt_digest_keeps_its_place_in_the_retry_schedule(app, chat, clock):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    app.nudges.tick()
    capped = RecordingChannel([DeliveryError("daily cap reached", retry_after=2 * 3600)])
    asyncio.run(DeliveryWorker(app.uow, {"terminal": capped}, clock, app.settings.zone).run_once())
    (waiting,) = _outbox(app)
    _delete_client(chat, "孙明")
    clock.advance(minutes=5)
    assert app.nudges.tick().digests == 1
    (rebuilt,) = _outbox(app)
    assert "孙明" not in rebuilt.payload[0]["text"] and rebuilt.status == "pending"
    assert (rebuilt.id, rebuilt.next_attempt_at, rebuilt.attempts) == (
        waiting.id, waiting.next_attempt_at, waiting.attempts)  # not sent into the cap again


def test_a_surrender_racing_the_digest_on_postgresql_still_leaves_it(app, chat, database_url,
                                                                     monkeypatch):
    """The digest is being built from reminders read a moment ago when the agent surrenders
    the policy in another connection: the surrender waits for the digest, then withdraws it."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time")
    birthday_client(chat, "李四", "1985-11-24")
    chat.script("/record 孙明", "男", "保存")
    chat.script("/policy 孙明", "是", "重疾", "2025-12-1", "1万", "3", "跳过", "跳过", "有效")
    surrender = threading.Thread(target=chat.send, args=("/policy 孙明 退保",))
    read_reminders = NudgeRepository.for_digest

    def racing(repo, day, limit=200):
        found = read_reminders(repo, day, limit)  # the policy's reminder among them
        surrender.start()
        _until_waiting_or_done(app, surrender)
        return found

    monkeypatch.setattr(NudgeRepository, "for_digest", racing)
    app.nudges.tick()
    monkeypatch.undo()
    surrender.join(10)
    app.nudges.tick()  # the withdrawn digest, built again
    (digest,) = _texts(app, "digest")
    assert "李四 今天生日" in digest and "重疾" not in digest


def _until_waiting_or_done(app, thread: threading.Thread) -> None:
    """Until the thread waits for a lock in PostgreSQL (or has finished without waiting)."""
    deadline = time.monotonic() + 10
    while thread.is_alive() and time.monotonic() < deadline:
        with app.uow.engine.connect() as connection:
            if connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                                  ).scalar():
                return
        time.sleep(0.01)


def test_a_rebuilt_digest_is_sent_whole_after_a_partial_failure(app, chat, clock):
    birthday_client(chat, "孙明", "1980-11-24")
    birthday_client(chat, "李四", "1985-11-24")
    app.nudges.tick()
    partial = RecordingChannel([DeliveryError("timeout", sent_parts=1)])
    asyncio.run(DeliveryWorker(app.uow, {"terminal": partial}, clock, app.settings.zone).run_once())
    assert _outbox(app)[0].parts_sent == 1  # its first part went out
    _delete_client(chat, "孙明")
    clock.advance(minutes=5)
    assert app.nudges.tick().digests == 1
    (rebuilt,) = _outbox(app)
    assert rebuilt.parts_sent == 0  # new content: nothing of it was sent
