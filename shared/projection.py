"""A service's own read models, projected from its own event store (no broker on the way).

The projection reads the store from its checkpoint in position order, applies each event with an
idempotent handler, then records the checkpoint; a crash between the two re-applies at most one batch,
which changes nothing. Queries that list and filter read these models; a single record is read from its
stream, so a clerk always sees their own write at once.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from shared.aggregate import Aggregate, Loaded
from shared.envelope import Envelope, utc_now
from shared.eventstore import EventStore, StorageUnavailable
from shared.eventstore.mongo import COMMITS
from shared.mongo import TRANSIENT_ERRORS
from shared.readmodel import ReadModel
from shared.wakeup import Wake, rest_after, wake_for

if TYPE_CHECKING:
    from shared.bootstrap import WriteService

log = logging.getLogger("nscl.projection")
CHECKPOINTS = "projection_checkpoints"


def project_aggregate(store: EventStore, read_model: ReadModel, collection: str, event: Envelope,
                      fold: Callable[[list[Envelope]], Any] | Aggregate[Any],
                      row: Callable[[Any], dict[str, Any]]) -> None:
    """Writes the whole aggregate as it stood at this event's version, guarded by that version: a replay, or
    a rebuild from position 0, writes the same rows. A stream's first event is its whole history then. A record
    folded by an ``Aggregate`` is read from its newest snapshot up to that version and the events after it."""
    if isinstance(fold, Aggregate):
        state = (fold.advance(store, event.stream_id, Loaded(None, 0), [event]) if event.version == 1
                 else fold.load(store, event.stream_id, to_version=event.version)).state
    else:
        state = fold([event] if event.version == 1 else store.read_stream(event.stream_id, to_version=event.version))
    if state is not None:
        read_model.replace_versioned(collection, event.stream_id, event.version, row(state))


class StoreProjection:
    def __init__(self, name: str, store: EventStore, database: Any, handle: Callable[[Envelope], None],
                 batch_size: int = 500, wake: Wake | None = None,
                 writes: ReadModel | None = None) -> None:
        self.name, self.store, self.handle, self.batch_size = name, store, handle, batch_size
        self.writes = writes  # the read model ``handle`` writes to: its versioned rows are sent once per batch
        self.checkpoints = database[CHECKPOINTS]
        self.wake = wake  # the service's commits wake the projection (shared.wakeup); without it, it polls

    def position(self) -> int:
        found = self.checkpoints.find_one({"_id": self.name})
        return found["position"] if found else 0

    def catch_up_once(self) -> int:
        """Applies the next batch after the checkpoint; returns how many events it applied."""
        batch = next(iter(self.store.read_all(self.position() + 1, self.batch_size)), [])
        with self.writes.deferring() if self.writes is not None else nullcontext():
            for event in batch:
                self.handle(event)
        if batch:
            self.checkpoints.replace_one({"_id": self.name}, {"_id": self.name, "position": batch[-1].position,
                                                              "updated_at": utc_now()}, upsert=True)
        return len(batch)

    def catch_up(self) -> int:
        applied = 0
        while count := self.catch_up_once():
            applied += count
        return applied

    def run(self, stop: threading.Event, idle_wait_s: float = 0.05, retry_wait_s: float = 1.0) -> None:
        try:
            while not stop.is_set():
                try:
                    rest_after(self.catch_up_once(), self.batch_size, self.wake, stop, idle_wait_s)
                except TRANSIENT_ERRORS + (StorageUnavailable,) as error:
                    log.warning("projection %s paused: %s", self.name, error)
                    stop.wait(retry_wait_s)
        finally:
            if self.wake is not None:
                self.wake.close()


def read_model_projection(service: WriteService, name: str, handle: Callable[[Envelope], None],
                          writes: ReadModel) -> StoreProjection:
    """A write service's projection of its own store into ``writes``, woken by the service's commits (see
    shared.wakeup: the store's change stream, or ``NSCL_PROJECTION_WAKE_<SERVICE>``)."""
    wake = wake_for(service.database[COMMITS], service.settings.projection_wake.get(service.name),
                    f"projection {name}")
    return StoreProjection(name, service.store, service.database, handle, wake=wake, writes=writes)
