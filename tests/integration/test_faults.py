"""Faults between the event store and the views, on the real embedded servers (issue 11): the MongoDB-protocol
server stopped under a running consumer loop and under a running relay, the same events delivered twice, and one
stream's events handled across consumer-group rebalances. Each asserts that nothing was lost and nothing counted
twice. The session's nx-27017 is stopped and started again by process id (deploy.stack.EmbeddedServers)."""
from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from kafka import KafkaConsumer, TopicPartition

from deploy.processes import wait_until
from services.reporting.facts import FACTS, Facts
from services.reporting.projector import Projector
from shared.bus import ConsumerSettings
from shared.consumer import ConsumerLoop, MongoDeadLetters
from shared.contracts import registry as contract
from shared.directory import KNOWN_ENTERPRISES, EnterpriseDirectory
from shared.envelope import Envelope
from shared.eventstore import ANY_VERSION, Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.relay import KafkaPublisher, MongoCheckpoints, Relay
from tests.signing import SIGNER, verifier_of
from tests.topics import read_records

pytestmark = pytest.mark.integration
META = Metadata(actor="clerk", department="DOST")
DISTRICTS = ("866", "867", "868", "869", "870", "871", "872")


@contextlib.contextmanager
def mongo_stopped(servers) -> Iterator[None]:
    servers.mongo.stop()
    try:
        yield
    finally:
        servers.start_mongo()


@contextlib.contextmanager
def running(target: Callable[[threading.Event], None]) -> Iterator[threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,))
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive(), "the loop did not stop when asked"


def write_enterprises(store: MongoEventStore, first: int, count: int, updates: int = 2) -> None:
    """``count`` enterprises, each registered then moved ``updates`` times (so its last district is known)."""
    for index in range(first, first + count):
        store.append(f"ent-{index}", 0, [NewEvent(contract.ENTERPRISE_REGISTERED, {
            "tax_code": f"14{index:08d}", "name": f"DN {index}", "district_code": DISTRICTS[0],
            "district_name": "Thành phố Cao Lãnh", "registered_on": "2022-01-01"})], META)
    for update in range(1, updates + 1):
        for index in range(first, first + count):
            store.append(f"ent-{index}", ANY_VERSION, [NewEvent(contract.ENTERPRISE_PROFILE_UPDATED, {
                "district_code": DISTRICTS[(index + update) % len(DISTRICTS)]})], META)


def expected_districts(first: int, count: int, updates: int = 2) -> dict[str, str]:
    return {f"ent-{index}": DISTRICTS[(index + updates) % len(DISTRICTS)] for index in range(first, first + count)}


def relay_for(servers, store: MongoEventStore, database, topic: str, batch_size: int = 500) -> Relay:
    return Relay(store, MongoCheckpoints(database[f"checkpoints_{uuid.uuid4().hex[:6]}"]),
                 KafkaPublisher(servers.kafka_bootstrap, topic, 3, SIGNER), topic, batch_size=batch_size)


def publish_all(relay: Relay) -> None:
    while relay.publish_next_batch():
        pass


