"""Read models fed by events lose nothing when a stream's events arrive out of order or twice (a topic refilled
after a broker restart put one enterprise's version 2 hundreds of offsets before its version 1): the row equals
the row of in-order delivery. On the real MongoDB-protocol server."""
from __future__ import annotations

import uuid

import pytest

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
