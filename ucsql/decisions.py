"""Privilege decisions in bulk: everything one principal may do, decided in one pass and kept.

A single check plans and runs the whole policy query (``sql/session/06_authorize.sql``) for one
securable: tens of milliseconds, most of it planning. ``sql/queries/decisions_for_principal.sql``
asks the same macro about every securable and every operation at once, and the answer holds for
as long as the policy epoch does (migration 0003: every grant, revoke, ownership or membership
change bumps it in its own transaction, in any process). So a ``Decisions`` is kept per
(metastore, principal, policy epoch) and a check becomes a set lookup.

A securable created after the pass (by this process or another: creating bumps only the names
epoch, since it changes no decision about the others) is not in ``decided``; the first check on
it decides it alone with the same query and extends the entry. An id is never reused, so an
entry extended inside a transaction that is then rolled back only holds a decision nobody asks.

A pass over everything costs more than one check (seconds at 10k models and 100k grants), so
it is made only once the single checks spent at that (metastore, principal, epoch) have cost
as much as the last pass did (``BulkPlanner``): a statement that changes grants and checks once
between changes keeps the single checks; a workload touching many securables at a stable epoch
pays one pass. At most twice the better of the two, whichever the workload turns out to be.

    >>> d = Decisions({"EXECUTE": {7}}, decided={7, 8})
    >>> d.knows(7), d.allows("EXECUTE", 7), d.allows("EXECUTE", 8), d.knows(9)
    (True, True, False, False)
    >>> d.extend({"MANAGE": {9}}, decided={9})
    >>> d.allows("MANAGE", 9)
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class Decisions:
    """The allowed (operation, securable) pairs of one principal, and which securables were
    decided (a pair of a decided securable that is not allowed is refused)."""

    __slots__ = ("allowed", "decided", "_lock")

    def __init__(self, allowed: dict[str, set[int]], decided: set[int]):
        self.allowed = allowed
        self.decided = decided
        self._lock = threading.Lock()

    @classmethod
    def from_rows(cls, rows: list[tuple]) -> Decisions:
        """From the rows of decisions_for_principal.sql: (operation, ids); operation NULL lists
        every securable decided."""
        allowed, decided = {}, set()
        for operation, ids in rows:
            if operation is None:
                decided = set(ids)
            else:
                allowed[operation] = set(ids)
        return cls(allowed, decided)

    def knows(self, securable_id: int) -> bool:
        return securable_id in self.decided

    def allows(self, operation: str, securable_id: int) -> bool:
        return securable_id in self.allowed.get(operation, ())

    def extend(self, allowed: dict[str, set[int]], decided: set[int]) -> None:
        """Add the decisions about securables decided later (new ones)."""
        with self._lock:
            for operation, ids in allowed.items():
                self.allowed.setdefault(operation, set()).update(ids)
            self.decided |= decided


class BulkPlanner:
    """The kept ``Decisions`` of one engine, by (metastore id, principal, policy epoch), and the
    rule for when a pass is worth making. Thread-safe; bounded (least recently used go first,
    and an older epoch of a principal goes when a newer one is kept). ``threshold``: make a pass
    once the single checks cost that many seconds, instead of what the last pass cost (0: at
    once, as tests/test_property_decisions.py needs)."""

    def __init__(self, capacity: int = 16, first_guess: float = 0.02,
                 threshold: float | None = None):
        self.threshold = threshold
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Decisions] = OrderedDict()
        self._spent: dict[Hashable, float] = {}  # single-check seconds per key, since no pass
        self._pass_cost: dict[tuple, float] = {}  # (metastore, principal) -> last pass, seconds
        self._first_guess = first_guess
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Decisions | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def worth_a_pass(self, key: tuple) -> bool:
        """Whether the single checks at ``key`` have cost as much as a pass is expected to."""
        with self._lock:
            bound = (self.threshold if self.threshold is not None
                     else self._pass_cost.get(key[:2], self._first_guess))
            return self._spent.get(key, 0.0) >= bound

    def spent(self, key: tuple, seconds: float) -> None:
        with self._lock:
            self._spent[key] = self._spent.get(key, 0.0) + seconds
            while len(self._spent) > 4 * self.capacity:
                self._spent.pop(next(iter(self._spent)))

    def put(self, key: tuple, decisions: Decisions, seconds: float) -> None:
        with self._lock:
            self._pass_cost[key[:2]] = seconds
            self._spent.pop(key, None)
            for old in [k for k in self._entries if k[:2] == key[:2] and k[2] < key[2]]:
                del self._entries[old]
            self._entries[key] = decisions
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
            while len(self._pass_cost) > 4 * self.capacity:
                self._pass_cost.pop(next(iter(self._pass_cost)))