def committed(bootstrap: str, group: str, topic: str) -> int:
    """How many records of the topic the group has committed past, over its partitions."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return sum(consumer.committed(TopicPartition(topic, partition)) or 0 for partition in range(3))
    finally:
        consumer.close()


def logged(caplog, text: str) -> int:
    return sum(1 for record in caplog.records if text in record.getMessage())


@pytest.fixture
def store(fresh_database) -> MongoEventStore:
    store = MongoEventStore(fresh_database)
    store.ensure_indexes()
    return store


@pytest.fixture
def reporting(mongo_client):
    database = mongo_client[f"test_reporting_{uuid.uuid4().hex[:8]}"]
    yield database
    mongo_client.drop_database(database.name)


def test_mongodb_stopped_under_a_running_projector_loses_and_doubles_nothing(
        embedded_servers, store, fresh_database, reporting, caplog):
    write_enterprises(store, 0, 20)  # 60 events
    topic = f"nscl.test-{uuid.uuid4().hex[:8]}.events"
    relay = relay_for(embedded_servers, store, fresh_database, topic)
    publish_all(relay)
    relay.publisher.close()
    projector = Projector(Facts(reporting))
    loop = ConsumerLoop(projector.handle, MongoDeadLetters(reporting["dead_letters"], None, "unused"),
                        batch_handler=projector.handle_batch, verifier=verifier_of(topic))
    settings = ConsumerSettings(embedded_servers.kafka_bootstrap, f"projector-{uuid.uuid4().hex[:6]}", 3000, 20)

    with running(lambda stop: loop.run(settings, [topic], stop, 0.2)) as thread:
        with mongo_stopped(embedded_servers):
            wait_until(lambda: logged(caplog, "database unreachable") >= 2, 60,
                       "the loop met the stopped database twice and sought back")
            assert thread.is_alive()
        wait_until(lambda: reporting[FACTS].count_documents({}) == 60, 60, "every event projected once back up")
    facts = list(reporting[FACTS].find())
    assert sorted(fact["position"] for fact in facts) == list(range(1, 61))
    assert len({fact["_id"] for fact in facts}) == 60
    assert reporting["dead_letters"].count_documents({}) == 0  # an outage is no event's fault


def test_mongodb_stopped_under_a_running_relay_loses_nothing_and_keeps_each_streams_order(
        embedded_servers, store, fresh_database, caplog):
    write_enterprises(store, 0, 5)  # positions 1-15
    topic = f"nscl.test-{uuid.uuid4().hex[:8]}.events"
    relay = relay_for(embedded_servers, store, fresh_database, topic, batch_size=4)

    with running(lambda stop: relay.run(stop, 0.05, 0.2)):
        read_records(embedded_servers.kafka_bootstrap, topic, 15)
        with mongo_stopped(embedded_servers):
            wait_until(lambda: logged(caplog, "paused") >= 2, 60, "the relay met the stopped database twice")
        write_enterprises(store, 5, 5)  # positions 16-30, once the database is back
        records = read_records(embedded_servers.kafka_bootstrap, topic, 30, timeout_s=60)
        wait_until(lambda: relay.checkpoints.load(topic).position == 30, 30, "the checkpoint at the head")
    events = [Envelope.from_json(record.value) for record in records]
    assert {event.position for event in events} == set(range(1, 31))
    for stream in {event.stream_id for event in events}:
        versions = [event.version for event in events if event.stream_id == stream]
        assert versions == sorted(versions), f"{stream} arrived out of order: {versions}"


def test_every_event_twice_and_one_streams_events_across_rebalances_give_the_in_order_state(
        embedded_servers, store, fresh_database, reporting, mongo_client):
    topic = f"nscl.test-{uuid.uuid4().hex[:8]}.events"
    directory, projector = EnterpriseDirectory(reporting), Projector(Facts(reporting))

    def handle(event: Envelope) -> None:
        directory.handle(event)
        projector.handle(event)

    def loop_in_group(group: str) -> Callable[[threading.Event], None]:
        loop = ConsumerLoop(handle, MongoDeadLetters(reporting["dead_letters"], None, "unused"),
                            verifier=verifier_of(topic))
        settings = ConsumerSettings(embedded_servers.kafka_bootstrap, group, 3000, 20)
        return lambda stop: loop.run(settings, [topic], stop, 0.2)

    def known() -> int:
        return reporting[KNOWN_ENTERPRISES].count_documents({})

    group = f"directory-{uuid.uuid4().hex[:6]}"
    write_enterprises(store, 0, 12, updates=1)  # each stream's first two versions
    publish_all(relay_for(embedded_servers, store, fresh_database, topic))
    with running(loop_in_group(group)):
        wait_until(lambda: known() == 12, 60, "the first member applied the first half")
        with running(loop_in_group(group)):  # a second member joins: the partitions are shared anew
            for index in range(12):
                store.append(f"ent-{index}", ANY_VERSION, [NewEvent(contract.ENTERPRISE_PROFILE_UPDATED, {
                    "district_code": DISTRICTS[(index + 2) % len(DISTRICTS)]})], META)
            again = relay_for(embedded_servers, store, fresh_database, topic)  # its own checkpoint: all, again
            publish_all(again)
            again.publisher.close()
            wait_until(lambda: committed(embedded_servers.kafka_bootstrap, group, topic) == 60, 90,
                       "all 60 deliveries handled and committed")
        # the second member left: the first takes every partition again; nothing more to apply
    rows = {row["_id"]: row["district_code"] for row in reporting[KNOWN_ENTERPRISES].find()}
    assert rows == expected_districts(0, 12)
    assert reporting[FACTS].count_documents({}) == 36  # 36 events, 60 deliveries: none counted twice
    assert reporting["dead_letters"].count_documents({}) == 0
