"""Hypothesis against the real router and database: no input makes it fail internally, and
input the form rejects leaves the stored draft exactly as it was."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import texts
from tests.support.chat import ChatDriver

COMMAND_WORDS = ["/record", "/note", "/find", "/card", "/book", "/tier", "/policy", "/family",
                 "/referral", "/help", "/cancel", "/start", "记录", "查", "档案", "分层", "转介绍",
                 "笔记", "本", "取消", "跳过", "返回", "保存", "1", "2", "#1", "#new"]
messages = st.one_of(
    st.text(max_size=40),
    st.builds(lambda word, rest: f"{word} {rest}", st.sampled_from(COMMAND_WORDS),
              st.text(max_size=30)),
    st.sampled_from(COMMAND_WORDS),
)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
_agents = itertools.count()


def _draft(app, agent):
    with app.uow() as uow:
        return uow.conversations.by_agent(uow.agents.by_name(agent).id).draft


@FUZZ
@given(steps=st.lists(messages, min_size=1, max_size=8))
def test_no_message_sequence_breaks_the_router(app, steps):
    chat = ChatDriver.for_new_agent(app, f"fuzz{next(_agents)}")
    chat.script("/record 张三", "女", "保存")
    for text in steps:
        reply = chat.send(text)
        assert texts.INTERNAL_ERROR not in reply


@FUZZ
@given(answer=st.text(max_size=40))
def test_rejected_answers_leave_the_draft_unchanged(app, answer):
    chat = ChatDriver.for_new_agent(app, f"form{next(_agents)}")
    chat.script("/record 张三", "女")  # now at the birthday question
    before = _draft(app, chat.agent)
    reply = chat.send(answer)
    assert texts.INTERNAL_ERROR not in reply
    if "⚠️" in reply:
        assert _draft(app, chat.agent) == before
