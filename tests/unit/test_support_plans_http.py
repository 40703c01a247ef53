"""/api/v1/plans with an in-memory store: problem+json refusals, ETags, the list's filters, the history link."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.support.app import create_app
from services.support.bootstrap import bootstrap
from shared.eventstore.memory import InMemoryEventStore
from shared.reference import province_today
from tests.unit.http_helpers import assert_problem, auth, offline_settings

PLANS = "/api/v1/plans"
DRAFT = {"year": 2023, "drafted_on": "2022-12-01", "lines": [
    {"task_group": "outreach", "quantity": 10, "budget": {"state_st_budget": 50_000_000}},
    {"task_group": "support", "support_type": "label", "quantity": 8,
     "budget": {"state_st_budget": 40_000_000, "other_lawful": 8_000_000}}]}


@pytest.fixture
def client(tmp_path):
    app = create_app(service=bootstrap(offline_settings(tmp_path), store=InMemoryEventStore()))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()


def test_a_plan_is_drafted_read_and_listed_with_its_totals(client):
    created = client.post(PLANS, json=DRAFT, headers=auth("DOST"))
    assert created.status_code == 201, created.data
    assert created.headers["Location"].endswith("/api/v1/plans/2023") and created.headers["ETag"] == '"1"'
    body = created.get_json()
    assert body["state"] == "draft" and body["state_label"] == "Dự thảo"
    assert body["totals"]["estimated"] == {"state_st_budget": 90_000_000, "other_lawful": 8_000_000}
    assert [line["line"] for line in body["lines"]] == ["outreach", "support.label"]
    assert body["lines"][1]["support_type_label"] == "Nhãn hàng hóa" and body["lines"][1]["approved"] is None
    viewer = auth("DARD", "viewer")
    assert client.get(body["history"], headers=viewer).get_json()[0]["event_type"] == "AnnualPlanDrafted"
    assert client.get(f"{PLANS}/2023", headers=viewer).headers["ETag"] == '"1"'
    assert [plan["year"] for plan in client.get(PLANS, headers=viewer).get_json()["items"]] == [2023]
    assert client.get(PLANS, query_string={"state": "approved"}, headers=viewer).get_json()["total"] == 0
    assert_problem(client.get(f"{PLANS}/2024", headers=viewer), 404)


def test_refusals_are_problems_in_vietnamese(client):
    assert client.post(PLANS, json=DRAFT, headers=auth("DOST")).status_code == 201
    again = assert_problem(client.post(PLANS, json=DRAFT, headers=auth("DOST")), 409)
    assert again["current_state"] == "draft"
    early = assert_problem(client.post(f"{PLANS}/2023/approval", json={}, headers=auth("DOF")), 409)
    assert early["current_state"] == "draft" and "Dự thảo" in early["detail"]
    assert_problem(client.post(f"{PLANS}/2023/submission", json={}, headers=auth("DOF")), 403)
    assert_problem(client.post(f"{PLANS}/2023/submission", json={}, headers=auth("DOST", "viewer")), 403)
    future = (province_today() + timedelta(days=1)).isoformat()
    late = assert_problem(client.post(f"{PLANS}/2023/submission", json={"submitted_on": future},
                                      headers=auth("DOST")), 422)
    assert "submitted_on" in late["errors"]
    bad = assert_problem(client.post(PLANS, json={**DRAFT, "year": 2040, "lines": [{"task_group": "x"}]},
                                     headers=auth("DOST")), 400)
    assert {"year", "lines.0.task_group", "lines.0.quantity"} <= set(bad["errors"])
    stale = client.post(f"{PLANS}/2023/submission", json={"submitted_on": "2022-12-02"},
                        headers={**auth("DOST"), "If-Match": '"7"'})
    assert_problem(stale, 412)


def test_submission_approval_with_adjustment_and_a_replayed_key(client):
    client.post(PLANS, json=DRAFT, headers=auth("DOST"))
    submitted = client.post(f"{PLANS}/2023/submission", json={"submitted_on": "2022-12-02"},
                            headers={**auth("DOST"), "If-Match": '"1"'})
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    approval = {"approved_on": "2022-12-20", "adjustments": [
        {"line": "outreach", "budget": {"state_st_budget": 30_000_000}}]}
    headers = {**auth("DOF"), "Idempotency-Key": "approve-2023"}
    approved = client.post(f"{PLANS}/2023/approval", json=approval, headers=headers)
    assert approved.status_code == 200, approved.data
    assert approved.get_json()["totals"]["approved"] == {"state_st_budget": 70_000_000, "other_lawful": 8_000_000}
    replayed = client.post(f"{PLANS}/2023/approval", json=approval, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.headers["ETag"] == '"3"'
