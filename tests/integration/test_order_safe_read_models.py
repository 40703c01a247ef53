"""Read models fed by events lose nothing when a stream's events arrive out of order or twice (a topic refilled
after a broker restart put one enterprise's version 2 hundreds of offsets before its version 1): the row equals
the row of in-order delivery. On the real MongoDB-protocol server."""
from __future__ import annotations

import uuid

import pytest
from pymongo import MongoClient, monitoring

from shared.contracts import registry as contract
from shared.directory import KNOWN_ENTERPRISES, EnterpriseDirectory
from shared.envelope import Envelope
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.projection import project_aggregate
from shared.readmodel import ReadModel

pytestmark = pytest.mark.integration
META = Metadata(actor="clerk", department="DOST")


@pytest.fixture
def other_database(mongo_client):
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


def enterprise_stream(store: MongoEventStore, enterprise_id: str) -> list[Envelope]:
    store.append(enterprise_id, 0, [NewEvent(contract.ENTERPRISE_REGISTERED, {
        "tax_code": "1400000872", "name": "HTX Sen Tháp Mười", "district_code": "872",
        "district_name": "Huyện Tháp Mười", "registered_on": "2022-03-01"})], META)
    store.append(enterprise_id, 1, [NewEvent(contract.ENTERPRISE_PROFILE_UPDATED, {"name": "HTX Sen Hồng Tháp Mười"})],
                 META)
    store.append(enterprise_id, 2, [NewEvent(contract.PRODUCT_ADDED, {"product_id": "p-1", "name": "Trà sen"})], META)
    store.append(enterprise_id, 3, [NewEvent(contract.ENTERPRISE_CLOSED, {"reason": "giải thể",
                                                                          "closed_on": "2025-06-30"})], META)
    return store.read_stream(enterprise_id)


def rows(database, collection: str) -> list[dict]:
    return [{name: value for name, value in row.items() if name != "revision"}
            for row in database[collection].find().sort("_id")]


def test_the_known_enterprises_equal_in_order_delivery_whatever_the_order_and_repeats(fresh_database,
                                                                                    other_database):
    v1, v2, v3, v4 = enterprise_stream(MongoEventStore(fresh_database), "ent-872")
    in_order, shuffled = EnterpriseDirectory(fresh_database), EnterpriseDirectory(other_database)
    for event in (v1, v2, v3, v4):
        in_order.handle(event)

    shuffled.handle(v2)
    assert shuffled.lookup("ent-872") is None  # a profile update alone: not registered here yet
    for event in (v2, v4, v1, v1, v3, v2):
        shuffled.handle(event)

    expected = in_order.lookup("ent-872")
    assert expected is not None and expected["tax_code"] == "1400000872" and expected["district_code"] == "872"
    assert (expected["name"], expected["status"], expected["closed_on"]) == (
        "HTX Sen Hồng Tháp Mười", "closed", "2025-06-30")
    assert shuffled.lookup("ent-872") == expected
    assert rows(other_database, KNOWN_ENTERPRISES) == rows(fresh_database, KNOWN_ENTERPRISES)


def test_a_row_written_before_versions_were_kept_apart_keeps_its_fields(fresh_database):
    v1, v2, _, v4 = enterprise_stream(MongoEventStore(fresh_database), "ent-old")
    fresh_database[KNOWN_ENTERPRISES].insert_one({"_id": "ent-old", "tax_code": "1400000872", "name": "HTX Sen",
                                                  "district_code": "872", "status": "open", "version": 1})
    directory = EnterpriseDirectory(fresh_database)
    directory.handle(v4)
    directory.handle(v2)
    found = directory.lookup("ent-old")
    assert found is not None
    assert (found["tax_code"], found["district_code"], found["name"], found["status"]) == (
        "1400000872", "872", "HTX Sen Hồng Tháp Mười", "closed")


def test_a_row_folded_from_the_stream_equals_in_order_delivery_whatever_the_order(fresh_database, other_database):
    store = MongoEventStore(fresh_database)
    for n in range(1, 5):
        store.append("counter", n - 1, [NewEvent("Counted", {"n": n})], META)
    events = store.read_stream("counter")

    def fold(history: list[Envelope]) -> dict:
        return {"total": sum(event.data["n"] for event in history), "seen": [event.data["n"] for event in history]}

    for database, order in ((fresh_database, events), (other_database, [events[2], events[0], events[3], events[1],
                                                                       events[2]])):
        read_model = ReadModel(database)
        for event in order:
            project_aggregate(store, read_model, "counters", event, fold, lambda state: state)
    assert rows(other_database, "counters") == rows(fresh_database, "counters")
    assert rows(fresh_database, "counters") == [{"_id": "counter", "total": 10, "seen": [1, 2, 3, 4], "version": 4}]


def test_batches_of_a_poll_equal_event_by_event_delivery_whatever_the_order_and_repeats(fresh_database,
                                                                                    other_database):
    store = MongoEventStore(fresh_database)
    events = [event for name in ("ent-a", "ent-b", "ent-c") for event in enterprise_stream(store, name)]
    one_by_one, batched = EnterpriseDirectory(fresh_database), EnterpriseDirectory(other_database)
    for event in events:
        one_by_one.handle(event)
    shuffled = [events[n] for n in (5, 1, 11, 0, 7, 4, 9, 2, 5, 10, 3, 8, 6, 0)]
    for start in range(0, len(shuffled), 4):  # polls of 4, a stream's versions split between them, some twice
        batched.handle_batch(shuffled[start:start + 4])
    batched.handle_batch(events)  # the whole topic delivered again: nothing changes
    assert rows(other_database, KNOWN_ENTERPRISES) == rows(fresh_database, KNOWN_ENTERPRISES)
    assert [batched.lookup(name)["status"] for name in ("ent-a", "ent-b", "ent-c")] == ["closed"] * 3


class AnotherWriterBetween(monitoring.CommandListener):
    """Once the batch has read its documents, another consumer (a rebalance) folds a version in first."""

    def __init__(self, database, effect: tuple[str, int, dict]) -> None:
        self.database, self.effect, self.done = database, effect, False

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.command_name == "find" and not self.done:
            self.done = True
            ReadModel(self.database).fold_versioned(KNOWN_ENTERPRISES, *self.effect)

    def started(self, event) -> None: ...

    def failed(self, event) -> None: ...


def test_a_batch_whose_documents_another_writer_changed_meanwhile_loses_neither_write(embedded_servers,
                                                                                    fresh_database):
    ReadModel(fresh_database).fold_versioned(KNOWN_ENTERPRISES, "ent-x", 1, {"name": "A", "status": "open"})
    between = AnotherWriterBetween(fresh_database, ("ent-x", 2, {"name": "B"}))
    watched = MongoClient(embedded_servers.mongo_url, event_listeners=[between])
    try:
        ReadModel(watched[fresh_database.name]).fold_versioned_many(KNOWN_ENTERPRISES, [
            ("ent-x", 3, {"district_code": "872"}), ("ent-y", 1, {"name": "C", "status": "open"})])
    finally:
        watched.close()
    assert between.done
    found = fresh_database[KNOWN_ENTERPRISES].find_one({"_id": "ent-x"})
    assert (found["name"], found["district_code"], sorted(found["effects"])) == ("B", "872", ["1", "2", "3"])
    assert fresh_database[KNOWN_ENTERPRISES].find_one({"_id": "ent-y"})["name"] == "C"
