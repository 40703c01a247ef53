"""A course from scheduling to completion, an expert from nomination to a revoked certificate, on the real stack.

Registry → Kafka → training's known enterprises; training's store → relay → nscl.training.events; training's
own read models from its store; certificate verification without a token.
"""
from __future__ import annotations

import json

import pytest
import requests
from kafka import KafkaConsumer, TopicPartition

from deploy.processes import wait_until

pytestmark = pytest.mark.e2e
TOPIC = "nscl.training.events"


def knows(stack, tokens, enterprise_id: str) -> bool:
    response = requests.get(f"{stack.url('training')}/api/v1/enterprises/{enterprise_id}",
                            headers=tokens("DOST", "viewer"), timeout=10)
    return response.status_code == 200


def post(stack, tokens, path: str, body: dict | None = None, department: str = "DOST") -> requests.Response:
    return requests.post(f"{stack.url('training')}/api/v1{path}", json=body or {},
                         headers=tokens(department, "clerk"), timeout=10)


def events_of(bootstrap: str, stream_id: str, expected: int) -> list[dict]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20,
                             consumer_timeout_ms=500)
    try:
        wait_until(lambda: consumer.partitions_for_topic(TOPIC), 15, f"topic {TOPIC}")
        partitions = [TopicPartition(TOPIC, p) for p in sorted(consumer.partitions_for_topic(TOPIC))]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found: list[dict] = []

        def more() -> bool:
            for batch in consumer.poll(timeout_ms=200).values():
                found.extend(event for event in (json.loads(record.value) for record in batch)
                             if event["stream_id"] == stream_id)
            return len(found) >= expected
        wait_until(more, 20, f"{expected} events of {stream_id} on {TOPIC}")
        return found
    finally:
        consumer.close()


def test_course_completion_certificate_and_revocation_end_to_end(stack, embedded_servers, tokens,
                                                                  register_enterprise):
    sen_hong = register_enterprise(district_code="867", name="Công ty TNHH Sen Hồng")
    xoai = register_enterprise(district_code="873", name="HTX Xoài Cao Lãnh")
    wait_until(lambda: knows(stack, tokens, xoai["id"]) and knows(stack, tokens, sen_hong["id"]), 20,
               "training knows the new enterprises")

    scheduled = post(stack, tokens, "/courses", {
        "title": "Đào tạo chuyên gia NSCL khoá 1", "kind": "training_class", "topic": "expert_training",
        "start_date": "2024-03-04", "end_date": "2024-03-08", "venue": "Sở KH&CN, Cao Lãnh", "capacity": 30})
    assert scheduled.status_code == 201, scheduled.text
    course_id = scheduled.json()["id"]
    hoa = post(stack, tokens, f"/courses/{course_id}/participants", {
        "full_name": "Phạm Thị Hoa", "role": "manager", "national_id": "087190000123", "enterprise_id": sen_hong["id"]})
    assert hoa.status_code == 201, hoa.text
    assert post(stack, tokens, f"/courses/{course_id}/participants", {
        "full_name": "Lê Văn Tư", "role": "worker", "enterprise_id": xoai["id"]}).status_code == 201
    unknown = post(stack, tokens, f"/courses/{course_id}/participants", {
        "full_name": "Ai Đó", "role": "worker", "enterprise_id": "not-registered"})
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["enterprise_id"]
    participant = next(p for p in hoa.json()["participants"] if p["full_name"] == "Phạm Thị Hoa")
    held = post(stack, tokens, f"/courses/{course_id}/hold")
    assert held.status_code == 200 and held.json()["status"] == "held"
    result = post(stack, tokens, f"/courses/{course_id}/participants/{participant['id']}/result",
                  {"attended": True, "completed": True})
    assert result.status_code == 200 and result.json()["completed"] == 1

    expert = post(stack, tokens, "/experts", {"full_name": "Phạm Thị Hoa", "national_id": "087190000123",
                                              "enterprise_id": sen_hong["id"]})
    assert expert.status_code == 201, expert.text
    expert_id = expert.json()["id"]
    assert post(stack, tokens, f"/experts/{expert_id}/training", {"course_ids": [course_id]}).status_code == 200
    certified = post(stack, tokens, f"/experts/{expert_id}/certification", {
        "certificate_number": "CG-NSCL-2024-001", "issuer": "local_programme", "valid_from": "2024-04-01",
        "valid_until": "2099-03-31"})
    assert certified.status_code == 200, certified.text
    verify_url = f"{stack.url('training')}/api/v1/certificates/{certified.json()['certificate']['public_id']}"

    valid = requests.get(verify_url, timeout=10)  # no token
    assert valid.status_code == 200
    assert valid.json()["status"] == "valid" and valid.json()["holder_name"] == "Phạm Thị Hoa"
    assert "087190000123" not in valid.text

    revoked = post(stack, tokens, f"/experts/{expert_id}/revocation", {"reason": "Vi phạm quy chế",
                                                                      "effective_on": "2025-01-15"})
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    gone = requests.get(verify_url, timeout=10)
    assert gone.status_code == 410
    assert gone.headers["Content-Type"] == "application/problem+json"
    assert gone.json()["revoked_on"] == "2025-01-15"

    course_events = events_of(embedded_servers.kafka_bootstrap, course_id, 6)
    assert [(event["version"], event["event_type"]) for event in course_events] == [
        (1, "CourseScheduled"), (2, "ParticipantEnrolled"), (3, "ParticipantEnrolled"), (4, "CourseHeld"),
        (5, "AttendanceRecorded"), (6, "CompletionRecorded")]
    assert course_events[3]["occurred_at"] == "2024-03-04T00:00:00.000Z"

    def listed() -> list[dict]:
        response = requests.get(f"{stack.url('training')}/api/v1/courses", params={"enterprise_id": xoai["id"]},
                                headers=tokens("DOST", "viewer"), timeout=10)
        return response.json()["items"]
    wait_until(lambda: [(row["id"], row["completed"]) for row in listed()] == [(course_id, 1)], 15,
               "the course in training's read model")
