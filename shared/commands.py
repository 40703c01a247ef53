"""Running a command against one stream: idempotency first, then the precondition, the decision, the append."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import PreconditionFailed
from shared.eventstore import AppendResult, EventStore, Metadata, NewEvent

Decide = Callable[[list[Envelope]], list[NewEvent]]


@dataclass(frozen=True)
class Outcome:
    stream_id: str
    version: int
    replayed: bool = False  # an earlier request with the same idempotency key; nothing new was appended


@dataclass(frozen=True)
class CommandContext:
    principal: Principal
    correlation_id: str
    idempotency_key: str | None = None  # already scoped to the principal
    request_hash: str | None = None
    expected_version: int | None = None  # from If-Match

    @property
    def metadata(self) -> Metadata:
        return Metadata(actor=self.principal.subject, department=self.principal.department,
                        correlation_id=self.correlation_id)


Reserve = Callable[[], Callable[[], None]]  # takes a reservation (e.g. a unique claim), returns its release


def run_command(store: EventStore, stream_id: str, decide: Decide, context: CommandContext,
                reserve: Reserve | None = None) -> Outcome:
    """Returns the earlier outcome for a repeated idempotency key; raises PreconditionFailed for a stale
    If-Match and ConcurrencyError when another writer appended between our read and our append.
    A decision with no events (nothing changes) appends nothing."""
    if context.idempotency_key:
        earlier = store.find_commit(context.idempotency_key, context.request_hash)
        if earlier is not None:
            return _outcome(earlier)
    history = store.read_stream(stream_id)
    current = history[-1].version if history else 0
    stale = context.expected_version is not None and context.expected_version != current
    if stale and history:
        raise PreconditionFailed(context.expected_version, current)
    events = decide(history)  # on an empty stream the decision speaks first (e.g. 404 for an update)
    if stale:
        raise PreconditionFailed(context.expected_version, current)
    if not events:
        return Outcome(stream_id, current)
    release = reserve() if reserve else None
    try:
        return _outcome(store.append(stream_id, current, events, context.metadata,
                                     context.idempotency_key, context.request_hash))
    except BaseException:
        if release:
            release()
        raise


def _outcome(result: AppendResult) -> Outcome:
    return Outcome(result.stream_id, result.version, result.replayed)
