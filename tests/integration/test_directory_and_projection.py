"""The enterprises a service knows (from registry events over Kafka) and a service's own read models."""
from __future__ import annotations

import threading
import uuid

import pytest
from pymongo import MongoClient, monitoring

import shared.wakeup as wakeup_module
from deploy.processes import wait_until
from shared.bus import ConsumerSettings
from shared.consumer import ConsumerLoop, DeadLetter, DeadLetters
from shared.contracts import registry as contract
from shared.directory import EnterpriseDirectory
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.projection import CHECKPOINTS, StoreProjection
from shared.readmodel import ReadModel
from shared.relay import KafkaPublisher, MongoCheckpoints, Relay
from shared.wakeup import WakeListener, Waker
from tests.signing import SIGNER, verifier_of

META = Metadata(actor="clerk", department="DOST")


class ListDeadLetters(DeadLetters):
    def __init__(self):
        self.letters: list[DeadLetter] = []

    def record(self, letter: DeadLetter) -> None:
        self.letters.append(letter)


def registered(tax_code: str) -> NewEvent:
    return NewEvent(contract.ENTERPRISE_REGISTERED, {"tax_code": tax_code, "name": "HTX Xoài", "district_code": "873",
                                                     "district_name": "Huyện Cao Lãnh", "registered_on": "2022-03-01"})


def test_a_service_knows_registered_enterprises_and_which_are_closed(embedded_servers, fresh_database, mongo_client):
    registry = MongoEventStore(fresh_database)
    registry.ensure_indexes()
    registry.append("ent-open", 0, [registered("1400000001")], META)
    registry.append("ent-closed", 0, [registered("1400000002")], META)
    registry.append("ent-closed", 1, [NewEvent(contract.ENTERPRISE_CLOSED, {"reason": "giải thể",
                                                                            "closed_on": "2024-06-30"})], META)
    topic = f"nscl.test-{uuid.uuid4().hex[:8]}.events"
    relay = Relay(registry, MongoCheckpoints(fresh_database["relay_checkpoints"]),
                  KafkaPublisher(embedded_servers.kafka_bootstrap, topic, 3, SIGNER), topic)
    while relay.publish_next_batch():
        pass

    support = mongo_client[f"test_support_{uuid.uuid4().hex[:8]}"]
    directory = EnterpriseDirectory(support)
    dead_letters = ListDeadLetters()
    loop = ConsumerLoop(directory.handle, dead_letters, verifier=verifier_of(topic))
    stop = threading.Event()
    settings = ConsumerSettings(embedded_servers.kafka_bootstrap, f"dir-{uuid.uuid4().hex[:6]}", 3000, 20)
    thread = threading.Thread(target=loop.run, args=(settings, [topic], stop))
    thread.start()
    try:
        wait_until(lambda: (directory.lookup("ent-closed") or {}).get("status") == "closed", 30,
                   "the directory learned of the closure")
    finally:
        stop.set()
        thread.join(timeout=15)
    assert directory.lookup("ent-open")["status"] == "open"
    assert directory.lookup("ent-open")["tax_code"] == "1400000001"
    assert directory.lookup("ent-closed")["closed_on"] == "2024-06-30"
    assert directory.lookup("never-registered") is None
    assert dead_letters.letters == []
    mongo_client.drop_database(support.name)


def test_a_projection_rebuilt_from_position_zero_equals_the_live_one(fresh_database):
    store = MongoEventStore(fresh_database)
    store.ensure_indexes()
    for index in range(12):
        store.append(f"s-{index % 4}", None, [NewEvent("Counted", {"n": index})], META)
    read_model = ReadModel(fresh_database)

    def handle(event):
        read_model.replace_versioned("counts", event.stream_id, event.version, {"last": event.data["n"]})

    projection = StoreProjection("counts", store, fresh_database, handle, batch_size=5)
    assert projection.catch_up() == 12 and projection.position() == 12
    live = list(fresh_database["counts"].find().sort("_id"))
    assert [row["last"] for row in live] == [8, 9, 10, 11]

    fresh_database[CHECKPOINTS].delete_many({})  # replay everything over the existing model
    assert projection.catch_up() == 12
    assert list(fresh_database["counts"].find().sort("_id")) == live

    fresh_database["counts"].drop()  # rebuild from nothing
    fresh_database[CHECKPOINTS].delete_many({})
    projection.catch_up()
    assert list(fresh_database["counts"].find().sort("_id")) == live


