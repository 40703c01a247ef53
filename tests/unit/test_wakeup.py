"""Waking the relay: a commit sends a datagram its relay waits on, or the store's change stream wakes it; a lost
wake-up or a deaf relay costs nothing."""
from __future__ import annotations

import threading

import pytest
from pymongo import MongoClient
from pymongo.change_stream import CollectionChangeStream
from pymongo.collection import Collection
from pymongo.errors import AutoReconnect

from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from shared.wakeup import ChangeStreamWake, WakeListener, Waker, parse_address


@pytest.fixture
def listener():
    found = WakeListener(("127.0.0.1", 0))
    yield found
    found.close()


def test_a_wake_up_ends_the_wait_and_is_consumed(listener):
    waker = Waker(listener.address)
    waker.notify()
    waker.notify()
    assert listener.wait(5) is True
    assert listener.wait(0.05) is False  # both datagrams were taken by the first wait


def test_without_a_wake_up_the_wait_ends_after_its_timeout(listener):
    assert listener.wait(0.05) is False


def test_interrupt_ends_a_wait(listener):
    listener.interrupt()
    assert listener.wait(5) is True


def test_notifying_nobody_or_a_deaf_address_never_fails():
    Waker(None).notify()
    deaf = WakeListener(("127.0.0.1", 0))
    address = deaf.address
    deaf.close()
    Waker(address).notify()


def test_addresses_are_host_and_port():
    assert parse_address("relay-registry:9310") == ("relay-registry", 9310)
    assert parse_address("") is None and parse_address(None) is None
    with pytest.raises(ValueError, match="host:port"):
        parse_address("relay-registry")


def test_the_store_calls_after_commit_once_per_new_commit_and_not_for_a_replay():
    store, seen = InMemoryEventStore(), []
    store.after_commit = seen.append
    meta = Metadata("clerk", "DOST")
    first = store.append("s-1", 0, [NewEvent("A", {})], meta, idempotency_key="k-1")
    store.append("s-1", 0, [NewEvent("A", {})], meta, idempotency_key="k-1")  # the same request again
    store.append("s-2", 0, [NewEvent("B", {})], meta)
    assert [result.stream_id for result in seen] == ["s-1", "s-2"] and seen[0] == first


class ScriptedChanges(CollectionChangeStream):
    """A change stream that hands out the inserts its collection was told of, one per ``try_next``."""

    def __init__(self, commits: ScriptedCommits) -> None:  # no server to open a cursor on
        self.commits = commits

    def try_next(self):
        with self.commits.lock:
            if self.commits.inserts:
                return self.commits.inserts.pop(0)
        self.commits.idle.wait(0.01)  # the server's wait for a change, shortened
        return None

    def close(self) -> None:
        self.commits.closed_streams += 1


class ScriptedCommits(Collection):
    """A commits collection whose first ``failures`` watches fail as an unreachable server's would."""

    def __init__(self, failures: int) -> None:
        super().__init__(MongoClient("mongodb://127.0.0.1:1", connect=False)["nscl_registry"], "commits")
        self.failures, self.watches, self.closed_streams = failures, 0, 0
        self.inserts: list[dict] = []
        self.lock, self.idle = threading.Lock(), threading.Event()

    def watch(self, *args, **kwargs):
        self.watches += 1
        if self.watches <= self.failures:
            raise AutoReconnect("connection refused")
        return ScriptedChanges(self)

    def insert(self) -> None:
        with self.lock:
            self.inserts.append({"_id": {"_data": "token"}, "operationType": "insert"})


class QuickRetry(ChangeStreamWake):
    RETRY_S = 0.01


def test_the_change_stream_wakes_on_each_insert_and_the_wake_up_is_consumed():
    commits = ScriptedCommits(failures=0)
    wake = QuickRetry(commits, "relay registry")
    try:
        assert wake.wait(5) is True  # opening the stream: what was committed before it is looked for
        assert wake.wait(0.05) is False
        commits.insert()
        assert wake.wait(5) is True
        assert wake.wait(0.05) is False
        wake.interrupt()
        assert wake.wait(5) is True
    finally:
        wake.close()
    assert not wake._thread.is_alive() and commits.closed_streams == 1


def test_a_failing_change_stream_is_watched_again_and_then_wakes_the_reader():
    commits = ScriptedCommits(failures=2)
    wake = QuickRetry(commits, "relay registry")
    try:
        assert wake.wait(5) is True  # watching again after two failures: the reader looks at the store
        assert commits.watches == 3
        assert wake.wait(0.05) is False
        commits.insert()
        assert wake.wait(5) is True
    finally:
        wake.close()
    assert not wake._thread.is_alive()
