from __future__ import annotations

import threading

import pytest
from kafka.errors import KafkaConnectionError

import shared.wakeup as wakeup_module
from deploy.processes import wait_until
from shared.envelope import Envelope
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from shared.lease import Lease
from shared.relay import Checkpoint, CheckpointAhead, Checkpoints, Fenced, Publisher, Record, Relay
from shared.wakeup import WakeListener, Waker

TOPIC = "nscl.registry.events"
META = Metadata(actor="test-dost-clerk", department="DOST")


class FakePublisher(Publisher):
    def __init__(self, topic_id: str = "topic-A") -> None:
        self.current_topic_id = topic_id
        self.published: list[Envelope] = []
        self.batches: list[list[int]] = []
        self.fail_with: Exception | None = None
        self.topic_id_calls = 0
        self.closed = False

    def topic_id(self) -> str:
        self.topic_id_calls += 1
        return self.current_topic_id

    def publish(self, records: list[Record]) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        events = [record.event for record in records]
        self.published.extend(events)
        self.batches.append([event.position for event in events])

    def close(self) -> None:
        self.closed = True

    @property
    def positions(self) -> list[int]:
        return [event.position for event in self.published]


class DictCheckpoints(Checkpoints):
    def __init__(self) -> None:
        self.saved: dict[str, Checkpoint] = {}
        self.epochs: dict[str, int] = {}

    def load(self, topic: str) -> Checkpoint:
        return self.saved.get(topic, Checkpoint())

    def save(self, topic: str, checkpoint: Checkpoint, epoch: int | None = None) -> None:
        if epoch is not None:
            if epoch < self.epochs.get(topic, epoch):
                raise Fenced(f"epoch {epoch} is behind")
            self.epochs[topic] = epoch
        self.saved[topic] = checkpoint


def store_with(count: int, stream_count: int = 2) -> InMemoryEventStore:
    store = InMemoryEventStore()
    for index in range(count):
        store.append(f"enterprise-{index % stream_count}", None, [NewEvent("EnterpriseNoted", {"n": index + 1})], META)
    return store


@pytest.fixture
def checkpoints() -> DictCheckpoints:
    return DictCheckpoints()


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


def test_nothing_pending_publishes_nothing(checkpoints, publisher):
    relay = Relay(InMemoryEventStore(), checkpoints, publisher, TOPIC)
    assert relay.publish_next_batch() == 0
    assert publisher.published == []


def test_publishes_in_position_order_in_batches_and_checkpoints_after_each(checkpoints, publisher):
    store = store_with(5)
    relay = Relay(store, checkpoints, publisher, TOPIC, batch_size=2)

    assert relay.publish_next_batch() == 2
    assert checkpoints.load(TOPIC).position == 2
    assert relay.publish_next_batch() == 2
    assert checkpoints.load(TOPIC).position == 4
    assert relay.publish_next_batch() == 1
    assert checkpoints.load(TOPIC) == Checkpoint(5, "topic-A", publisher.published[-1].hash)
    assert relay.publish_next_batch() == 0

    assert publisher.batches == [[1, 2], [3, 4], [5]]
    assert [event.data["n"] for event in publisher.published] == [1, 2, 3, 4, 5]


def test_published_events_are_the_stored_events(checkpoints, publisher):
    store = store_with(3)
    Relay(store, checkpoints, publisher, TOPIC).publish_next_batch()
    [stored] = list(store.read_all(raw=True))
    assert publisher.published == stored


def test_picks_up_events_appended_after_an_idle_call(checkpoints, publisher):
    store = store_with(1)
    relay = Relay(store, checkpoints, publisher, TOPIC)
    assert relay.publish_next_batch() == 1
    assert relay.publish_next_batch() == 0

    store.append("enterprise-9", None, [NewEvent("EnterpriseNoted", {"n": 2})], META)

    assert relay.publish_next_batch() == 1
    assert publisher.positions == [1, 2]


def test_a_failed_publish_keeps_the_checkpoint_and_a_later_call_loses_nothing(checkpoints, publisher):
    store = store_with(4)
    relay = Relay(store, checkpoints, publisher, TOPIC, batch_size=2)
    assert relay.publish_next_batch() == 2

    publisher.fail_with = KafkaConnectionError("broker went away")
    with pytest.raises(KafkaConnectionError):
        relay.publish_next_batch()
    assert checkpoints.load(TOPIC).position == 2

    publisher.fail_with = None
    assert relay.publish_next_batch() == 2
    assert relay.publish_next_batch() == 0
    assert publisher.positions == [1, 2, 3, 4]
    assert checkpoints.load(TOPIC).position == 4


