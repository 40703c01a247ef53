"""What the dashboard and export tests do through the API: read reporting, wait until it has caught up,
and enter a training class held on a past day (a backdated entry: I1 and I3)."""
from __future__ import annotations

from typing import Any

import requests

from deploy.processes import wait_until
from shared.config import WRITE_SERVICES

PHASE = "2021-2025"


def bearer(tokens, department: str = "DOST", role: str = "viewer") -> str:
    return tokens(department, role)["Authorization"].split(" ", 1)[1]


def reporting_get(stack, tokens, path: str, department: str = "DOST", role: str = "viewer", **params) -> Any:
    response = requests.get(f"{stack.url('reporting')}/api/v1{path}", params=params,
                            headers=tokens(department, role), timeout=30)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def wait_caught_up(stack, tokens) -> None:
    """Reporting holds every event each write service has logged so far, without a gap."""
    def caught_up() -> bool:
        heads = {service: requests.get(f"{stack.url(service)}/api/v1/events/", params={"limit": 1},
                                       headers=tokens("DOST", "auditor"), timeout=10).json()["head_position"]
                 for service in WRITE_SERVICES}
        answer = reporting_get(stack, tokens, "/indicators", period=PHASE)
        return answer["complete"] and all(answer["positions"][service] >= head for service, head in heads.items())
    wait_until(caught_up, 60, "reporting caught up with every write service")


def known_to_training(stack, tokens, enterprise: dict) -> None:
    wait_until(lambda: requests.get(f"{stack.url('training')}/api/v1/enterprises/{enterprise['id']}",
                                    headers=tokens("DOST", "viewer"), timeout=10).status_code == 200,
               30, "training knows the enterprise")


def held_class(stack, tokens, enterprise: dict, day: str) -> str:
    """A training class held on ``day`` (typed in now), attended and completed by one of the enterprise's staff."""
    def post(path: str, body: dict) -> dict:
        response = requests.post(f"{stack.url('training')}/api/v1{path}", json=body,
                                 headers=tokens("DOST", "clerk"), timeout=15)
        assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
        return response.json()

    course_id = post("/courses", {"title": f"Lớp ISO 9001 ngày {day}", "kind": "training_class",
                                  "topic": "management_system", "start_date": day, "end_date": day,
                                  "venue": "Sa Đéc", "capacity": 20})["id"]
    post(f"/courses/{course_id}/participants", {"full_name": f"Học viên {enterprise['name']}", "role": "manager",
                                                "enterprise_id": enterprise["id"]})
    held = post(f"/courses/{course_id}/hold", {})
    for participant in held["participants"]:
        post(f"/courses/{course_id}/participants/{participant['id']}/result", {"attended": True, "completed": True})
    return course_id
