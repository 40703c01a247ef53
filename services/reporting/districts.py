"""Registered enterprises counted by the district they are in now, kept up to date by reading only what is new.

An enterprise is in the district of its latest registration, profile or move fact that names one (``district_of``).
Each process holds the counts folded from registry's facts up to the position its coverage is complete through:
every fact at or below that position is kept before the coverage moves past it (``Facts.record``), and a fact
never changes, so those counts never have to be read again. A query reads the coverage and, when it moved, folds
in the facts between the held position and the new one; only the enterprises touched since cost a read. Facts
received beyond a gap (up to the highest position received) are added to the answer without being held. The
first query of a process folds every fact once. A coverage lower than the held position (the projection was
rebuilt) starts over.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from shared.contracts import registry as reg

SERVICE = "registry"
TYPES = (reg.ENTERPRISE_REGISTERED, reg.ENTERPRISE_PROFILE_UPDATED, reg.ENTERPRISE_MOVED)
# "data" whole: the embedded server flattens a dotted projection ("data.district_code") into one key
FIELDS = {"service": 1, "event_type": 1, "stream_id": 1, "version": 1, "position": 1, "data": 1}


def district_of(facts: Iterable[dict[str, Any]]) -> str | None:
    """The district of one enterprise's latest fact that names one (None before any)."""
    named = [fact for fact in facts if fact["data"].get("district_code")]
    return max(named, key=lambda fact: fact["version"])["data"]["district_code"] if named else None


class EnterpriseDistricts:
    def __init__(self, facts: Any, coverage: Any) -> None:
        self.facts, self.coverage = facts, coverage
        self._held: tuple[int, Counter[str]] = (0, Counter())  # (complete through, counts of the facts up to it)
        self._lock = threading.Lock()

    def counts(self) -> Counter[str]:
        """Enterprises per district code, from every fact the coverage has received."""
        coverage = self.coverage.of([SERVICE])[SERVICE]
        through, highest = coverage["complete_through"], coverage["highest"]
        with self._lock:
            held_through, held = self._held
        if through < held_through:  # the projection was rebuilt: its coverage starts again
            held_through, held = 0, Counter()
        if through > held_through:
            held = self._moved(held, held_through, through)
            with self._lock:
                if through > self._held[0]:
                    self._held = (through, held)
        return self._moved(held, through, highest) if highest > through else held

    def _moved(self, counts: Counter[str], after: int, through: int) -> Counter[str]:
        """``counts`` (those of the facts up to position ``after``) with the facts after it up to ``through``
        folded in: each enterprise they touch leaves the district it was in and enters its new one."""
        if after == 0:  # the first fold: every district fact of registry, found by type
            window = {"service": SERVICE, "event_type": {"$in": TYPES}, "position": {"$lte": through}}
        else:  # a few positions: the embedded server walks the position index only when asked by position alone
            window = {"position": {"$gt": after, "$lte": through}}  # (every service's facts there; others left out)
        inside: dict[str, list[dict[str, Any]]] = {}
        for fact in self.facts.find(window, FIELDS):
            if fact["service"] == SERVICE and fact["event_type"] in TYPES:
                inside.setdefault(fact["stream_id"], []).append(fact)
        if not inside:
            return counts
        before: dict[str, list[dict[str, Any]]] = {}
        continued = sorted(stream for stream, found in inside.items() if min(f["version"] for f in found) > 1)
        if continued and after > 0:  # enterprises with facts up to ``after``: where those placed them
            for fact in self.facts.find({"stream_id": {"$in": continued}, "service": SERVICE,
                                         "position": {"$lte": after}, "event_type": {"$in": TYPES}}, FIELDS):
                before.setdefault(fact["stream_id"], []).append(fact)
        changed = counts.copy()
        for stream, found in inside.items():
            was, now = district_of(before.get(stream, [])), district_of(before.get(stream, []) + found)
            if was != now:
                if was is not None:
                    changed[was] -= 1
                if now is not None:
                    changed[now] += 1
        return +changed  # districts left empty drop out