def test_a_new_topic_id_republishes_from_position_one(checkpoints, publisher):
    store = store_with(3)
    relay = Relay(store, checkpoints, publisher, TOPIC)
    relay.TOPIC_CHECK_INTERVAL_S = 0
    assert relay.publish_next_batch() == 3
    assert relay.publish_next_batch() == 0

    publisher.current_topic_id = "topic-B"  # the broker restarted with empty memory

    assert relay.publish_next_batch() == 3
    assert publisher.positions == [1, 2, 3, 1, 2, 3]
    saved = checkpoints.load(TOPIC)
    assert (saved.position, saved.topic_id) == (3, "topic-B")


def test_a_relay_restarted_on_a_known_topic_resumes_after_the_checkpoint(checkpoints, publisher):
    store = store_with(3)
    assert Relay(store, checkpoints, publisher, TOPIC, batch_size=2).publish_next_batch() == 2

    restarted = Relay(store, checkpoints, publisher, TOPIC, batch_size=2)

    assert restarted.publish_next_batch() == 1
    assert publisher.positions == [1, 2, 3]


def test_a_relay_restarted_against_a_new_broker_republishes_everything(checkpoints, publisher):
    store = store_with(3)
    assert Relay(store, checkpoints, publisher, TOPIC).publish_next_batch() == 3

    restarted = Relay(store, checkpoints, FakePublisher(topic_id="topic-B"), TOPIC)

    assert restarted.publish_next_batch() == 3
    assert restarted.publisher.positions == [1, 2, 3]


def test_an_idle_relay_asks_for_the_topic_only_at_each_check(checkpoints, publisher):
    relay = Relay(InMemoryEventStore(), checkpoints, publisher, TOPIC)
    relay.TOPIC_CHECK_INTERVAL_S = 3600
    for _ in range(5):
        assert relay.publish_next_batch() == 0
    assert publisher.topic_id_calls == 1


def test_nothing_is_published_to_a_topic_created_anew_since_the_last_check(checkpoints, publisher):
    store = store_with(2)
    relay = Relay(store, checkpoints, publisher, TOPIC, batch_size=1)
    relay.TOPIC_CHECK_INTERVAL_S = 3600
    assert relay.publish_next_batch() == 1
    publisher.current_topic_id = "topic-B"  # the broker restarted with empty memory, within the interval

    while relay.publish_next_batch():
        pass

    assert publisher.batches == [[1], [1], [2]]  # the new topic starts at position 1, never at 2
    assert checkpoints.load(TOPIC).topic_id == "topic-B"


class RenewingPublisher(FakePublisher):
    """The broker restarts while a batch is in flight; the producer's retry lands it in the new topic."""

    def publish(self, records: list[Record]) -> None:
        super().publish(records)
        if len(self.batches) == 2:
            self.current_topic_id = "topic-B"


def test_a_batch_that_reached_a_topic_created_while_it_was_sent_is_not_taken_as_published(checkpoints):
    publisher = RenewingPublisher()
    relay = Relay(store_with(3), checkpoints, publisher, TOPIC, batch_size=2)
    while relay.publish_next_batch():
        pass
    assert relay.publish_next_batch() == 0
    assert publisher.batches == [[1, 2], [3], [1, 2], [3]]
    assert checkpoints.load(TOPIC).topic_id == "topic-B" and checkpoints.load(TOPIC).position == 3


def test_a_checkpoint_beyond_the_stores_head_stops_the_relay_with_an_alarm(checkpoints, publisher, caplog):
    store = store_with(3)
    checkpoints.save(TOPIC, Checkpoint(5, "topic-A"))  # e.g. the newest commits were deleted from the store
    relay = Relay(store, checkpoints, publisher, TOPIC)

    with pytest.raises(CheckpointAhead, match="beyond the store's head 3"):
        relay.run(threading.Event(), 0.001, 0.001)

    assert publisher.published == [] and publisher.closed
    assert any(record.levelname == "CRITICAL" and "stopped" in record.getMessage() for record in caplog.records)
    assert checkpoints.load(TOPIC) == Checkpoint(5, "topic-A")


