"""The unit of work: conversation statements (driver SQL) and ORM changes share one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bot.agents_admin import add_agent
from storage.conversations import ConcurrentUpdate
from storage.models import Client


def _client(name: str, agent_id: int, now) -> Client:
    return Client(agent_id=agent_id, name=name, name_pinyin="", name_initials="", tags=[],
                  attrs={}, tier="普通", created_at=now, updated_at=now)


@pytest.fixture
def agent_id(app) -> int:
    return add_agent(app, "王芳", None, None, False).id


def _state(app, agent_id):
    with app.uow() as uow:
        conversation = uow.conversations.by_agent(agent_id)
        names = [c.name for c in uow.session.query(Client).filter_by(agent_id=agent_id)]
        claimed = not uow.conversations.claim_message("terminal", "m1", app.clock.now())
        return conversation, names, claimed


def test_uncommitted_work_of_both_kinds_is_rolled_back(app, agent_id):
    now = app.clock.now()
    with app.uow() as uow:
        assert uow.conversations.claim_message("terminal", "m1", now)
        conversation = uow.conversations.by_agent(agent_id)
        uow.conversations.save(conversation, {"form": {"x": 1}}, ["a"])
        uow.session.add(_client("张丽华", agent_id, now))
        uow.session.flush()
    conversation, names, claimed = _state(app, agent_id)
    assert conversation.version is None and conversation.draft is None
    assert names == [] and not claimed


def test_a_commit_keeps_both_kinds_and_later_statements_begin_a_new_transaction(app, agent_id):
    now = app.clock.now()
    with app.uow() as uow:
        conversation = uow.conversations.by_agent(agent_id)
        uow.session.add(_client("张丽华", agent_id, now))
        uow.conversations.save(conversation, {"form": {"x": 1}}, ["a"])
        uow.commit()
        # the same unit of work goes on: the next statements run in a transaction of their own
        assert uow.conversations.claim_message("terminal", "m1", now)
        uow.session.add(_client("李娜", agent_id, now))
        uow.commit()
    conversation, names, claimed = _state(app, agent_id)
    assert conversation.version == 1 and conversation.draft == {"form": {"x": 1}}
    assert conversation.options == ["a"]
    assert sorted(names) == ["张丽华", "李娜"] and claimed


def test_a_failed_orm_flush_rolls_back_the_conversation_too(app, agent_id):
    now = app.clock.now()
    with app.uow() as uow:
        uow.conversations.save(uow.conversations.by_agent(agent_id), {"form": {"x": 1}}, [])
        uow.session.add(_client("张丽华", 10**6, now))  # no such agent: a foreign key error
        with pytest.raises(IntegrityError):
            uow.commit()
    conversation, names, _ = _state(app, agent_id)
    assert conversation.version is None and names == []


def test_two_first_writes_of_a_conversation_race_and_one_loses(make_app, agent_id):
    first, second = make_app(), make_app()
    with second.uow() as late:
        stale = late.conversations.by_agent(agent_id)
    with first.uow() as early:
        early.conversations.save(early.conversations.by_agent(agent_id), None, ["1"])
        early.commit()
    with second.uow() as late, pytest.raises(ConcurrentUpdate):
        late.conversations.save(stale, None, ["2"])
    with first.uow() as uow:
        assert uow.conversations.by_agent(agent_id).options == ["1"]


def test_a_push_offers_options_only_when_no_form_is_open(app, agent_id):
    with app.uow() as uow:
        uow.conversations.offer_options(agent_id, ["/nudge 1"])
        uow.commit()
    with app.uow() as uow:
        conversation = uow.conversations.by_agent(agent_id)
        assert conversation.options == ["/nudge 1"]
        uow.conversations.save(conversation, {"form": {"x": 1}}, ["女", "男"])
        uow.commit()
    with app.uow() as uow:
        uow.conversations.offer_options(agent_id, ["/nudge 2"])
        uow.commit()
    with app.uow() as uow:
        assert uow.conversations.by_agent(agent_id).options == ["女", "男"]
