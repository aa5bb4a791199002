"""Answers worth remembering: name resolution and privilege decisions, kept per epoch.

Resolving a three-part name and evaluating the policy (group closure, inheritance, the operation
table of ``sql/session/06_authorize.sql``) are most of what a statement costs, and their answers
rarely change. Every change that can alter them bumps an epoch in the same transaction
(migration 0003: ``names`` for the securable tree, ``policy`` for grants, owners and
membership), so an answer computed at epoch E is still the answer while the epoch reads E, in
this process or in any other sharing the file. The engine reads both epochs once per statement,
puts the epoch in the key, and so never needs to invalidate anything: entries of older epochs are
simply never asked for again and age out.

The same bounded map also keeps answers that never go stale, such as a parsed script or a
checked query for a given text (``Engine``).

    >>> cache = EpochCache(capacity=2)
    >>> cache.put((1, "alice", 7, "EXECUTE"), {"allowed": True})
    >>> cache.get((1, "alice", 7, "EXECUTE"))
    {'allowed': True}
    >>> cache.get((2, "alice", 7, "EXECUTE")) is None   # a newer epoch: evaluate again
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class EpochCache:
    """A bounded, thread-safe map from keys (for epoch answers, keys that start with the epoch)
    to answers; the least recently used entries go first."""

    def __init__(self, capacity: int = 8192):
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            row = self._entries.get(key)
            if row is not None:
                self._entries.move_to_end(key)
            return row

    def put(self, key: Hashable, row: Any) -> None:
        with self._lock:
            self._entries[key] = row
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
