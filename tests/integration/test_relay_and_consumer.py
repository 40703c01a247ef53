"""The relay and the consumer loop against the real Kafka-protocol broker and MongoDB-protocol server."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer

import shared.consumer as consumer_module
from deploy.processes import wait_until
from services.reporting.facts import CONTRIBUTIONS, FACTS, Facts
from services.reporting.projector import Projector
from shared.auth import ensure_dev_relay_keys
from shared.bus import ConsumerSettings, ensure_topic
from shared.config import PROJECT_ROOT
from shared.consumer import ConsumerLoop, FetchPace, MongoDeadLetters
from shared.envelope import Envelope
from shared.eventstore import ANY_VERSION, Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.relay import Checkpoint, KafkaPublisher, MongoCheckpoints, Relay
from tests.signing import SIGNER, verifier_of
from tests.topics import read_records

META = Metadata(actor="clerk", department="DOST")


def new_topic() -> str:
    return f"nscl.test-{uuid.uuid4().hex[:8]}.events"


def fill(store: MongoEventStore, streams: int, per_stream: int) -> None:
    for n in range(per_stream):
        for stream in range(streams):
            store.append(f"enterprise-{stream}", ANY_VERSION, [NewEvent("Counted", {"n": n})], META)


@pytest.fixture
def store(fresh_database):
    store = MongoEventStore(fresh_database)
    store.ensure_indexes()
    return store


def test_relay_publishes_in_position_order_keyed_by_stream_and_records_its_progress(
        embedded_servers, store, fresh_database):
    fill(store, streams=5, per_stream=8)
    topic = new_topic()
    checkpoints = MongoCheckpoints(fresh_database["relay_checkpoints"])
    relay = Relay(store, checkpoints, KafkaPublisher(embedded_servers.kafka_bootstrap, topic, 3, SIGNER), topic,
                  batch_size=7)
    published = 0
    while count := relay.publish_next_batch():
        published += count
    assert published == 40
    assert checkpoints.load(topic).position == 40

    records = read_records(embedded_servers.kafka_bootstrap, topic, 40)
    assert len(records) == 40
    assert len({record.partition for record in records}) > 1  # the topic has its partitions
    for record in records:
        envelope = Envelope.from_json(record.value)
        assert record.key.decode() == envelope.stream_id and envelope.hash == envelope.compute_hash()
    by_stream: dict[str, list[int]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        envelope = Envelope.from_json(record.value)
        by_stream.setdefault(envelope.stream_id, []).append(envelope.version)
    assert all(versions == sorted(versions) == list(range(1, 9)) for versions in by_stream.values())


def test_relay_with_the_broker_unreachable_keeps_its_checkpoint_and_loses_nothing(
        embedded_servers, store, fresh_database):
    fill(store, streams=2, per_stream=3)
    topic = new_topic()
    checkpoints = MongoCheckpoints(fresh_database["relay_checkpoints"])
    unreachable = Relay(store, checkpoints, KafkaPublisher("127.0.0.1:1", topic, 3, SIGNER, timeout_s=2), topic)
    with pytest.raises(Exception) as failure:
        unreachable.publish_next_batch()
    assert "Kafka" in type(failure.value).__name__ or isinstance(failure.value, OSError)
    assert checkpoints.load(topic) == Checkpoint()

    relay = Relay(store, checkpoints, KafkaPublisher(embedded_servers.kafka_bootstrap, topic, 3, SIGNER), topic)
    assert relay.publish_next_batch() == 6
    assert len(read_records(embedded_servers.kafka_bootstrap, topic, 6)) == 6


def test_topics_are_created_once_with_the_partitions_asked_for(embedded_servers):
    topic = new_topic()
    first = ensure_topic(embedded_servers.kafka_bootstrap, topic, 3)
    assert ensure_topic(embedded_servers.kafka_bootstrap, topic, 3) == first
    consumer = KafkaConsumer(bootstrap_servers=embedded_servers.kafka_bootstrap)
    assert consumer.partitions_for_topic(topic) == {0, 1, 2}
    consumer.close()


def run_loop_until(loop: ConsumerLoop, settings: ConsumerSettings, topics: list[str], condition, what: str):
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(settings, topics, stop))
    thread.start()
    try:
        wait_until(condition, 30, what)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive(), "the consumer loop did not stop when asked"


def test_projection_is_idempotent_under_replay_and_poison_goes_to_the_dead_letter_topic(
        embedded_servers, store, fresh_database, mongo_client):
    bootstrap = embedded_servers.kafka_bootstrap
    for index in range(6):
        store.append(f"e-{index}", 0, [NewEvent("EnterpriseRegistered", {
            "tax_code": f"14000000{index:02d}", "name": f"DN {index}", "district_code": "866",
            "district_name": "Thành phố Cao Lãnh", "registered_on": "2022-01-01"})], META)
    store.append("e-0", 1, [NewEvent("EnterpriseProfileUpdated", {"district_code": "867",
                                                                   "district_name": "Thành phố Sa Đéc"})], META)
    topic = new_topic()
    relay = Relay(store, MongoCheckpoints(fresh_database["relay_checkpoints"]),
                  KafkaPublisher(bootstrap, topic, 3, SIGNER), topic)
    while relay.publish_next_batch():
        pass
    poison = KafkaProducer(bootstrap_servers=bootstrap)
    poison.send(topic, key=b"e-9", value=b"{not json").get(timeout=10)
    poison.close()

    reporting = mongo_client[f"test_reporting_{uuid.uuid4().hex[:8]}"]
    dead_letter_topic = new_topic()  # not created here: the dead letters create their topic
    projector = Projector(Facts(reporting))
    loop = ConsumerLoop(projector.handle, MongoDeadLetters(reporting["dead_letters"], bootstrap, dead_letter_topic),
                        batch_handler=projector.handle_batch, verifier=verifier_of(topic))

    def projected() -> bool:
        return reporting[FACTS].count_documents({}) == 7 and reporting["dead_letters"].count_documents({}) == 1

    settings = ConsumerSettings(bootstrap, f"group-{uuid.uuid4().hex[:6]}", 3000, 20)
    run_loop_until(loop, settings, [topic], projected, "the projection")
    snapshot = {doc["_id"]: doc for doc in reporting[FACTS].find()}
    assert {doc["service"] for doc in snapshot.values()} == {"registry"}
    assert sorted(doc["position"] for doc in snapshot.values()) == list(range(1, 8))

    # A replay of everything from offset 0 by another group changes nothing.
    replay = ConsumerSettings(bootstrap, f"replay-{uuid.uuid4().hex[:6]}", 3000, 20)
    consumed = []
    loop.batch_handler = lambda events: (consumed.extend(event.event_id for event in events),
                                         projector.handle_batch(events))
    run_loop_until(loop, replay, [topic], lambda: len(consumed) == 7, "the replay")
    assert {doc["_id"]: doc for doc in reporting[FACTS].find()} == snapshot
    assert reporting[CONTRIBUTIONS].count_documents({}) == 0  # registrations alone count towards no indicator
    assert reporting[FACTS].count_documents({}) == 7 and reporting["dead_letters"].count_documents({}) == 1
    [letter] = reporting["dead_letters"].find()
    assert letter["deliveries"] == 2 and letter["value"] == "{not json"  # redelivered: the same letter, counted

    # The topic of dead letters is at least once: the replay published the poison event's letter again.
    letters = read_records(bootstrap, dead_letter_topic, 2)
    assert len(letters) == 2
    for letter in letters:
        body = json.loads(letter.value)
        assert body["source"]["topic"] == topic and body["value"] == "{not json"
        assert dict(letter.headers)["reason"]
    mongo_client.drop_database(reporting.name)


def test_the_projector_process_stops_cleanly_on_sigterm(embedded_servers, jwt_secret, tmp_path):
    ensure_dev_relay_keys(tmp_path)
    env = {**os.environ, "MONGO_URL": embedded_servers.mongo_url, "KAFKA_BOOTSTRAP": embedded_servers.kafka_bootstrap,
           "NSCL_JWT_SECRET": jwt_secret, "NSCL_CONSUMER_SESSION_TIMEOUT_MS": "3000", "NSCL_STATE_DIR": str(tmp_path)}
    log = open(tmp_path / "projector.log", "wb")  # noqa: SIM115 - the projector writes to it until it stops
    process = subprocess.Popen([sys.executable, "-m", "services.reporting.projector"], env=env, cwd=PROJECT_ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: b"partitions assigned" in (tmp_path / "projector.log").read_bytes()
                   or process.poll() is not None, 30, "the projector joined its group")
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()



def test_a_quiet_consumer_fetches_with_the_longer_wait_and_an_event_brings_the_short_one_back(
        fresh_database, embedded_servers, monkeypatch):
    monkeypatch.setattr(FetchPace, "QUIET_AFTER_S", 0.5)
    told: list[tuple[int, int]] = []  # (wait asked, wait the real consumer's fetcher then uses)
    real = consumer_module.set_fetch_max_wait

    def recorded(consumer, wait_ms):
        real(consumer, wait_ms)
        told.append((wait_ms, consumer._fetcher.config["fetch_max_wait_ms"]))

    monkeypatch.setattr(consumer_module, "set_fetch_max_wait", recorded)
    bootstrap, store = embedded_servers.kafka_bootstrap, MongoEventStore(fresh_database)
    store.ensure_indexes()
    topic = new_topic()
    relay = Relay(store, MongoCheckpoints(fresh_database["relay_checkpoints"]),
                  KafkaPublisher(bootstrap, topic, 3, SIGNER), topic)
    seen: list[int] = []
    loop = ConsumerLoop(lambda event: seen.append(event.data["n"]), MongoDeadLetters(
        fresh_database["dead_letters"], bootstrap, new_topic()), vet=lambda *_: None, verifier=verifier_of(topic))
    ensure_topic(bootstrap, topic, 3)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(ConsumerSettings(bootstrap, f"g-{uuid.uuid4().hex[:6]}", 3000,
                                                                      20, 300), [topic], stop))
    thread.start()
    try:
        wait_until(lambda: told[-1:] == [(300, 300)], 30, "the quiet consumer told to wait longer")
        store.append("enterprise-1", ANY_VERSION, [NewEvent("Counted", {"n": 1})], META)
        relay.publish_next_batch()
        wait_until(lambda: seen == [1] and told[-1:] == [(20, 20)], 30, "the event, then the short wait again")
        wait_until(lambda: told[-1:] == [(300, 300)], 30, "quiet again")
        store.append("enterprise-1", ANY_VERSION, [NewEvent("Counted", {"n": 2})], META)
        relay.publish_next_batch()
        wait_until(lambda: seen == [1, 2], 30, "an event published during the longer wait still arrives")
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