def test_another_event_at_the_checkpoints_position_stops_the_relay(checkpoints, publisher):
    store = store_with(3)
    relay = Relay(store, checkpoints, publisher, TOPIC)
    assert relay.publish_next_batch() == 3
    rewritten = store_with(4)  # the same positions, other events: the history changed under the relay

    with pytest.raises(CheckpointAhead, match="not the one"):
        Relay(rewritten, checkpoints, publisher, TOPIC).publish_next_batch()
    assert publisher.positions == [1, 2, 3]


def test_checkpoints_are_kept_per_topic(checkpoints, publisher):
    store = store_with(2)
    Relay(store, checkpoints, publisher, TOPIC).publish_next_batch()
    assert checkpoints.load("nscl.support.events") == Checkpoint()
    assert checkpoints.load(TOPIC).position == 2


class SwitchLease(Lease):
    """A lease another relay holds until the test grants it to this one."""

    def __init__(self) -> None:
        self.granted, self.asked, self.released = False, 0, False

    def hold(self) -> bool:
        self.asked += 1
        return self.granted

    def release(self) -> None:
        self.released = True


def test_a_relay_without_the_lease_publishes_nothing_until_it_gets_it(checkpoints, publisher):
    lease, stop = SwitchLease(), threading.Event()
    relay = Relay(store_with(4), checkpoints, publisher, TOPIC, lease=lease)
    runner = threading.Thread(target=relay.run, args=(stop, 0.001, 0.001))
    runner.start()
    try:
        wait_until(lambda: lease.asked >= 5, 5, "the relay asked for the lease")
        assert publisher.published == []
        checkpoints.save(TOPIC, Checkpoint(2, "topic-A"))  # the other relay got this far meanwhile
        lease.granted = True
        wait_until(lambda: publisher.positions == [3, 4], 5, "the rest published from the saved checkpoint")
    finally:
        stop.set()
        runner.join(timeout=5)
    assert lease.released and checkpoints.load(TOPIC).position == 4


def test_a_commit_wakes_an_idle_relay_that_would_otherwise_look_only_much_later(checkpoints, publisher, monkeypatch):
    monkeypatch.setattr(wakeup_module, "IDLE_LOOK_S", 60.0)  # only a wake-up can explain a prompt publish
    store, listener, stop = store_with(1), WakeListener(("127.0.0.1", 0)), threading.Event()
    store.after_commit = Waker(listener.address).notify
    relay = Relay(store, checkpoints, publisher, TOPIC, wake=listener)
    runner = threading.Thread(target=relay.run, args=(stop,))
    runner.start()
    try:
        wait_until(lambda: publisher.positions == [1], 5, "the event already stored published")
        store.append("enterprise-9", None, [NewEvent("EnterpriseNoted", {"n": 2})], META)
        wait_until(lambda: publisher.positions == [1, 2], 5, "the new commit published once it woke the relay")
    finally:
        stop.set()
        listener.interrupt()
        runner.join(timeout=5)
    assert not runner.is_alive()


class ReadsSeen(InMemoryEventStore):
    """Tells who waits for it when the log is read from a position."""

    def __init__(self) -> None:
        super().__init__()
        self.read_from: list[int] = []
        self.read = threading.Condition()

    def _commits_from(self, position: int, limit: int):
        with self.read:
            self.read_from.append(position)
            self.read.notify_all()
        return super()._commits_from(position, limit)


class AcknowledgingAfterTheNextRead(FakePublisher):
    """A broker that acknowledges a full batch only once the relay has read the batch after it."""

    def __init__(self, store: ReadsSeen, batch_size: int) -> None:
        super().__init__()
        self.store, self.batch_size = store, batch_size
        self.overlapped: list[bool] = []
        self.relay: Relay | None = None
        self.read_ahead_while_signing: list[bool] = []

    def records(self, events: list[Envelope]) -> list[Record]:
        assert self.relay is not None
        self.read_ahead_while_signing.append(self.relay._read_ahead is not None)
        return super().records(events)

    def publish(self, records: list[Record]) -> None:
        if len(records) == self.batch_size:
            following = records[-1].event.position + 1
            with self.store.read:
                self.overlapped.append(self.store.read.wait_for(lambda: following in self.store.read_from, 5))
        super().publish(records)


