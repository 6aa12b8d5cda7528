"""WeChat end to end: a long push that failed after some of its messages went out continues
on its retry exactly where it stopped, even when the agent opened or closed a form in between
(which decides whether its options go out as numbers, and so how its text is packed into
messages). The real wechaty client ↔ the fake puppet service ↔ our outbox and router."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.e2e.conftest_wechat_e2e")

from bot.channels.wechat_outgoing import pack_texts  # noqa: E402
from bot.delivery import BUSY_NOTE, DeliveryPolicy, DeliveryWorker, without_numbers  # noqa: E402
from handlers.types import Option, Reply, reply_to_json  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from tests.e2e.conftest_wechat_e2e import WANG, Contact  # noqa: E402

pytest_plugins = ("tests.e2e.conftest_wechat_e2e",)

LIMIT = 1500  # the channel's message size (config.yaml's default)
# ten options: as numbered lines they take far more room than the note that replaces them
OPTIONS = tuple(Option(f"客户{n}号 今天生日（精选）", f"/nudge {n}") for n in range(1, 11))


def lines(mark: str, count: int) -> str:
    return "\n".join(f"{mark}{n:02d}：需要跟进的客户和事项说明" for n in range(1, count + 1))


# A first reply with the options, then two without: with numbers the first fills a message
# alone; without them it leaves room for the second.
FIRST = Reply(lines("甲", 60), OPTIONS)
SECOND, THIRD = Reply(lines("乙", 16)), Reply(lines("丙", 16))


def test_the_replies_pack_differently_with_and_without_numbers() -> None:
    numbered = pack_texts([FIRST, SECOND, THIRD], LIMIT)
    plain = pack_texts([without_numbers(FIRST), SECOND, THIRD], LIMIT)
    assert [(text.count("甲01"), text.count("乙01"), text.count("丙01")) for text in numbered] \
        == [(1, 0, 0), (0, 1, 1)]
    assert [(text.count("甲01"), text.count("乙01"), text.count("丙01")) for text in plain] \
        == [(1, 1, 0), (0, 0, 1)]


def _queue(app, clock) -> None:
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        uow.outbox.enqueue("long:1", agent.id, "wechat", WANG, "push",
                           [reply_to_json(reply) for reply in (FIRST, SECOND, THIRD)],
                           clock.now())
        uow.commit()


def _row(app) -> OutboxMessage:
    with app.uow() as uow:
        (row,) = uow.session.query(OutboxMessage).all()
        uow.session.expunge_all()
        return row


async def _first_part_only(app, bot, puppet, clock) -> DeliveryWorker:
    """Deliver the push with its second message failing: one message out, retried later."""
    worker = DeliveryWorker(app.uow, {"wechat": bot}, clock, app.settings.zone, DeliveryPolicy())
    puppet.fail_sends, puppet.fail_sends_after = 1, 1
    assert await worker.run_once() == 0
    row = _row(app)
    assert (row.status, row.parts_sent) == ("pending", 1)
    return worker


def _pushed(wang: Contact, since: int) -> str:
    """What the pushes since ``since`` messages said, the form's own questions left out."""
    return "\n".join(sent.text for sent in wang.received()[since:] if "需要跟进" in sent.text)


def _each_line_once(text: str) -> None:
    for reply in (FIRST, SECOND, THIRD):
        for line in reply.text.split("\n"):
            assert text.count(line) == 1, line


async def test_a_form_opened_before_the_retry_loses_no_line(bot, wechat_app, puppet, wang,
                                                            clock):
    since = len(wang.received())
    _queue(wechat_app, clock)
    worker = await _first_part_only(wechat_app, bot, puppet, clock)
    assert "1. 客户1号" in _pushed(wang, since)  # no form open: numbered
    assert "性别？" in await wang.say("/record 孙明")
    clock.advance(seconds=6)
    assert await worker.run_once() == 1
    _each_line_once(_pushed(wang, since))  # before: the second and third replies were lost
    assert _row(wechat_app).status == "sent"


async def test_a_form_closed_before_the_retry_repeats_no_line(bot, wechat_app, puppet, wang,
                                                              clock):
    assert "性别？" in await wang.say("/record 孙明")
    since = len(wang.received())
    _queue(wechat_app, clock)
    worker = await _first_part_only(wechat_app, bot, puppet, clock)
    first = _pushed(wang, since)
    assert BUSY_NOTE in first and "1. 客户1号" not in first  # a form open: no numbers
    assert "已取消" in await wang.say("取消")
    clock.advance(seconds=6)
    assert await worker.run_once() == 1
    pushed = _pushed(wang, since)
    _each_line_once(pushed)  # before: the second reply came twice
    assert "1. 客户1号" not in pushed  # the rest as the first attempt decided
    assert _row(wechat_app).status == "sent"
