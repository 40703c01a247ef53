"""The support service's HTTP surface with an in-memory store and a fake directory of known enterprises."""
from __future__ import annotations

import pytest

from services.support.app import create_app
from services.support.bootstrap import bootstrap
from shared.eventstore.memory import InMemoryEventStore
from tests.fakes import FakeKnownEnterprises
from tests.unit.http_helpers import assert_problem, auth, offline_settings

CASES = "/api/v1/cases"
OPEN = {"name": "Công ty TNHH Bột Sa Đéc", "district_code": "867", "district_name": "Thành phố Sa Đéc",
        "tax_code": "1400123456", "registered_on": "2022-01-10", "status": "open"}
PROPOSAL = {"enterprise_id": "ent-open", "support_type": "traceability", "need": "Truy xuất nguồn gốc bột gạo",
            "requested_amount": 90_000_000, "proposed_on": "2024-02-01"}


@pytest.fixture
def event_store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
def client(event_store, tmp_path):
    settings = offline_settings(tmp_path)
    known = FakeKnownEnterprises({**OPEN, "id": "ent-open"},
                                 {**OPEN, "id": "ent-closed", "status": "closed", "closed_on": "2023-12-31"})
    app = create_app(service=bootstrap(settings, store=event_store, known_enterprises=known))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()




def propose(client, body=None, department="DARD", **headers):
    return client.post(CASES, json=PROPOSAL if body is None else body, headers={**auth(department), **headers})


def act(client, case_id, step, body, department="DOST", **headers):
    return client.post(f"{CASES}/{case_id}/{step}", json=body, headers={**auth(department), **headers})


APPROVAL = {"budget": {"state_st_budget": 60_000_000, "other_lawful": 20_000_000}, "approved_on": "2024-03-01"}


def approved_case(client) -> str:
    case_id = propose(client).get_json()["id"]
    assert act(client, case_id, "approval", APPROVAL).status_code == 200
    return case_id


# ---- authentication and authorisation ----------------------------------------------------------------
def test_no_token_is_401(client, event_store):
    response = client.post(CASES, json=PROPOSAL)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert event_store.head_position() == 0


@pytest.mark.parametrize("department,role", [("DOST", "viewer"), ("DIC", "clerk"), ("DPI", "clerk")])
def test_who_may_not_write_on_support_gets_403(client, event_store, department, role):
    assert_problem(client.post(CASES, json=PROPOSAL, headers=auth(department, role)), 403)
    assert event_store.head_position() == 0


def test_a_department_proposing_outside_its_sector_gets_403(client, event_store):
    body = assert_problem(propose(client, {**PROPOSAL, "support_type": "digital_transformation"}), 403)
    assert body["type"].endswith("not-permitted") and "DARD" in body["detail"]
    assert event_store.head_position() == 0


def test_a_district_committee_proposes_only_in_its_own_district(client):
    assert_problem(propose(client, department="UBND-866"), 403)
    assert propose(client, department="UBND-867").status_code == 201


def test_only_dost_approves(client):
    case_id = propose(client).get_json()["id"]
    body = assert_problem(act(client, case_id, "approval", APPROVAL, department="DARD"), 403)
    assert "DOST" in body["detail"]


# ---- validation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("change,field", [
    ({"support_type": None}, "support_type"),
    ({"support_type": "bakery"}, "support_type"),
    ({"requested_amount": "nhiều"}, "requested_amount"),
    ({"requested_amount": 1.5}, "requested_amount"),
    ({"requested_amount": 0}, "requested_amount"),
    ({"need": "   "}, "need"),
    ({"proposed_on": "2024-13-01"}, "proposed_on"),
])
def test_bad_input_is_400_naming_the_field(client, event_store, change, field):
    body = {key: value for key, value in {**PROPOSAL, **change}.items() if value is not None}
    problem = assert_problem(propose(client, body), 400)
    assert set(problem["errors"]) == {field}
    assert event_store.head_position() == 0


