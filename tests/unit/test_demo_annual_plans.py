"""The demo's annual plans 2021–2026 go through the support API as it is (in memory here): every one approved,
2023 returned once then approved with an adjustment, 2025 revised twice (once back to DOF)."""
from __future__ import annotations

import pytest

from deploy import demo_plans
from services.support.app import create_app
from services.support.bootstrap import bootstrap
from shared.eventstore.memory import InMemoryEventStore
from tests.unit.http_helpers import auth, offline_settings


@pytest.fixture
def client(tmp_path):
    app = create_app(service=bootstrap(offline_settings(tmp_path), store=InMemoryEventStore()))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()


def test_every_demo_plan_is_recorded_and_approved(client):
    for year in demo_plans.YEARS:
        for step in demo_plans.steps(year):
            path = f"/api/v1/plans/{year}/{step.path}" if step.path else "/api/v1/plans"
            response = client.post(path, json=step.body, headers=auth(step.department))
            assert response.status_code in (200, 201), (year, step.path, response.get_json())
    listed = client.get("/api/v1/plans", headers=auth("DOF", "viewer")).get_json()
    assert [plan["year"] for plan in listed["items"]] == [2026, 2025, 2024, 2023, 2022, 2021]
    assert {plan["state"] for plan in listed["items"]} == {"approved"}
    by_year = {plan["year"]: plan for plan in listed["items"]}
    returned = by_year[demo_plans.RETURNED_YEAR]
    assert returned["totals"]["approved"] != returned["totals"]["estimated"]
    history = client.get(returned["history"], headers=auth("DOF", "viewer")).get_json()
    assert "AnnualPlanReturned" in [item["event_type"] for item in history]
    revised = by_year[demo_plans.REVISED_YEAR]["revisions"]
    assert [revision["needs_appraisal"] for revision in revised] == [False, True]