def test_after_a_full_batch_the_next_is_read_while_the_broker_acknowledges_and_not_read_again(checkpoints):
    store = ReadsSeen()
    for index in range(5):
        store.append(f"enterprise-{index}", None, [NewEvent("EnterpriseNoted", {"n": index + 1})], META)
    publisher = AcknowledgingAfterTheNextRead(store, batch_size=2)
    relay = publisher.relay = Relay(store, checkpoints, publisher, TOPIC, batch_size=2)
    assert [relay.publish_next_batch() for _ in range(4)] == [2, 2, 1, 0]
    assert publisher.overlapped == [True, True]
    # Each batch is signed before the next is read ahead: the two would take the GIL from each other.
    assert publisher.read_ahead_while_signing == [False, False, False]
    assert publisher.batches == [[1, 2], [3, 4], [5]]
    assert store.read_from == [1, 3, 5, 6]  # each read once; 6: nothing new after the short batch


class ConfirmingWhileTheTopicIsAsked(Lease):
    """A lease whose store answers ``confirm`` only once the relay is asking the broker for the topic too."""

    def __init__(self, publisher: TopicAskedWhileConfirming, holds: bool = True) -> None:
        self.publisher, self.holds = publisher, holds
        self.confirming = threading.Event()

    def hold(self) -> bool:
        return True

    def confirm(self) -> bool:
        self.confirming.set()
        self.publisher.asking.wait(5)
        return self.holds

    def release(self) -> None:
        pass


class TopicAskedWhileConfirming(FakePublisher):
    """A broker that answers the check before publishing only once the lease is being confirmed (the first
    ask, when the relay takes up its checkpoint, answers at once)."""

    def __init__(self) -> None:
        super().__init__()
        self.asking = threading.Event()
        self.lease: ConfirmingWhileTheTopicIsAsked | None = None
        self.overlapped: list[bool] = []

    def topic_id(self) -> str:
        if self.topic_id_calls == 1 and self.lease is not None:
            self.asking.set()
            self.overlapped.append(self.lease.confirming.wait(2))
        return super().topic_id()


@pytest.mark.parametrize("holds", [True, False])
def test_the_lease_is_confirmed_while_the_topic_is_asked_and_a_lost_lease_publishes_nothing(checkpoints, holds):
    publisher = TopicAskedWhileConfirming()
    publisher.lease = lease = ConfirmingWhileTheTopicIsAsked(publisher, holds)
    relay = Relay(store_with(3), checkpoints, publisher, TOPIC, lease=lease)
    if holds:
        assert relay.publish_next_batch() == 3 and publisher.positions == [1, 2, 3]
    else:
        with pytest.raises(Fenced):
            relay.publish_next_batch()
        assert publisher.published == [] and checkpoints.load(TOPIC).position == 0
    assert publisher.overlapped == [True]


class AskedForTheTopic(FakePublisher):
    """Notes when the relay asks for the topic after taking up its checkpoint (the checks around a batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.asking = threading.Event()

    def topic_id(self) -> str:
        if self.topic_id_calls >= 1:
            self.asking.set()
        return super().topic_id()


class ReadWhileTheTopicIsAsked(InMemoryEventStore):
    """A store that answers a read of the log only once the relay is also asking the broker for the topic."""

    def __init__(self, publisher: AskedForTheTopic) -> None:
        super().__init__()
        self.publisher = publisher
        self.overlapped: list[bool] = []

    def _commits_from(self, position, limit):
        self.overlapped.append(self.publisher.asking.wait(2))
        return super()._commits_from(position, limit)


class CountedLease(SwitchLease):
    def __init__(self) -> None:
        super().__init__()
        self.granted, self.confirmed = True, 0

    def confirm(self) -> bool:
        self.confirmed += 1
        return True


def test_a_batch_expected_is_read_while_the_broker_is_asked_and_an_idle_look_asks_neither(checkpoints):
    publisher = AskedForTheTopic()
    store, lease = ReadWhileTheTopicIsAsked(publisher), CountedLease()
    store.append("enterprise-1", 0, [NewEvent("EnterpriseNoted", {"n": 1})], META)
    relay = Relay(store, checkpoints, publisher, TOPIC, lease=lease)
    relay.TOPIC_CHECK_INTERVAL_S = 3600
    relay.expecting = True  # as after a commit's wake-up
    assert relay.publish_next_batch() == 1 and store.overlapped == [True]
    asked = publisher.topic_id_calls  # when the checkpoint was taken up, before and after the batch
    assert (lease.confirmed, asked, relay.expecting) == (1, 3, False)
    publisher.asking.clear()
    assert relay.publish_next_batch() == 0  # an idle look (nothing woke the relay): nothing there, nothing asked
    assert (lease.confirmed, publisher.topic_id_calls) == (1, asked) and store.overlapped == [True, False]
