"""A command without If-Match that loses a race is decided again on the new state; with If-Match it is a
conflict the client asked for; a decision that keeps losing gives up after a bounded number of tries."""
from __future__ import annotations

import threading

import pytest

from shared.auth import Principal
from shared.commands import REDECISIONS, CommandContext, run_command
from shared.errors import PreconditionFailed
from shared.eventstore import ConcurrencyError, Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore

CLERK = CommandContext(Principal("test-dost-clerk", "DOST", "clerk"), "corr-1")
META = Metadata("another-writer", "DOST")


def counter_store() -> InMemoryEventStore:
    store = InMemoryEventStore()
    store.append("counter", 0, [NewEvent("Counted", {"n": 1})], META)
    return store


def losing_once(store: InMemoryEventStore, decided: list[int]):
    """A decision during which another writer appends to the same stream, the first time only."""
    def decide(history):
        decided.append(len(history))
        if len(decided) == 1:
            store.append("counter", len(history), [NewEvent("Counted", {"n": len(history) + 1})], META)
        return [NewEvent("Counted", {"n": len(history) + 1})]
    return decide


def test_without_if_match_a_lost_race_is_decided_again_on_the_new_state():
    store, decided = counter_store(), []
    outcome = run_command(store, "counter", losing_once(store, decided), CLERK)
    assert decided == [1, 2]  # the second decision saw the other writer's event
    assert outcome.version == 3
    assert [event.data["n"] for event in store.read_stream("counter")] == [1, 2, 3]


def test_with_if_match_the_lost_race_is_the_clients_conflict():
    store, decided = counter_store(), []
    with pytest.raises((ConcurrencyError, PreconditionFailed)):
        run_command(store, "counter", losing_once(store, decided),
                    CommandContext(CLERK.principal, "corr-2", expected_version=1))
    assert decided == [1]


def test_a_decision_that_always_loses_gives_up_after_the_bounded_tries():
    store, decided = counter_store(), []

    def always_losing(history):
        decided.append(len(history))
        store.append("counter", len(history), [NewEvent("Counted", {})], META)
        return [NewEvent("Counted", {})]

    with pytest.raises(ConcurrencyError):
        run_command(store, "counter", always_losing, CLERK)
    assert len(decided) == REDECISIONS


def test_twenty_writers_on_one_stream_without_if_match_all_succeed_with_gapless_versions():
    store, failures, start = counter_store(), [], threading.Barrier(20)

    def write(n: int) -> None:
        start.wait()
        try:
            run_command(store, "counter", lambda history: [NewEvent("Counted", {"writer": n})],
                        CommandContext(CLERK.principal, f"corr-{n}"))
        except ConcurrencyError as error:
            failures.append(error)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    versions = [event.version for event in store.read_stream("counter")]
    assert len(failures) + len(versions) == 21 and versions == list(range(1, len(versions) + 1))
    assert failures == []  # each loser was decided again on the new state


class ReadsCounted(InMemoryEventStore):
    def __init__(self) -> None:
        super().__init__()
        self.stream_reads = 0

    def read_stream(self, stream_id, **kwargs):
        self.stream_reads += 1
        return super().read_stream(stream_id, **kwargs)


def test_a_stream_the_command_minted_is_not_read_and_one_that_exists_after_all_is_decided_on_its_events():
    store, decided = ReadsCounted(), []

    def register(history):
        decided.append(len(history))
        if history:
            raise ValueError("already registered")
        return [NewEvent("Registered", {})]

    outcome = run_command(store, "fresh", register, CLERK, new_stream=True)
    assert (outcome.version, store.stream_reads, decided) == (1, 0, [0])
    with pytest.raises(ValueError, match="already registered"):  # the same id again: refused, read, decided
        run_command(store, "fresh", register, CLERK, new_stream=True)
    assert (store.stream_reads, decided) == (1, [0, 0, 1])
    assert [event.event_type for event in store.read_stream("fresh")] == ["Registered"]