def test_a_disbursement_from_an_unknown_source_is_400_naming_source(client):
    case_id = approved_case(client)
    problem = assert_problem(act(client, case_id, "disbursements", {"amount": 1, "source": "lottery"}, "DOF"), 400)
    assert set(problem["errors"]) == {"source"}


@pytest.mark.parametrize("enterprise_id", ["ent-unknown", "ent-closed"])
def test_an_unknown_or_closed_enterprise_is_422_naming_enterprise_id(client, event_store, enterprise_id):
    problem = assert_problem(propose(client, {**PROPOSAL, "enterprise_id": enterprise_id}), 422)
    assert set(problem["errors"]) == {"enterprise_id"}
    assert event_store.head_position() == 0


def test_a_wrong_outcome_for_the_type_is_422_naming_the_field(client):
    case_id = approved_case(client)
    act(client, case_id, "milestones", {"on": "2024-04-01", "note": "Triển khai tem QR"})
    problem = assert_problem(act(client, case_id, "completion", {"outcome": {"summary": "Xong", "award": "gold"}}),
                             422)
    assert set(problem["errors"]) == {"outcome.award"}


# ---- the lifecycle ------------------------------------------------------------------------------------
def test_propose_returns_201_with_etag_location_and_the_case(client, event_store):
    response = propose(client)
    assert response.status_code == 201 and response.headers["ETag"] == '"1"'
    case = response.get_json()
    assert response.headers["Location"].endswith(f"{CASES}/{case['id']}")
    assert case["state"] == "proposed" and case["proposed_by"] == "DARD"
    assert case["enterprise"] == {"id": "ent-open", "name": OPEN["name"], "district_code": "867"}
    assert case["support_type_label"].startswith("Áp dụng hệ thống truy xuất")
    [event] = event_store.read_stream(case["id"])
    assert (event.event_type, event.occurred_at, event.department) == (
        "SupportCaseProposed", "2024-02-01T00:00:00.000Z", "DARD")


def test_a_case_goes_from_proposal_to_completion(client, event_store):
    case_id = approved_case(client)
    assert act(client, case_id, "milestones", {"on": "2024-04-10", "note": "Khảo sát hiện trạng"}).status_code == 200
    paid = act(client, case_id, "disbursements", {"amount": 50_000_000, "source": "state_st_budget",
                                                   "disbursed_on": "2024-05-01"}, "DOF")
    assert paid.status_code == 200 and paid.headers["ETag"] == '"4"'
    assert paid.get_json()["remaining"] == {"state_st_budget": 10_000_000, "other_lawful": 20_000_000}
    done = act(client, case_id, "completion", {"outcome": {"summary": "Đã áp dụng truy xuất",
                                                           "certificate_number": "TXNG-2024-07"},
                                               "completed_on": "2024-09-30"})
    assert done.status_code == 200
    case = client.get(f"{CASES}/{case_id}", headers=auth("DOF", "viewer"))
    assert case.headers["ETag"] == '"5"'
    assert case.get_json()["state"] == "completed" and case.get_json()["completed_on"] == "2024-09-30"
    assert [e.occurred_at[:10] for e in event_store.read_stream(case_id)] == [
        "2024-02-01", "2024-03-01", "2024-04-10", "2024-05-01", "2024-09-30"]
    history = client.get(f"{CASES}/{case_id}/history", headers=auth(role="viewer")).get_json()
    assert [(entry["version"], entry["label"]) for entry in history] == [
        (1, "Đề xuất hỗ trợ"), (2, "Phê duyệt hỗ trợ và kinh phí"), (3, "Ghi nhận mốc thực hiện"),
        (4, "Giải ngân kinh phí"), (5, "Hoàn thành, nghiệm thu")]


