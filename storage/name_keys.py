"""Each agent's client names and their pinyin, kept in the process between messages.

/find's typo tolerance compares the query with every name of the agent; reading them all
(~8 ms at 5,000 clients) cost more than the comparison itself (<1 ms). The rows are reused
while the agent's clients are the same ones: the stamp is (count, highest id) of the agent's
clients, read in one index-only query, so another process's insert or delete is seen at once.
This relies on two facts: names are never changed after insert, and ids are never reused
(``NEVER_REUSED_IDS``). A transaction that inserts clients does not fill the cache (a rollback
could hand the same id to another name).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

NameKey = tuple[int, str, str]  # (client id, name, full pinyin)
Stamp = tuple[int, int]  # (number of clients, highest id)


class NameKeyCache:
    """Least-recently-used, ``capacity`` agents; shared by the threads of one process."""

    def __init__(self, capacity: int = 32) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[int, tuple[Stamp, list[NameKey]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, agent_id: int, stamp: Stamp) -> list[NameKey] | None:
        with self._lock:
            entry = self._entries.get(agent_id)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(agent_id)
            return entry[1]

    def put(self, agent_id: int, stamp: Stamp, keys: list[NameKey]) -> None:
        with self._lock:
            self._entries[agent_id] = (stamp, keys)
            self._entries.move_to_end(agent_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
