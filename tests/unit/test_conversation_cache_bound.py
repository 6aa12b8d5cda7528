"""The loop's conversation cache keeps at most MAX_AGENTS agents' drafts in memory."""

from __future__ import annotations

from storage.conversation_cache import MAX_AGENTS, ConversationCache
from storage.conversation_state import AgentInfo


def _agent(agent_id: int) -> AgentInfo:
    return AgentInfo(agent_id, f"a{agent_id}", False, "Asia/Shanghai", 8, 22, 8, False)


def test_the_cache_is_emptied_rather_than_grown_past_its_bound():
    cache = ConversationCache()
    for agent_id in range(MAX_AGENTS):
        cache.put(("wechat", str(agent_id)), _agent(agent_id), 1, [], b'{"form":null}')
    assert cache.get(("wechat", "0")) is not None
    cache.put(("wechat", "0"), _agent(0), 2, ["x"], None)  # an agent already kept: no clearing
    assert cache.get(("wechat", "1")) is not None
    cache.put(("wechat", "new"), _agent(MAX_AGENTS), 1, [], None)
    assert cache.get(("wechat", "1")) is None
    kept = cache.get(("wechat", "new"))
    assert kept is not None and kept.agent.id == MAX_AGENTS and kept.draft is None
