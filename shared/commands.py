"""Running a command against one stream: the precondition, the decision, the append, and idempotency.

One command costs one read of its stream (none for a stream whose id it minted) and the append itself (the insert,
at the head this process wrote last): the append trusts the version the decision saw. An idempotency key costs
nothing more unless the request was sent before (see ``_run``). A record folded by an aggregate
(shared.aggregate) is read from its newest snapshot and the events after it, and its decisions take its state.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.aggregate import Aggregate, Loaded
from shared.auth import Principal
from shared.envelope import Envelope
from shared.errors import PreconditionFailed
from shared.eventstore import AppendResult, ConcurrencyError, EventStore, Metadata, NewEvent, StorageUnavailable
from shared.ownership import Owned
from shared.reference import province_today
from shared.units import UnitDirectory, check_may_write

Decide = Callable[[list[Envelope]], list[NewEvent]]
DecideOnState = Callable[[Any], list[NewEvent]]  # a decision on a record's state (None: no record yet)


@dataclass(frozen=True)
class Outcome:
    stream_id: str
    version: int
    replayed: bool = False  # an earlier request with the same idempotency key; nothing new was appended
    history: tuple[Envelope, ...] = ()  # the stream as of ``version`` (upcast), to answer from without a read
    state: Any = None  # run_folded: the record as of ``version``


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
    def replayed(earlier: AppendResult) -> Outcome:
        return Outcome(earlier.stream_id, earlier.version, replayed=True,
                       history=tuple(store.read_stream(earlier.stream_id, to_version=earlier.version)))

    def attempt(empty: bool) -> Outcome:
        history = [] if empty else store.read_stream(stream_id)
        current = history[-1].version if history else 0
        result = _decide_and_append(store, stream_id, lambda: decide(history), current, context, reserve)
        if result is None:
            return Outcome(stream_id, current, history=tuple(history))
        if result.replayed:  # this key's earlier commit
            return replayed(result)
        appended = tuple(store.upcasters.upcast(event) for event in result.events)
        return Outcome(result.stream_id, result.version, history=(*history, *appended))

    return _run(store, context, new_stream, attempt, replayed)


def run_folded(store: EventStore, aggregate: Aggregate[Any], stream_id: str, decide: DecideOnState,
               context: CommandContext, reserve: Reserve | None = None, *, new_stream: bool = False) -> Outcome:
    """``run_command`` for a record whose decisions take its state (``aggregate``), loaded from the stream's newest
    snapshot and the events after it (shared.aggregate); the outcome carries the state as the command left it."""
    def replayed(earlier: AppendResult) -> Outcome:
        return Outcome(earlier.stream_id, earlier.version, replayed=True,
                       state=aggregate.load(store, earlier.stream_id, to_version=earlier.version).state)

    def attempt(empty: bool) -> Outcome:
        loaded: Loaded[Any] = Loaded(None, 0) if empty else aggregate.load(store, stream_id)
        result = _decide_and_append(store, stream_id, lambda: decide(loaded.state), loaded.version, context,
                                    reserve)
        if result is None:
            return Outcome(stream_id, loaded.version, state=loaded.state)
        if result.replayed:
            return replayed(result)
        after = aggregate.advance(store, stream_id, loaded,
                                  [store.upcasters.upcast(event) for event in result.events])
        return Outcome(result.stream_id, result.version, state=after.state)

    return _run(store, context, new_stream, attempt, replayed)


def run_owned(store: EventStore, stream_id: str, owned: Owned, context: CommandContext,
              decide: Callable[[Any], list[NewEvent]], reserve: Reserve | None = None) -> Outcome:
    """``run_command`` (or ``run_folded``, for a record folded by an aggregate) on an existing record, decided only
    for a department that holds it (shared.ownership): the owner is read from the record as loaded for the
    decision, never from the request."""
    principal = context.principal
    guarded = owned.guard(principal.department, principal.role, decide, context.also_holds())
    if owned.aggregate is not None:
        return run_folded(store, owned.aggregate, stream_id, guarded, context, reserve)
    return run_command(store, stream_id, guarded, context, reserve)


def _run(store: EventStore, context: CommandContext, new_stream: bool, attempt: Callable[[bool], Outcome],
         replayed: Callable[[AppendResult], Outcome]) -> Outcome:
    """A command with an idempotency key is not looked up first: its commit's id derives from the key, so the
    insert of a repeated request is refused and answered with the earlier commit (``AppendResult.replayed``). A
    repeated request that the state now refuses (a 4xx, a unique value taken by its own first request, a lost race)
    or for which it decides nothing is looked up, and answered with the earlier outcome as well."""
    try:
        for number in range(1, REDECISIONS + 1):
            try:
                return attempt(new_stream and number == 1 and context.expected_version is None)
            except ConcurrencyError:
                if context.expected_version is not None or number == REDECISIONS:
                    raise
        raise AssertionError("unreachable")
    except StorageUnavailable:
        raise
    except Exception:
        if (earlier := _earlier(store, context)) is not None:
            return replayed(earlier)
        raise


def _earlier(store: EventStore, context: CommandContext) -> AppendResult | None:
    """The commit of an earlier request with this command's idempotency key (IdempotencyKeyReused if it was another
    request), or None."""
    if not context.idempotency_key:
        return None
    return store.find_commit(context.idempotency_key, context.request_hash)


def _decide_and_append(store: EventStore, stream_id: str, decide: Callable[[], list[NewEvent]], current: int,
                       context: CommandContext, reserve: Reserve | None) -> AppendResult | None:
    """The decision taken on the stream as read at version ``current``, and its events appended at that version.
    When it decided nothing: this key's earlier commit if the request was sent before, else None."""
    expected = context.expected_version
    if expected is not None and expected != current and current:
        raise PreconditionFailed(expected, current)
    events = decide()  # on an empty stream the decision speaks first (e.g. 404 for an update)
    if expected is not None and expected != current:
        raise PreconditionFailed(expected, current)
    if not events:
        return _earlier(store, context)
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
    if result.replayed and release:
        release()  # the earlier request's commit stands: what this one reserved is not used
    return result


def _business_day(event: NewEvent) -> str:
    """The day an event is dated (its business time; a date is kept as that day's midnight), else today."""
    return event.occurred_at[:10] if event.occurred_at else province_today().isoformat()
