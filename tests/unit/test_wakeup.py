"""Waking the relay: a commit sends a datagram its relay waits on; a lost one or a deaf relay costs nothing."""
from __future__ import annotations

import pytest

from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from shared.wakeup import WakeListener, Waker, parse_address


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
