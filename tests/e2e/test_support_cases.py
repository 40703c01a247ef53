"""A department proposes support for a registered enterprise; DOST approves, DOF disburses, DOST completes.

Everything runs for real: the registry's events reach support over Kafka, support's events reach its topic
through the relay, and the cases list is projected by the support worker.
"""
from __future__ import annotations

import pytest
import requests
from kafka import KafkaConsumer, TopicPartition

from deploy.processes import wait_until
from shared.config import topic_for
from shared.envelope import Envelope

pytestmark = pytest.mark.e2e


def support(stack, path: str) -> str:
    return f"{stack.url('support')}/api/v1{path}"


def known_to_support(stack, tokens, enterprise_id: str) -> bool:
    return requests.get(support(stack, f"/enterprises/{enterprise_id}"), headers=tokens("DOST", "viewer"),
                        timeout=10).status_code == 200


def step(stack, tokens, case_id: str, name: str, body: dict, department: str = "DOST") -> dict:
    response = requests.post(support(stack, f"/cases/{case_id}/{name}"), json=body,
                             headers=tokens(department, "clerk"), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def case_events_on_kafka(bootstrap: str, case_id: str, expected: int) -> list[Envelope]:
    topic = topic_for("support")
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    try:
        wait_until(lambda: bool(consumer.partitions_for_topic(topic)), 15, f"topic {topic}")
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found: list[Envelope] = []

        def poll() -> bool:
            for batch in consumer.poll(timeout_ms=200).values():
                found.extend(event for event in (Envelope.from_json(record.value) for record in batch)
                             if event.stream_id == case_id)
            return len(found) >= expected
        wait_until(poll, 20, f"{expected} events of case {case_id} on {topic}")
        return found
    finally:
        consumer.close()


def test_a_case_from_proposal_to_completion_reaches_kafka_in_order_and_the_list(stack, tokens, embedded_servers,
                                                                                register_enterprise):
    enterprise = register_enterprise(district_code="876", name="HTX Quýt hồng Lai Vung")
    wait_until(lambda: known_to_support(stack, tokens, enterprise["id"]), 30, "support knows the enterprise")

    proposed = requests.post(support(stack, "/cases"), headers=tokens("UBND-876", "clerk"), timeout=10, json={
        "enterprise_id": enterprise["id"], "support_type": "gap_organic", "need": "Áp dụng VietGAP cho 20 ha quýt",
        "requested_amount": 150_000_000, "proposed_on": "2022-03-15"})
    assert proposed.status_code == 201, proposed.text
    case_id = proposed.json()["id"]
    step(stack, tokens, case_id, "approval", {"budget": {"state_st_budget": 100_000_000, "other_lawful": 0},
                                              "approved_on": "2022-04-20"})
    step(stack, tokens, case_id, "disbursements", {"amount": 60_000_000, "source": "state_st_budget",
                                                   "disbursed_on": "2022-06-01"}, "DOF")
    overdraft = requests.post(support(stack, f"/cases/{case_id}/disbursements"), headers=tokens("DOF", "clerk"),
                              json={"amount": 50_000_000, "source": "state_st_budget"}, timeout=10)
    assert overdraft.status_code == 409 and overdraft.json()["remaining"] == 40_000_000
    step(stack, tokens, case_id, "milestones", {"on": "2022-08-01", "note": "Đánh giá chứng nhận lần đầu"})
    done = step(stack, tokens, case_id, "completion", {
        "outcome": {"summary": "Đạt VietGAP", "certificate_number": "VietGAP-TT-22-07-0091"},
        "completed_on": "2022-10-10"})
    assert done["state"] == "completed" and done["version"] == 5

    events = case_events_on_kafka(embedded_servers.kafka_bootstrap, case_id, 5)
    assert [event.event_type for event in events] == [
        "SupportCaseProposed", "SupportCaseApproved", "SupportDisbursementRecorded", "SupportMilestoneRecorded",
        "SupportCaseCompleted"]
    assert [event.version for event in events] == [1, 2, 3, 4, 5]
    assert events[0].department == "UBND-876" and events[2].department == "DOF"

    viewer = tokens("DARD", "viewer")
    filters = {"type": "gap_organic", "state": "completed", "department": "UBND-876",
               "enterprise_id": enterprise["id"], "year": 2022, "funding_source": "state_st_budget"}

    def listed(**query) -> list[str]:
        response = requests.get(support(stack, "/cases"), params=query, headers=viewer, timeout=10)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]
    wait_until(lambda: listed(**filters) == [case_id], 15, "the completed case in the cases list")
    assert listed(**{**filters, "funding_source": "other_lawful"}) == []
    assert listed(**{**filters, "year": 2023}) == []


def test_a_case_for_an_enterprise_support_does_not_know_is_422(stack, tokens):
    response = requests.post(support(stack, "/cases"), headers=tokens("DOST", "clerk"), timeout=10, json={
        "enterprise_id": "never-registered", "support_type": "barcode", "need": "Đăng ký mã số mã vạch",
        "requested_amount": 5_000_000})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["enterprise_id"]


def test_an_enterprise_closed_on_the_registry_gets_no_new_case(stack, tokens, register_enterprise):
    enterprise = register_enterprise(district_code="868", name="Công ty Giải thể")
    closed = requests.post(f"{stack.url('registry')}/api/v1/enterprises/{enterprise['id']}/close",
                           json={"reason": "Giải thể theo quyết định của chủ sở hữu"},
                           headers=tokens("DOST", "clerk"), timeout=10)
    assert closed.status_code == 200, closed.text

    def closed_for_support() -> bool:
        known = requests.get(support(stack, f"/enterprises/{enterprise['id']}"), headers=tokens("DOST", "viewer"),
                             timeout=10)
        return known.status_code == 200 and known.json()["status"] == "closed"

    wait_until(closed_for_support, 30, "support learned of the closure from registry events")
    response = requests.post(support(stack, "/cases"), headers=tokens("DOST", "clerk"), timeout=10, json={
        "enterprise_id": enterprise["id"], "support_type": "barcode", "need": "Đăng ký mã số mã vạch",
        "requested_amount": 5_000_000})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["enterprise_id"]
