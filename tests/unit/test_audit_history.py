"""The auditors' history API: events exactly as stored (hash-verifiable), filters, paging by position."""
from __future__ import annotations

import pytest

from services.registry.app import create_app
from services.registry.bootstrap import bootstrap
from shared.claims import InMemoryUniqueClaims
from shared.envelope import Envelope
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from tests.eventstore_contract import test_upcasters
from tests.unit.http_helpers import assert_problem, auth, offline_settings

EVENTS = "/api/v1/events/"
AUDITOR = auth("DOST", "auditor")


@pytest.fixture
def event_store() -> InMemoryEventStore:
    store = InMemoryEventStore(test_upcasters)
    dost, doit = Metadata("an", "DOST"), Metadata("binh", "DOIT")
    store.append("a", 0, [NewEvent("NameGiven", {"name": "Nguyễn An"}, occurred_at="2023-05-01T00:00:00.000Z"),
                          NewEvent("Moved", {"to": "866"}, occurred_at="2024-02-01T00:00:00.000Z")], dost)
    store.append("b", 0, [NewEvent("NameGiven", {"name": "Lê Bình"}, occurred_at="2024-06-01T00:00:00.000Z")], doit)
    store.append("a", 2, [NewEvent("Moved", {"to": "867"}, occurred_at="2025-01-01T00:00:00.000Z")], doit)
    return store


@pytest.fixture
def client(event_store, tmp_path):
    app = create_app(service=bootstrap(offline_settings(tmp_path), store=event_store, claims=InMemoryUniqueClaims()))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()


def positions(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [event["position"] for event in response.get_json()["events"]]


def test_the_log_gives_events_exactly_as_stored_so_each_hash_recomputes(client):
    events = client.get(EVENTS, headers=AUDITOR).get_json()["events"]
    assert [event["schema_version"] for event in events] == [1, 1, 1, 1]
    assert events[0]["data"] == {"name": "Nguyễn An"}
    for event in events:
        assert Envelope.from_dict(event).compute_hash() == event["hash"]


def test_the_upcast_form_only_when_asked(client):
    events = client.get(EVENTS, query_string={"upcast": "true"}, headers=AUDITOR).get_json()["events"]
    assert events[0]["schema_version"] == 2 and events[0]["data"] == {"first": "Nguyễn", "last": "An"}


def test_one_stream_as_stored_and_upcast_when_asked(client):
    stored = client.get("/api/v1/events/streams/a", headers=AUDITOR).get_json()
    assert [event["version"] for event in stored] == [1, 2, 3]
    assert stored[0]["data"] == {"name": "Nguyễn An"}
    assert all(Envelope.from_dict(event).compute_hash() == event["hash"] for event in stored)
    upcast = client.get("/api/v1/events/streams/a?upcast=true", headers=AUDITOR).get_json()
    assert upcast[0]["data"] == {"first": "Nguyễn", "last": "An"}


@pytest.mark.parametrize(("query", "expected"), [
    ({"stream_id": "a"}, [1, 2, 4]),
    ({"event_type": "NameGiven"}, [1, 3]),
    ({"actor": "binh"}, [3, 4]),
    ({"department": "DOST"}, [1, 2]),
    ({"occurred_from": "2024-01-01", "occurred_to": "2024-12-31T23:59:59+07:00"}, [2, 3]),
    ({"occurred_from": "2024-06-01T07:00:00+07:00"}, [3, 4]),
    ({"stream_id": "a", "department": "DOIT"}, [4]),
    ({"recorded_to": "2000-01-01T00:00:00Z"}, []),
    ({"recorded_from": "2000-01-01T00:00:00Z"}, [1, 2, 3, 4]),
])
def test_the_log_filters_by_every_condition_in_position_order(client, query, expected):
    assert positions(client.get(EVENTS, query_string=query, headers=AUDITOR)) == expected


def test_a_filtered_log_pages_by_position(client):
    first = client.get(EVENTS, query_string={"stream_id": "a", "limit": 2}, headers=AUDITOR).get_json()
    assert [event["position"] for event in first["events"]] == [1, 2]
    assert first["next_from_position"] == 3 and first["head_position"] == 4
    rest = client.get(EVENTS, query_string={"stream_id": "a", "from_position": first["next_from_position"]},
                      headers=AUDITOR).get_json()
    assert [event["position"] for event in rest["events"]] == [4]
    done = client.get(EVENTS, query_string={"stream_id": "a", "from_position": rest["next_from_position"]},
                      headers=AUDITOR).get_json()
    assert done["events"] == [] and done["next_from_position"] is None


@pytest.mark.parametrize("query", [
    {"occurred_from": "hôm qua"},
    {"recorded_to": "0001-01-01T00:00:00+14:00"},
    {"from_position": str(2**63)},
    {"upcast": "maybe"},
])
def test_a_bad_filter_is_400_naming_it(client, query):
    body = assert_problem(client.get(EVENTS, query_string=query, headers=AUDITOR), 400)
    assert set(body["errors"]) == set(query)


def test_a_time_before_year_1_in_utc_is_400_on_a_stream_too(client):
    response = client.get("/api/v1/events/streams/a?as_of=0001-01-01T00:00:00%2B14:00", headers=AUDITOR)
    assert set(assert_problem(response, 400)["errors"]) == {"as_of"}


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_only_auditors_and_admins_read_the_history(client, role):
    assert_problem(client.get(EVENTS, headers=auth("DOST", role)), 403)
    assert positions(client.get(EVENTS, headers=auth("DOST", "admin"))) == [1, 2, 3, 4]
