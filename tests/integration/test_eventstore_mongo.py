import multiprocessing

import pytest

from shared.eventstore import ANY_VERSION, Metadata, NewEvent
from shared.eventstore.mongo import COMMITS, MongoEventStore
from shared.mongo import connect
from tests.eventstore_contract import EventStoreContract, test_upcasters


class TestMongoEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, fresh_database):
        store = MongoEventStore(fresh_database, test_upcasters)
        store.ensure_indexes()
        return store

    def edit_event_data(self, store, position, data):
        """What a person with database access would do: rewrite the stored document."""
        commit = store.commits.find_one({"position": {"$lte": position}, "last_position": {"$gte": position}})
        for stored in commit["events"]:
            if stored["position"] == position:
                stored["data"] = data
        store.commits.replace_one({"_id": commit["_id"]}, commit)

    def delete_commit_at(self, store, position):
        store.commits.delete_one({"position": position})

    def swap_commits(self, store, first, second):
        a = store.commits.find_one({"position": first})
        b = store.commits.find_one({"position": second})
        store.commits.update_one({"_id": a["_id"]}, {"$set": {"events": b["events"]}})
        store.commits.update_one({"_id": b["_id"]}, {"$set": {"events": a["events"]}})


def _append_from_another_process(mongo_url, database, writer, count):
    store = MongoEventStore(connect(mongo_url)[database])
    for n in range(count):
        store.append(f"proc-{writer}", ANY_VERSION, [NewEvent("Counted", {"writer": writer, "n": n})],
                     Metadata(actor=f"worker-{writer}", department="DOST"))


def test_processes_appending_at_once_get_gapless_positions_and_an_intact_chain(embedded_servers, fresh_database):
    """As several gunicorn workers do: separate processes, separate connections, one database."""
    MongoEventStore(fresh_database).ensure_indexes()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_from_another_process,
                               args=(embedded_servers.mongo_url, fresh_database.name, writer, 20))
               for writer in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]

    store = MongoEventStore(fresh_database)
    positions = [e.position for batch in store.read_all() for e in batch]
    assert positions == list(range(1, 81))
    for writer in range(4):
        assert [e.data["n"] for e in store.read_stream(f"proc-{writer}")] == list(range(20))
    assert store.verify().ok


def test_commits_are_one_document_each_with_unique_keys(fresh_database):
    store = MongoEventStore(fresh_database)
    store.ensure_indexes()
    store.append("s-1", 0, [NewEvent("A", {}), NewEvent("B", {})], Metadata("clerk", "DOST"))
    assert fresh_database[COMMITS].count_documents({}) == 1
    unique_keys = [list(index["key"]) for index in fresh_database[COMMITS].list_indexes() if index.get("unique")]
    assert ["position"] in unique_keys and ["stream_id", "base_version"] in unique_keys