class Sent(monitoring.CommandListener):
    def __init__(self) -> None:
        self.writes: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("update", "insert"):
            self.writes.append(f"{event.command_name}:{event.command[event.command_name]}")

    def succeeded(self, event) -> None: ...

    def failed(self, event) -> None: ...


def test_a_batch_sends_its_rows_together_and_nothing_when_a_handler_fails(embedded_servers, fresh_database):
    store = MongoEventStore(fresh_database)
    for index in range(12):
        store.append(f"s-{index % 4}", None, [NewEvent("Counted", {"n": index})], META)
    sent = Sent()
    watched = MongoClient(embedded_servers.mongo_url, event_listeners=[sent])[fresh_database.name]
    rows = ReadModel(watched)
    failing_at: list[int] = [7]

    def handle(event):
        if event.data["n"] in failing_at:
            raise RuntimeError("the worker died in the middle of the batch")
        rows.replace_versioned("counts", event.stream_id, event.version, {"last": event.data["n"]})

    projection = StoreProjection("counts", store, watched, handle, batch_size=10, writes=rows)
    with pytest.raises(RuntimeError):
        projection.catch_up_once()
    assert fresh_database["counts"].count_documents({}) == 0 and projection.position() == 0
    assert sent.writes == []
    failing_at.clear()
    assert projection.catch_up() == 12
    assert sent.writes == ["update:counts", "update:projection_checkpoints"] * 2  # two batches: 10 and 2 events
    assert [(row["_id"], row["last"], row["version"]) for row in fresh_database["counts"].find().sort("_id")] == [
        ("s-0", 8, 3), ("s-1", 9, 3), ("s-2", 10, 3), ("s-3", 11, 3)]
    fresh_database[CHECKPOINTS].delete_many({})  # replayed over the rows: each version is there already
    assert projection.catch_up() == 12
    assert [row["last"] for row in fresh_database["counts"].find().sort("_id")] == [8, 9, 10, 11]


def test_a_commit_wakes_an_idle_projection_that_would_otherwise_look_only_much_later(fresh_database, monkeypatch):
    monkeypatch.setattr(wakeup_module, "IDLE_LOOK_S", 60.0)  # only a wake-up can explain a prompt update
    store, listener, relay_listener = MongoEventStore(fresh_database), WakeListener(("127.0.0.1", 0)), \
        WakeListener(("127.0.0.1", 0))
    store.ensure_indexes()
    store.after_commit = Waker(relay_listener.address, None, listener.address).notify  # relay and projection
    seen: list[int] = []
    projection = StoreProjection("woken", store, fresh_database, lambda event: seen.append(event.data["n"]),
                                 wake=listener)
    stop = threading.Event()
    runner = threading.Thread(target=projection.run, args=(stop,))
    store.append("s-1", None, [NewEvent("Counted", {"n": 1})], META)
    runner.start()
    try:
        wait_until(lambda: seen == [1], 5, "the event already stored applied")
        store.append("s-1", 1, [NewEvent("Counted", {"n": 2})], META)
        wait_until(lambda: seen == [1, 2], 5, "the new commit applied once it woke the projection")
        assert relay_listener.wait(0) is True  # the other listener was told as well
    finally:
        stop.set()
        listener.interrupt()
        runner.join(timeout=5)
        relay_listener.close()
    assert not runner.is_alive() and projection.position() == 2
