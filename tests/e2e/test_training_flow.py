"""A course from scheduling to completion, an expert from nomination to a revoked certificate, on the real stack.

Registry → Kafka → training's known enterprises; training's store → relay → nscl.training.events; training's
own read models from its store; certificate verification without a token.
"""
from __future__ import annotations

import pytest
import requests

from deploy.processes import wait_until
from tests.topics import stream_events

pytestmark = pytest.mark.e2e
TOPIC = "nscl.training.events"


def test_course_completion_certificate_and_revocation_end_to_end(stack, embedded_servers, tokens, api,
                                                                  register_enterprise):
    training = api("training")
    sen_hong = register_enterprise(district_code="867", name="Công ty TNHH Sen Hồng")
    xoai = register_enterprise(district_code="873", name="HTX Xoài Cao Lãnh")
    wait_until(lambda: training.knows(xoai["id"]) and training.knows(sen_hong["id"]), 20,
               "training knows the new enterprises")

    scheduled = training.post("/courses", {
        "title": "Đào tạo chuyên gia NSCL khoá 1", "kind": "training_class", "topic": "expert_training",
        "start_date": "2024-03-04", "end_date": "2024-03-08", "venue": "Sở KH&CN, Cao Lãnh", "capacity": 30})
    assert scheduled.status_code == 201, scheduled.text
    course_id = scheduled.json()["id"]
    hoa = training.post(f"/courses/{course_id}/participants", {
        "full_name": "Phạm Thị Hoa", "role": "manager", "national_id": "087190000123", "enterprise_id": sen_hong["id"]})
    assert hoa.status_code == 201, hoa.text
    assert training.post(f"/courses/{course_id}/participants", {
        "full_name": "Lê Văn Tư", "role": "worker", "enterprise_id": xoai["id"]}).status_code == 201
    unknown = training.post(f"/courses/{course_id}/participants", {
        "full_name": "Ai Đó", "role": "worker", "enterprise_id": "not-registered"})
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["enterprise_id"]
    participant = next(p for p in hoa.json()["participants"] if p["full_name"] == "Phạm Thị Hoa")
    held = training.post(f"/courses/{course_id}/hold")
    assert held.status_code == 200 and held.json()["status"] == "held"
    result = training.post(f"/courses/{course_id}/participants/{participant['id']}/result",
                  {"attended": True, "completed": True})
    assert result.status_code == 200 and result.json()["completed"] == 1

    expert = training.post("/experts", {"full_name": "Phạm Thị Hoa", "national_id": "087190000123",
                                              "enterprise_id": sen_hong["id"]})
    assert expert.status_code == 201, expert.text
    expert_id = expert.json()["id"]
    assert training.post(f"/experts/{expert_id}/training", {"course_ids": [course_id]}).status_code == 200
    certified = training.post(f"/experts/{expert_id}/certification", {
        "certificate_number": "CG-NSCL-2024-001", "issuer": "local_programme", "valid_from": "2024-04-01",
        "valid_until": "2099-03-31"})
    assert certified.status_code == 200, certified.text
    verify_url = f"{stack.url('training')}/api/v1/certificates/{certified.json()['certificate']['public_id']}"

    valid = requests.get(verify_url, timeout=10)  # no token
    assert valid.status_code == 200
    assert valid.json()["status"] == "valid" and valid.json()["holder_name"] == "Phạm Thị Hoa"
    assert "087190000123" not in valid.text

    revoked = training.post(f"/experts/{expert_id}/revocation", {"reason": "Vi phạm quy chế",
                                                                      "effective_on": "2025-01-15"})
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    gone = requests.get(verify_url, timeout=10)
    assert gone.status_code == 410
    assert gone.headers["Content-Type"] == "application/problem+json"
    assert gone.json()["revoked_on"] == "2025-01-15"
    certified_again = training.post(f"/experts/{expert_id}/certification", {
        "certificate_number": "CG-NSCL-2025-014", "issuer": "local_programme", "valid_from": "2025-06-01",
        "valid_until": "2099-05-31"})
    assert certified_again.status_code == 200, certified_again.text
    new_url = f"{stack.url('training')}/api/v1/certificates/{certified_again.json()['certificate']['public_id']}"
    assert new_url != verify_url and requests.get(new_url, timeout=10).json()["status"] == "valid"
    still_gone = requests.get(verify_url, timeout=10)
    assert still_gone.status_code == 410 and still_gone.json()["certificate_number"] == "CG-NSCL-2024-001"

    course_events = stream_events(embedded_servers.kafka_bootstrap, TOPIC, course_id, 6)
    assert [(event.version, event.event_type) for event in course_events] == [
        (1, "CourseScheduled"), (2, "ParticipantEnrolled"), (3, "ParticipantEnrolled"), (4, "CourseHeld"),
        (5, "AttendanceRecorded"), (6, "CompletionRecorded")]
    assert course_events[3].occurred_at == "2024-03-04T00:00:00.000Z"

    def listed() -> list[dict]:
        response = requests.get(f"{stack.url('training')}/api/v1/courses", params={"enterprise_id": xoai["id"]},
                                headers=tokens("DOST", "viewer"), timeout=10)
        return response.json()["items"]
    wait_until(lambda: [(row["id"], row["completed"]) for row in listed()] == [(course_id, 1)], 15,
               "the course in training's read model")
