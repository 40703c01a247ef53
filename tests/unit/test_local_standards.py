"""Base standards and local technical regulations the province builds (seed 2.3.5): drafted by a department under a
unique code, issued by a decision, withdrawn with a reason; only the drafting department or DOST moves them on."""
from __future__ import annotations

import pytest

from services.registry import local_standards
from services.registry.app import create_app
from services.registry.bootstrap import bootstrap
from shared.claims import InMemoryUniqueClaims
from shared.eventstore.memory import InMemoryEventStore
from tests.unit.http_helpers import assert_problem, auth, offline_settings

PATH = "/api/v1/local-standards/"
MANGO = {"code": "QCĐP 01:2025/ĐT", "kind": "local_regulation", "title": "Quy chuẩn kỹ thuật địa phương về xoài "
         "cát Chu xuất khẩu", "field": "xoài xuất khẩu", "started_on": "2025-02-01"}


@pytest.fixture
def client(tmp_path):
    app = create_app(service=bootstrap(offline_settings(tmp_path), store=InMemoryEventStore(),
                                       claims=InMemoryUniqueClaims()))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()


def drafted(client, department: str = "DARD", **changes) -> dict:
    answer = client.post(PATH, json={**MANGO, **changes}, headers=auth(department))
    assert answer.status_code == 201, answer.data
    return answer.get_json()


def test_a_department_drafts_issues_and_withdraws_a_local_regulation(client):
    document = drafted(client)
    assert (document["state"], document["drafting_department"], document["kind_label"]) == (
        "drafting", "DARD", "Quy chuẩn kỹ thuật địa phương (QCĐP)")
    url = PATH + document["id"]
    issued = client.post(url + "/issuance", json={"issued_on": "2025-06-10", "decision_number": "15/2025/QĐ-UBND"},
                         headers=auth("DARD"))
    assert issued.status_code == 200 and issued.get_json()["state_label"] == "Đã ban hành"
    withdrawn = client.post(url + "/withdrawal", json={"withdrawn_on": "2025-12-01", "reason": "Thay thế bằng QCĐP "
                            "02:2025/ĐT", "replaced_by": "QCĐP 02:2025/ĐT"}, headers=auth("DOST"))
    assert withdrawn.status_code == 200
    assert client.get(url, headers=auth("DOF", "viewer")).get_json() == {
        **withdrawn.get_json(), "state": "withdrawn"}
    assert withdrawn.get_json()["version"] == 3 and withdrawn.headers["ETag"] == '"3"'


def test_the_code_is_unique_however_it_is_typed(client):
    first = drafted(client)
    again = client.post(PATH, json={**MANGO, "code": "  qcđp 01:2025/đt ", "title": "Bản khác"}, headers=auth("DOST"))
    problem = assert_problem(again, 409)
    assert problem["existing_id"] == first["id"] and "code" in problem["errors"]
    assert local_standards.stream_id("QCĐP  01:2025/ĐT") == first["id"]


def test_only_the_drafting_department_or_dost_moves_it_on_and_district_committees_do_not_draft(client):
    document = drafted(client)
    refused = client.post(PATH + document["id"] + "/issuance",
                          json={"issued_on": "2025-06-10", "decision_number": "15/2025/QĐ-UBND"}, headers=auth("DOIT"))
    assert "DARD" in assert_problem(refused, 403)["detail"]
    committee = client.post(PATH, json={**MANGO, "code": "TCCS 01:2025/HN"}, headers=auth("UBND-868"))
    assert_problem(committee, 403)


@pytest.mark.parametrize("step, body, status, field", [
    ("issuance", {"issued_on": "2025-01-31", "decision_number": "1/QĐ"}, 422, "issued_on"),  # before drafting
    ("issuance", {"issued_on": "2999-01-01", "decision_number": "1/QĐ"}, 400, "issued_on"),  # in the future
    ("issuance", {"issued_on": "2025-06-10"}, 400, "decision_number"),
    ("withdrawal", {"reason": "x"}, 409, None),  # not issued yet
])
def test_dates_and_states_are_checked_naming_the_field(client, step, body, status, field):
    document = drafted(client)
    problem = assert_problem(client.post(PATH + document["id"] + "/" + step, json=body, headers=auth("DARD")), status)
    if field:
        assert field in problem["errors"]
    else:
        assert problem["current_state"] == "drafting"


def test_an_unknown_document_is_404(client):
    assert_problem(client.get(PATH + "localstd-khong-co", headers=auth()), 404)
    assert_problem(client.post(PATH + "localstd-khong-co/issuance", json={"issued_on": "2025-01-01",
                                                                          "decision_number": "1"},
                               headers=auth()), 404)
