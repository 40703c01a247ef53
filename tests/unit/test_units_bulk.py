"""Loading a list of units at once (POST /api/v1/units/bulk): all rows checked before anything is written, one
batch append, the same list sent again records nothing new."""
from __future__ import annotations

import pytest

from services.registry import units
from tests.unit.http_helpers import assert_problem, auth
from tests.unit.test_registry_http import app, client, event_store  # noqa: F401 - the registry app's fixtures

BULK = "/api/v1/units/bulk"
PROVINCE = {"code": "T87", "name": "Tỉnh Đồng Tháp", "category": "administrative_unit", "level": "province",
            "effective_from": "2025-07-01"}
WARDS = [
    {"code": "T87-W1", "name": "Phường Mỹ Tho", "category": "administrative_unit", "level": "commune",
     "parent_code": "T87", "effective_from": "2025-07-01"},
    {"code": "T87-C1", "name": "Xã Cái Bè", "category": "administrative_unit", "level": "commune",
     "parent_code": "T87", "effective_from": "2025-07-01"},
]


def test_a_list_is_recorded_in_one_batch_and_sent_again_records_nothing(client, event_store):  # noqa: F811
    first = client.post(BULK, headers=auth(), json={"units": [PROVINCE, *WARDS]})
    assert first.status_code == 200, first.data
    assert first.get_json()["recorded"] == 3
    assert [event.stream_id for batch in event_store.read_all() for event in batch] == [
        units.stream_id("T87"), units.stream_id("T87-W1"), units.stream_id("T87-C1")]
    again = client.post(BULK, headers=auth(), json={"units": [PROVINCE, *WARDS]}).get_json()
    assert (again["recorded"], again["replayed"]) == (0, 3)
    listed = client.get("/api/v1/units/T87-W1?on=2025-08-01", headers=auth(role="viewer")).get_json()
    assert listed["requested"]["name"] == "Phường Mỹ Tho"
    head = event_store.head().position
    changed = client.post(BULK, headers=auth(), json={"units": [{**PROVINCE, "name": "Tỉnh khác"}]})
    assert_problem(changed, 409)
    assert event_store.head().position == head


def test_a_unit_recorded_before_is_left_as_it_is(client):  # noqa: F811
    assert client.post("/api/v1/units", headers=auth(), json=PROVINCE).status_code == 201
    loaded = client.post(BULK, headers=auth(), json={"units": [PROVINCE, *WARDS]}).get_json()
    assert [row["result"] for row in loaded["units"]] == ["already_recorded", "recorded", "recorded"]


@pytest.mark.parametrize("rows,field", [
    ([WARDS[0]], "units.0.parent_code"),  # its parent is neither recorded nor listed before it
    ([PROVINCE, WARDS[0], WARDS[0]], "units.2.code"),  # a code twice
    ([{**PROVINCE, "effective_from": "2025-08-01"}, WARDS[0]], "units.1.parent_code"),  # parent not yet there
])
def test_a_list_with_a_wrong_row_writes_nothing_and_names_the_row(client, event_store, rows, field):  # noqa: F811
    body = assert_problem(client.post(BULK, headers=auth(), json={"units": rows}), 422)
    assert field in body["errors"]
    assert event_store.head().position == 0


def test_only_dost_or_admins_load_units(client):  # noqa: F811
    assert_problem(client.post(BULK, headers=auth("DOIT"), json={"units": [PROVINCE]}), 403)
    assert_problem(client.post(BULK, headers=auth(), json={"units": []}), 400)
