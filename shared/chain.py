"""The hash chain, checked event by event: by the store, by the audit API and offline by the auditor's tool.

Fed the events of a log from position 1 in order, it names every event that was edited (its content no
longer matches its hash), removed or reordered (a gap or a jump in positions, a broken link). Given kept
*anchors* (each a position and the hash the log had there, as a signed digest states them), it also proves that
nothing at or before the anchor changed, including the newest events: a log cut short of the anchor, or one
rewritten consistently from some point on, no longer reaches the anchor's hash.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.envelope import GENESIS_HASH, Envelope


@dataclass(frozen=True)
class Tampering:
    position: int
    reason: str


@dataclass(frozen=True)
class Anchor:
    position: int
    hash: str


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    head_hash: str
    problems: list[Tampering]
    head_position: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ChainVerifier:
    anchors: tuple[Anchor, ...] = ()
    checked: int = 0
    problems: list[Tampering] = field(default_factory=list)
    _expected_position: int = 1
    _last_position: int = 0
    _prev_hash: str = GENESIS_HASH
    _anchors_seen: set[int] = field(default_factory=set)

    def feed(self, event: Envelope) -> None:
        self.checked += 1
        if event.position != self._expected_position:
            self.problems.append(Tampering(self._expected_position,
                                           f"expected position {self._expected_position}, found {event.position}"
                                           " (an event was removed or reordered)"))
        if event.prev_hash != self._prev_hash:
            self.problems.append(Tampering(event.position, "prev_hash does not link to the event before"))
        if event.compute_hash() != event.hash:
            self.problems.append(Tampering(event.position, "content does not match its hash (edited)"))
        for anchor in self.anchors:
            if event.position == anchor.position:
                self._anchors_seen.add(anchor.position)
                if event.hash != anchor.hash:
                    self.problems.append(Tampering(event.position, "hash differs from the kept digest's: the "
                                                                   "history at or before the digest was changed"))
        self._expected_position, self._prev_hash = event.position + 1, event.hash
        self._last_position = max(self._last_position, event.position)

    def report(self) -> VerifyReport:
        problems = list(self.problems)
        for anchor in self.anchors:
            if anchor.position > 0 and anchor.position not in self._anchors_seen:
                problems.append(Tampering(anchor.position,
                                          f"the kept digest names position {anchor.position}, but the history "
                                          f"ends at {self._last_position} (the newest events were removed)"))
        return VerifyReport(checked=self.checked, head_hash=self._prev_hash, problems=problems,
                            head_position=self._last_position)


def verify_chain(events: Iterable[Envelope], anchors: Iterable[Anchor] = ()) -> VerifyReport:
    """Every event of a log from position 1, in the order given, against any kept anchors."""
    verifier = ChainVerifier(tuple(anchors))
    for event in events:
        verifier.feed(event)
    return verifier.report()
