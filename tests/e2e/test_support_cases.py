"""A department proposes support for a registered enterprise; DOST approves, DOF disburses, DOST completes.

Everything runs for real: the registry's events reach support over Kafka, support's events reach its topic
through the relay, and the cases list is projected by the support worker.
"""
from __future__ import annotations

import pytest

from deploy.processes import wait_until
from shared.config import topic_for
from tests.topics import stream_events

pytestmark = pytest.mark.e2e


def test_a_case_from_proposal_to_completion_reaches_kafka_in_order_and_the_list(api, embedded_servers,
                                                                                register_enterprise):
    dost, dof = api("support", "DOST"), api("support", "DOF")
    enterprise = register_enterprise(district_code="876", name="HTX Quýt hồng Lai Vung")
    wait_until(lambda: dost.knows(enterprise["id"]), 30, "support knows the enterprise")

    proposed = api("support", "UBND-876").post("/cases", {
        "enterprise_id": enterprise["id"], "support_type": "gap_organic", "need": "Áp dụng VietGAP cho 20 ha quýt",
        "requested_amount": 150_000_000, "proposed_on": "2022-03-15"})
    assert proposed.status_code == 201, proposed.text
    case_id = proposed.json()["id"]
    dost.command(f"/cases/{case_id}/approval", {"budget": {"state_st_budget": 100_000_000, "other_lawful": 0},
                                                "approved_on": "2022-04-20"})
    dof.command(f"/cases/{case_id}/disbursements", {"amount": 60_000_000, "source": "state_st_budget",
                                                    "disbursed_on": "2022-06-01"})
    overdraft = dof.post(f"/cases/{case_id}/disbursements", {"amount": 50_000_000, "source": "state_st_budget"})
    assert overdraft.status_code == 409 and overdraft.json()["remaining"] == 40_000_000
    dost.command(f"/cases/{case_id}/milestones", {"on": "2022-08-01", "note": "Đánh giá chứng nhận lần đầu"})
    done = dost.command(f"/cases/{case_id}/completion", {
        "outcome": {"summary": "Đạt VietGAP", "certificate_number": "VietGAP-TT-22-07-0091"},
        "completed_on": "2022-10-10"})
    assert done["state"] == "completed" and done["version"] == 5

    events = stream_events(embedded_servers.kafka_bootstrap, topic_for("support"), case_id, 5)
    assert [event.event_type for event in events] == [
        "SupportCaseProposed", "SupportCaseApproved", "SupportDisbursementRecorded", "SupportMilestoneRecorded",
        "SupportCaseCompleted"]
    assert [event.version for event in events] == [1, 2, 3, 4, 5]
    assert events[0].department == "UBND-876" and events[2].department == "DOF"

    viewer = api("support", "DARD", "viewer")
    filters = {"type": "gap_organic", "state": "completed", "department": "UBND-876",
               "enterprise_id": enterprise["id"], "year": 2022, "funding_source": "state_st_budget"}

    def listed(**query) -> list[str]:
        return [row["id"] for row in viewer.items("/cases", **query)]
    wait_until(lambda: listed(**filters) == [case_id], 15, "the completed case in the cases list")
    assert listed(**{**filters, "funding_source": "other_lawful"}) == []
    assert listed(**{**filters, "year": 2023}) == []


def test_a_case_for_an_enterprise_support_does_not_know_is_422(api):
    response = api("support").post("/cases", {
        "enterprise_id": "never-registered", "support_type": "barcode", "need": "Đăng ký mã số mã vạch",
        "requested_amount": 5_000_000})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["enterprise_id"]


def test_an_enterprise_closed_on_the_registry_gets_no_new_case(api, register_enterprise):
    enterprise = register_enterprise(district_code="868", name="Công ty Giải thể")
    api("registry").command(f"/enterprises/{enterprise['id']}/close",
                            {"reason": "Giải thể theo quyết định của chủ sở hữu"})
    support = api("support")

    def closed_for_support() -> bool:
        known = support.get(f"/enterprises/{enterprise['id']}")
        return known.status_code == 200 and known.json()["status"] == "closed"

    wait_until(closed_for_support, 30, "support learned of the closure from registry events")
    response = support.post("/cases", {
        "enterprise_id": enterprise["id"], "support_type": "barcode", "need": "Đăng ký mã số mã vạch",
        "requested_amount": 5_000_000})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["enterprise_id"]
