"""A kind of record folded from its own stream, and snapshots of the long ones.

A decision, a view or a read-model row needs a record's state: its stream's events folded in order. A stream that
grows long (a course with hundreds of participants: each enrolment, attendance and completion is an event) would
be read and folded whole for every command on it. So every ``every`` events a reader that folded past that version
keeps the state there as a snapshot beside the events (``EventStore.save_snapshot``), and the next reader starts
from the newest snapshot and folds only the events after it. Each process also holds the latest state of the few
long streams it folded last (``HELD_STREAMS``): the next command on one of them reads only the events after it.

A snapshot is derived data, never a fact: audits, exports and rebuilds read the events. It (or a state held in the
process) is used only when
- the stream's own event at its version has the hash it names (a store restored from a backup, or an edit by
  hand, leaves it unused), and
- it was folded by this code: a snapshot's key names the kind, the fold's ``shape`` (bumped whenever ``evolve`` or
  the state's form changes) and the store's upcasters.
Keeping a snapshot is best effort: the command or view that folded it has its answer whatever happens to it.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from shared.envelope import Envelope
from shared.eventstore import EventStore

log = logging.getLogger("nscl.aggregate")

State = TypeVar("State")

# Every this many events a stream's state is kept. A command then reads at most this many events besides the
# snapshot; the two newest snapshots of a stream are kept, for a read-model projection a little behind.
SNAPSHOT_EVERY = 100
# The long streams (``every`` events or more) whose latest state a process holds, per store and kind, the least
# recently used let go first: a few courses of some thousands of participants each, a few MiB apiece.
HELD_STREAMS = 16


@dataclass(frozen=True)
class Loaded(Generic[State]):
    state: State | None  # None: no record (yet) in the events read
    version: int  # the stream's version the state was folded to; 0 for an empty stream
    event_hash: str = ""  # the hash of the stream's event at ``version``


@dataclass(frozen=True)
class Aggregate(Generic[State]):
    kind: str  # "course": names its snapshots
    evolve: Callable[[State | None, Envelope], State | None]
    dump: Callable[[State], dict[str, Any]]  # the state as a document (JSON types; keys without dots or $)
    restore: Callable[[dict[str, Any]], State]
    shape: int = 1  # bump with any change to ``evolve`` or the state's form: snapshots of another shape are unused
    every: int = SNAPSHOT_EVERY
    held_streams: int = HELD_STREAMS
    _held: _Held[State] = field(default_factory=lambda: _Held(), init=False, repr=False, compare=False)

    def fold(self, events: Iterable[Envelope], state: State | None = None) -> State | None:
        for event in events:
            state = self.evolve(state, event)
        return state

    def load(self, store: EventStore, stream_id: str, to_version: int | None = None) -> Loaded[State]:
        """The record as of ``to_version`` (the latest without), from the state this process holds or the newest
        usable snapshot, and the events after it. A read up to a version below ``every`` (a projection early in a
        stream) does not ask for a snapshot; one of the latest state does, so a short stream costs that look-up
        besides its read."""
        held = self._held.get(store, stream_id)
        if (held is not None and (to_version is None or to_version >= held.version)
                and (found := self._after(store, stream_id, held, to_version)) is not None):
            return found
        if to_version is None or to_version >= self.every:
            snapshot = store.snapshot(stream_id, self.key(store), to_version)
            if snapshot is not None:
                kept = Loaded(self.restore(snapshot["state"]), snapshot["version"], snapshot["event_hash"])
                if (found := self._after(store, stream_id, kept, to_version)) is not None:
                    return found
        return self.advance(store, stream_id, Loaded(None, 0), store.read_stream(stream_id, to_version=to_version))

    def advance(self, store: EventStore, stream_id: str, loaded: Loaded[State],
                events: Sequence[Envelope]) -> Loaded[State]:
        """``loaded`` folded on with the stream's next events (upcast, in order); keeps a snapshot at the last
        multiple of ``every`` they pass, and holds the result in this process when the stream is long."""
        state, passed = loaded.state, None
        for event in events:
            state = self.evolve(state, event)
            if event.version % self.every == 0 and state is not None:
                passed = (event, state)
        if passed is not None:
            self._keep(store, stream_id, *passed)
        folded = Loaded(state, events[-1].version, events[-1].hash) if events else loaded
        if folded.version >= self.every and folded.state is not None and self.held_streams:
            self._held.put(store, stream_id, folded, self.held_streams)
        return folded

    def _after(self, store: EventStore, stream_id: str, start: Loaded[State],
               to_version: int | None) -> Loaded[State] | None:
        """``start`` folded on to ``to_version``; None when the stream's event at its version is not the one it
        was folded to."""
        events = store.read_stream(stream_id, to_version=to_version, after_version=start.version - 1)
        if events and events[0].version == start.version and events[0].hash == start.event_hash:
            return self.advance(store, stream_id, start, events[1:])
        log.warning("the state of %s at version %s does not match its stream's event: read whole", stream_id,
                    start.version)
        self._held.drop(store, stream_id)
        return None

    def key(self, store: EventStore) -> str:
        return f"{self.kind}/{self.shape}/{upcasters_mark(store)}"

    def _keep(self, store: EventStore, stream_id: str, event: Envelope, state: State) -> None:
        try:
            store.save_snapshot(stream_id, self.key(store), event.version, event.hash, self.dump(state),
                                keep_from_version=event.version - self.every)
        except Exception:  # noqa: BLE001 - a snapshot is a saving, never a condition of the answer
            log.warning("snapshot of %s at version %s not kept", stream_id, event.version, exc_info=True)


def upcasters_mark(store: EventStore) -> str:
    """Names the store's upcaster steps: a snapshot folded from events upcast otherwise is not used."""
    steps = sorted(f"{event_type}:{version}:{step.__module__}.{step.__qualname__}"
                   for (event_type, version), step in store.upcasters.steps().items())
    return hashlib.sha256("|".join(steps).encode()).hexdigest()[:12]


class _Held(Generic[State]):
    """The latest states of long streams one process folded, per store, the least recently used let go first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_store: weakref.WeakKeyDictionary[EventStore, OrderedDict[str, Loaded[State]]] = \
            weakref.WeakKeyDictionary()

    def get(self, store: EventStore, stream_id: str) -> Loaded[State] | None:
        with self._lock:
            held = self._by_store.get(store)
            if held is None or stream_id not in held:
                return None
            held.move_to_end(stream_id)
            return held[stream_id]

    def put(self, store: EventStore, stream_id: str, loaded: Loaded[State], limit: int) -> None:
        with self._lock:
            held = self._by_store.setdefault(store, OrderedDict())
            if stream_id in held and held[stream_id].version > loaded.version:
                return  # a later state is held (a projection folding an older version)
            held[stream_id] = loaded
            held.move_to_end(stream_id)
            while len(held) > limit:
                held.popitem(last=False)

    def drop(self, store: EventStore, stream_id: str) -> None:
        with self._lock:
            self._by_store.get(store, OrderedDict()).pop(stream_id, None)
