"""The store's change stream as a wake-up, on the embedded server over a real connection.

nx-27017 answers a change stream's wait at once, so the product keeps datagrams there (awaits_changes is False);
the stream itself still delivers each commit, which is what ChangeStreamWake needs of a server that waits."""
from __future__ import annotations

from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import COMMITS, MongoEventStore
from shared.wakeup import ChangeStreamWake, WakeListener, awaits_changes, wake_for

META = Metadata(actor="test-dost-clerk", department="DOST")


def test_the_embedded_server_is_woken_by_datagrams_where_configured(mongo_client, fresh_database):
    assert awaits_changes(mongo_client) is False
    assert wake_for(fresh_database[COMMITS], None, "relay registry") is None
    listener = wake_for(fresh_database[COMMITS], "127.0.0.1:0", "relay registry")
    try:
        assert isinstance(listener, WakeListener)
    finally:
        assert listener is not None
        listener.close()


def test_a_commit_wakes_the_watcher_of_its_store_and_other_collections_do_not(fresh_database):
    store = MongoEventStore(fresh_database)
    store.ensure_indexes()
    wake = ChangeStreamWake(fresh_database[COMMITS], "relay registry")
    try:
        assert wake.wait(5) is True  # the stream is open: the reader looks once for what came before it
        fresh_database["relay_checkpoints"].insert_one({"_id": "nscl.registry.events", "position": 0})
        assert wake.wait(0.6) is False
        store.append("enterprise-1", 0, [NewEvent("EnterpriseRegistered", {"n": 1})], META)
        assert wake.wait(5) is True
        assert wake.wait(0.6) is False  # consumed
    finally:
        wake.close()
    assert not wake._thread.is_alive()