def test_an_illegal_transition_is_409_naming_the_current_state(client, event_store):
    case_id = propose(client).get_json()["id"]
    assert act(client, case_id, "rejection", {"reason": "Ngoài phạm vi hỗ trợ"}).status_code == 200
    problem = assert_problem(act(client, case_id, "approval", APPROVAL), 409)
    assert problem["current_state"] == "rejected" and "rejected" in problem["detail"]
    assert event_store.stream_version(case_id) == 2


def test_a_disbursement_beyond_the_budget_is_409_naming_the_remaining_amount(client, event_store):
    case_id = approved_case(client)
    act(client, case_id, "disbursements", {"amount": 15_000_000, "source": "other_lawful"}, "DOF")
    problem = assert_problem(act(client, case_id, "disbursements", {"amount": 6_000_000, "source": "other_lawful"},
                                 "DOF"), 409)
    assert problem["remaining"] == 5_000_000 and problem["source"] == "other_lawful"
    assert event_store.stream_version(case_id) == 3


def test_a_stale_if_match_is_412(client, event_store):
    case_id = approved_case(client)
    problem = assert_problem(act(client, case_id, "milestones", {"note": "Đào tạo"}, **{"If-Match": '"1"'}), 412)
    assert problem["current_version"] == 2
    assert act(client, case_id, "milestones", {"note": "Đào tạo"}, **{"If-Match": '"2"'}).status_code == 200
    assert event_store.stream_version(case_id) == 3


def test_the_same_idempotency_key_proposes_once(client, event_store):
    first = propose(client, **{"Idempotency-Key": "demo-1"})
    again = propose(client, **{"Idempotency-Key": "demo-1"})
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert event_store.head_position() == 1


def test_actions_on_an_unknown_case_are_404(client):
    assert_problem(act(client, "no-such-case", "approval", APPROVAL), 404)
    assert_problem(client.get(f"{CASES}/no-such-case", headers=auth()), 404)
    assert_problem(client.get(f"{CASES}/no-such-case/history", headers=auth()), 404)


def test_dates_default_to_today_in_the_province(client):
    from shared.reference import province_today
    case = propose(client, {key: value for key, value in PROPOSAL.items() if key != "proposed_on"}).get_json()
    assert case["proposed_on"] == province_today().isoformat()


# ---- reference and known enterprises ------------------------------------------------------------------
def test_support_types_list_every_type_with_its_label_and_proposers(client):
    types = {row["code"]: row for row in client.get("/api/v1/support-types", headers=auth(role="viewer")).get_json()}
    assert set(types) == {"management_system", "improvement_tool", "traceability", "gap_organic",
                          "digital_transformation", "certification", "barcode", "base_standard", "label",
                          "intellectual_property", "technology_transfer", "quality_award", "st_task"}
    assert types["quality_award"]["outcome_required"] == ["award"]
    assert "DARD" in types["gap_organic"]["proposers"] and "DARD" not in types["st_task"]["proposers"]


def test_a_known_enterprise_is_returned_and_an_unknown_one_is_404(client):
    found = client.get("/api/v1/enterprises/ent-closed", headers=auth(role="viewer")).get_json()
    assert found["status"] == "closed" and found["district"] == {"code": "867", "name": "Thành phố Sa Đéc"}
    assert_problem(client.get("/api/v1/enterprises/ent-unknown", headers=auth(role="viewer")), 404)


def test_openapi_documents_every_command_with_vietnamese_descriptions(client):
    spec = client.get("/openapi.json").get_json()
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}/approval", "/api/v1/cases/{case_id}/rejection",
                 "/api/v1/cases/{case_id}/milestones", "/api/v1/cases/{case_id}/disbursements",
                 "/api/v1/cases/{case_id}/completion", "/api/v1/cases/{case_id}/cancellation"):
        assert "post" in spec["paths"][path], path
    proposal = spec["components"]["schemas"]["ProposeCase"]["properties"]
    assert proposal["requested_amount"]["description"].startswith("số tiền")
    assert {"get"} <= set(spec["paths"]["/api/v1/cases/{case_id}/history"])
