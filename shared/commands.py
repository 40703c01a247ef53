"""Running a command against one stream: idempotency first, then the precondition, the decision, the append.

One command costs one look-up of its idempotency key (when it has one), one read of its stream (none for a stream
whose id it minted), and the append itself (the store's head and the insert): the append trusts the version the
decision saw.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import PreconditionFailed
from shared.eventstore import AppendResult, ConcurrencyError, EventStore, Metadata, NewEvent
from shared.ownership import Owned
from shared.reference import province_today
from shared.units import UnitDirectory, check_may_write

Decide = Callable[[list[Envelope]], list[NewEvent]]


@dataclass(frozen=True)
class Outcome:
    stream_id: str
    version: int
    replayed: bool = False  # an earlier request with the same idempotency key; nothing new was appended
    history: tuple[Envelope, ...] = ()  # the stream as of ``version`` (upcast), to answer from without a read


@dataclass(frozen=True)
class CommandContext:
    principal: Principal
    correlation_id: str
    idempotency_key: str | None = None  # already scoped to the principal
    request_hash: str | None = None
    expected_version: int | None = None  # from If-Match
    # the units in time when the service knows them: a department ended before a command's business date may not
    # record it, and holds the records of the departments merged into it (shared.units)
    units: UnitDirectory | None = None

    def also_holds(self) -> frozenset[str]:
        """The departments whose rights and records the principal's department holds today (merged into it)."""
        if self.units is None:
            return frozenset()
        return self.units.predecessors(self.principal.department, province_today().isoformat())

    @property
    def metadata(self) -> Metadata:
        return Metadata(actor=self.principal.subject, department=self.principal.department,
                        correlation_id=self.correlation_id)


Reserve = Callable[[], Callable[[], None]]  # takes a reservation (e.g. a unique claim), returns its release


# A command without If-Match that lost a race to another writer is decided again up to this often. Each loss means
# another writer's command went in, so with n writers on one record none loses more than n - 1 times: 20 concurrent
# writers on one support case all get through (tests/e2e/test_concurrent_writers.py; with 5, one in 20 got a 409).
REDECISIONS = 20


def run_command(store: EventStore, stream_id: str, decide: Decide, context: CommandContext,
                reserve: Reserve | None = None, *, new_stream: bool = False) -> Outcome:
    """Returns the earlier outcome for a repeated idempotency key; raises PreconditionFailed for a stale
    If-Match. A command without If-Match that loses a race (another writer appended between its read and its
    append) is decided again on the new state, up to ``REDECISIONS`` times, so only a real conflict reaches
    the client; with If-Match the client asked for that version only, and the ConcurrencyError stands.
    A decision with no events (nothing changes) appends nothing. ``new_stream``: the caller minted the stream's id
    for this command, so the first decision is taken on an empty history without reading it; should the stream
    exist after all, its append at version 0 is refused and the command is decided again on what is there."""
    if context.idempotency_key:
        earlier = store.find_commit(context.idempotency_key, context.request_hash)
        if earlier is not None:
            return _replayed(store, earlier)
    for attempt in range(1, REDECISIONS + 1):
        try:
            empty = new_stream and attempt == 1 and context.expected_version is None
            return _decide_and_append(store, stream_id, decide, context, reserve, empty)
        except ConcurrencyError:
            if context.expected_version is not None or attempt == REDECISIONS:
                raise
    raise AssertionError("unreachable")


def run_owned(store: EventStore, stream_id: str, owned: Owned, context: CommandContext, decide: Decide,
              reserve: Reserve | None = None) -> Outcome:
    """``run_command`` on an existing record, decided only for a department that holds it (shared.ownership): the
    owner is read from the record as loaded for the decision, never from the request."""
    principal = context.principal
    guarded = owned.guard(principal.department, principal.role, decide, context.also_holds())
    return run_command(store, stream_id, guarded, context, reserve)


def _decide_and_append(store: EventStore, stream_id: str, decide: Decide, context: CommandContext,
                       reserve: Reserve | None, empty: bool = False) -> Outcome:
    history = [] if empty else store.read_stream(stream_id)
    current = history[-1].version if history else 0
    expected = context.expected_version
    if expected is not None and expected != current and history:
        raise PreconditionFailed(expected, current)
    events = decide(history)  # on an empty stream the decision speaks first (e.g. 404 for an update)
    if expected is not None and expected != current:
        raise PreconditionFailed(expected, current)
    if not events:
        return Outcome(stream_id, current, history=tuple(history))
    if context.units is not None:
        check_may_write(context.units, context.principal.department, map(_business_day, events))
    release = reserve() if reserve else None
    try:
        result = store.append(stream_id, current, events, context.metadata, context.idempotency_key,
                              context.request_hash, version_seen=True)
    except BaseException:
        if release:
            release()
        raise
    if result.replayed:  # the same key won a race against this request
        return _replayed(store, result)
    appended = tuple(store.upcasters.upcast(event) for event in result.events)
    return Outcome(result.stream_id, result.version, history=(*history, *appended))


def _business_day(event: NewEvent) -> str:
    """The day an event is dated (its business time; a date is kept as that day's midnight), else today."""
    return event.occurred_at[:10] if event.occurred_at else province_today().isoformat()


def _replayed(store: EventStore, earlier: AppendResult) -> Outcome:
    return Outcome(earlier.stream_id, earlier.version, replayed=True,
                   history=tuple(store.read_stream(earlier.stream_id, to_version=earlier.version)))
