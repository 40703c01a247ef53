"""One relay publishes at a time, provably (issue 11): two relays of one service on one store, one lease and one
checkpoint, on the real servers. The lease's epoch grows at each takeover; a relay confirms it before each batch
and saves its checkpoint by compare-and-set on it, so a relay that was paused past its lease publishes nothing more,
and even a batch that was in flight while the other took over never moves the checkpoint back."""
from __future__ import annotations

import uuid

import pytest

from shared.envelope import Envelope
from shared.eventstore import ANY_VERSION, Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.lease import MongoLease
from shared.relay import Checkpoint, Checkpoints, Fenced, KafkaPublisher, MongoCheckpoints, Relay
from tests.signing import SIGNER
from tests.topics import read_records

pytestmark = pytest.mark.integration
EVENTS, BATCH = 30, 5


class WatchedCheckpoints(Checkpoints):
    """The real checkpoints, with every position that was saved (a refused save is not)."""

    def __init__(self, inner: Checkpoints) -> None:
        self.inner, self.positions = inner, list[int]()

    def load(self, topic: str) -> Checkpoint:
        return self.inner.load(topic)

    def save(self, topic: str, checkpoint: Checkpoint, epoch: int | None = None) -> None:
        self.inner.save(topic, checkpoint, epoch)
        self.positions.append(checkpoint.position)


def test_a_relay_whose_lease_was_taken_over_publishes_nothing_more_and_never_moves_the_checkpoint_back(
        embedded_servers, fresh_database):
    store = MongoEventStore(fresh_database)
    store.ensure_indexes()
    for index in range(EVENTS):
        store.append(f"enterprise-{index % 3}", ANY_VERSION, [NewEvent("Counted", {"n": index})],
                     Metadata(actor="clerk", department="DOST"))
    topic, leases = f"nscl.test-{uuid.uuid4().hex[:8]}.events", fresh_database["relay_leases"]
    checkpoints = WatchedCheckpoints(MongoCheckpoints(fresh_database["relay_checkpoints"]))

    def relay(owner: str) -> Relay:
        return Relay(store, checkpoints, KafkaPublisher(embedded_servers.kafka_bootstrap, topic, 3, SIGNER), topic,
                     batch_size=BATCH, lease=MongoLease(leases, topic, owner, ttl_s=30))

    def expire_lease() -> None:  # its holder is paused (a stopped VM, a long pause) past the lease's end
        leases.update_one({"_id": topic}, {"$set": {"expires_at": 0.0}})

    first, second, third = relay("relay-a"), relay("relay-b"), relay("relay-c")
    try:
        assert first.lease is not None and second.lease is not None
        assert first.lease.hold() and not second.lease.hold()
        assert first.publish_next_batch() == BATCH

        expire_lease()
        assert second.lease.hold() and second.lease.epoch == 2
        assert second.publish_next_batch() == BATCH
        # The first wakes up still believing it holds the lease (its last renewal is recent): refused.
        assert first.lease.hold()
        with pytest.raises(Fenced):
            first.publish_next_batch()
        assert len(read_records(embedded_servers.kafka_bootstrap, topic, 2 * BATCH)) == 2 * BATCH

        # The first gets the lease back; while its batch is in flight, a third relay takes over and publishes two.
        expire_lease()
        assert first.lease.hold() and first.lease.epoch == 3
        first.forget_connection()
        publish = first.publisher.publish

        def overtaken(records) -> None:
            expire_lease()
            assert third.lease is not None and third.lease.hold() and third.lease.epoch == 4
            assert third.publish_next_batch() == third.publish_next_batch() == BATCH
            publish(records)
        first.publisher.publish = overtaken
        with pytest.raises(Fenced):
            first.publish_next_batch()
        assert checkpoints.load(topic).position == 4 * BATCH  # the third's, not the first's 3 * BATCH

        while third.publish_next_batch():
            pass
    finally:
        for each in (first, second, third):
            each.publisher.close()

    assert checkpoints.load(topic).position == EVENTS
    assert checkpoints.positions == sorted(checkpoints.positions), "the checkpoint went back"
    records = read_records(embedded_servers.kafka_bootstrap, topic, EVENTS + BATCH)
    positions = [Envelope.from_json(record.value).position for record in records]
    assert set(positions) == set(range(1, EVENTS + 1))  # every event at least once
    assert len(positions) == EVENTS + BATCH  # the batch in flight during the takeover, once more

