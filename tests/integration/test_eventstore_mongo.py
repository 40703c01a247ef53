import multiprocessing
import threading

import pytest
from pymongo import MongoClient, monitoring

from shared.eventstore import ANY_VERSION, ConcurrencyError, Metadata, NewEvent, PendingCommit
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


class CommandsSent(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def test_threads_of_one_process_take_turns_and_never_refuse_each_others_position(embedded_servers, fresh_database):
    """As a gunicorn worker's threads do: they share the process's store, so each builds on the head the one before
    it wrote. Only the first append asks the database for the head; none inserts twice."""
    sent = CommandsSent()
    database = MongoClient(embedded_servers.mongo_url, event_listeners=[sent])[fresh_database.name]
    store = MongoEventStore(database)
    store.ensure_indexes()
    sent.names.clear()

    def register(thread: int) -> None:
        for n in range(15):
            store.append(f"t-{thread}-{n}", 0, [NewEvent("A", {"n": n})], Metadata("clerk", "DOST"))

    threads = [threading.Thread(target=register, args=(thread,)) for thread in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sent.names.count("insert") == 90 and sent.names.count("find") == 1
    assert [event.position for batch in store.read_all() for event in batch] == list(range(1, 91))
    assert store.verify().ok


def test_an_append_to_a_new_stream_is_one_insert_once_the_store_has_written(embedded_servers, fresh_database):
    """The head this process wrote last is where the next commit goes; a new stream's version 0 is guarded by the
    unique (stream, base_version) key: neither is asked of the database."""
    sent = CommandsSent()
    database = MongoClient(embedded_servers.mongo_url, event_listeners=[sent])[fresh_database.name]
    store = MongoEventStore(database)
    store.append("s-0", 0, [NewEvent("A", {})], Metadata("clerk", "DOST"))
    sent.names.clear()
    store.append("s-1", 0, [NewEvent("A", {})], Metadata("clerk", "DOST"))
    assert sent.names == ["insert"]
    with pytest.raises(ConcurrencyError):
        store.append("s-1", 0, [NewEvent("B", {})], Metadata("clerk", "DOST"))
    assert [event.version for event in store.read_stream("s-1")] == [1]


def test_stores_that_write_in_turn_keep_positions_gapless_and_the_chain_whole(fresh_database):
    """Two processes' stores alternate: each one's remembered head is stale at every turn, and is corrected."""
    first, second = MongoEventStore(fresh_database), MongoEventStore(fresh_database)
    for n in range(6):
        writer = first if n % 2 == 0 else second
        writer.append(f"s-{n}", 0, [NewEvent("A", {"n": n}), NewEvent("B", {"n": n})], Metadata("clerk", "DOST"))
    positions = [event.position for batch in first.read_all() for event in batch]
    assert positions == list(range(1, 13))
    assert first.verify().ok


def test_a_batch_of_new_streams_is_one_insert_and_one_look_up_of_its_keys(embedded_servers, fresh_database):
    sent = CommandsSent()
    database = MongoClient(embedded_servers.mongo_url, event_listeners=[sent])[fresh_database.name]
    store = MongoEventStore(database)
    store.append("s-0", 0, [NewEvent("A", {})], Metadata("clerk", "DOST"))
    sent.names.clear()
    outcomes = store.append_batch([PendingCommit(f"s-{n}", 0, [NewEvent("A", {"n": n})], Metadata("clerk", "DOST"),
                                                 idempotency_key=f"import-{n}") for n in range(1, 201)])
    assert sent.names == ["find", "insert"]
    assert [outcome.first_position for outcome in outcomes] == list(range(2, 202))
    assert store.verify().ok


def test_a_batch_that_meets_another_writer_is_built_again_on_its_head(fresh_database):
    """The batch's store remembers a head another store has since moved: the insert is refused at its first
    commit, the batch is built again after the other's commit, positions stay gapless and the chain whole."""
    batcher, other = MongoEventStore(fresh_database), MongoEventStore(fresh_database)
    batcher.append("first", 0, [NewEvent("A", {})], Metadata("clerk", "DOST"))
    other.append("between", 0, [NewEvent("A", {}), NewEvent("B", {})], Metadata("clerk", "DOST"))
    outcomes = batcher.append_batch([PendingCommit(f"s-{n}", 0, [NewEvent("A", {"n": n})], Metadata("clerk", "DOST"))
                                     for n in range(5)])
    assert [outcome.first_position for outcome in outcomes] == [4, 5, 6, 7, 8]
    assert [event.position for batch in batcher.read_all() for event in batch] == list(range(1, 9))
    assert batcher.verify().ok
