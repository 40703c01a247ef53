import pytest

from shared.eventstore import InMemoryEventStore
from tests.eventstore_contract import EventStoreContract, test_upcasters


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def store(self):
        return InMemoryEventStore(test_upcasters)

    def edit_event_data(self, store, position, data):
        commit = store.commit_at(position)
        next(e for e in commit["events"] if e["position"] == position)["data"] = data

    def delete_commit_at(self, store, position):
        store.remove_commit_at(position)

    def swap_commits(self, store, first, second):
        a, b = store.commit_at(first), store.commit_at(second)
        a["events"], b["events"] = b["events"], a["events"]
