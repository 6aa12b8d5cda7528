"""The loop's conversation cache: at most MAX_AGENTS agents' drafts in memory, each handed out
once (the message that takes it may change it)."""

from __future__ import annotations

from storage.conversation_cache import MAX_AGENTS, ConversationCache
from storage.conversation_state import AgentInfo


def _agent(agent_id: int) -> AgentInfo:
    return AgentInfo(agent_id, f"a{agent_id}", False, "Asia/Shanghai", 8, 22, 8, False)


def test_the_cache_is_emptied_rather_than_grown_past_its_bound():
    cache = ConversationCache()
    for agent_id in range(MAX_AGENTS):
        cache.put(("wechat", str(agent_id)), _agent(agent_id), 1, [], {"form": None})
    cache.put(("wechat", "0"), _agent(0), 2, ["x"], None)  # an agent already kept: no clearing
    assert cache.get(("wechat", "1")) is not None
    cache.put(("wechat", "1"), _agent(1), 2, [], None)
    cache.put(("wechat", "new"), _agent(MAX_AGENTS), 1, [], None)
    assert cache.get(("wechat", "0")) is None
    assert cache.get(("wechat", "1")) is None
    kept = cache.get(("wechat", "new"))
    assert kept is not None and kept.agent.id == MAX_AGENTS and kept.draft is None


def test_a_conversation_is_handed_out_once_and_back_after_its_save():
    cache = ConversationCache()
    draft = {"form": {"answers": {"name": "张三"}}}
    cache.put(("wechat", "a"), _agent(7), 3, ["1"], draft, '["wechat:m1"]', ["wechat:m1"])
    taken = cache.get(("wechat", "a"))
    assert taken is not None
    assert (taken.version, taken.draft, taken.options) == (3, draft, ["1"])
    assert (taken.recent, taken.recent_ids) == ('["wechat:m1"]', ["wechat:m1"])
    taken.draft["form"]["answers"]["name"] = "李四"  # the message changes what it holds
    assert cache.get(("wechat", "a")) is None  # not half-changed state: the row is read
    cache.put(("wechat", "a"), _agent(7), 4, [], taken.draft)
    again = cache.get(("wechat", "a"))
    assert again is not None and again.version == 4
    assert again.draft == {"form": {"answers": {"name": "李四"}}}
