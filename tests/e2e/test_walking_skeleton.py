"""A department's clerk registers enterprises on the registry; reporting shows them per district.

Everything runs for real: gunicorn services, nx-27017, Tansu, the relays and the projector.
"""
from __future__ import annotations

import itertools
import uuid

import pytest
import requests

from deploy.processes import wait_until

pytestmark = pytest.mark.e2e
_tax_codes = itertools.count(1_400_000_001)


def enterprise(district_code: str = "866", **overrides) -> dict:
    return {"tax_code": str(next(_tax_codes)), "name": "Công ty TNHH Sen Hồng", "district_code": district_code,
            "registered_on": "2023-05-10", **overrides}


def district_counts(stack, tokens) -> dict[str, int]:
    response = requests.get(f"{stack.url('reporting')}/api/v1/enterprises/by-district",
                            headers=tokens("DOST", "viewer"), timeout=10)
    response.raise_for_status()
    return {row["code"]: row["count"] for row in response.json()["districts"]}


def register(stack, tokens, body: dict, **headers) -> requests.Response:
    return requests.post(f"{stack.url('registry')}/api/v1/enterprises", json=body,
                         headers={**tokens("DOST", "clerk"), **headers}, timeout=10)


def registry_head(stack, tokens) -> int:
    response = requests.get(f"{stack.url('registry')}/api/v1/events/", params={"limit": 1},
                            headers=tokens("DOST", "auditor"), timeout=10)
    response.raise_for_status()
    return response.json()["head_position"]


def test_every_service_is_healthy_and_documents_its_api(stack):
    for service in ("registry", "support", "training", "reporting"):
        health = requests.get(f"{stack.url(service)}/health", timeout=10).json()
        assert health == {"service": service, "status": "ok", "checks": {"mongodb": "ok", "kafka": "ok"}}
        spec = requests.get(f"{stack.url(service)}/openapi.json", timeout=10).json()
        assert spec["openapi"].startswith("3.") and "bearerAuth" in spec["components"]["securitySchemes"]
    spec = requests.get(f"{stack.url('registry')}/openapi.json", timeout=10).json()
    assert {"post", "get"} <= set(spec["paths"]["/api/v1/enterprises"]) | set(
        spec["paths"]["/api/v1/enterprises/{enterprise_id}"])


def test_without_a_token_the_answer_is_401_problem_json(stack):
    response = requests.post(f"{stack.url('registry')}/api/v1/enterprises", json=enterprise(), timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("unauthenticated")


def test_a_department_that_may_not_write_gets_403(stack, tokens):
    response = requests.post(f"{stack.url('registry')}/api/v1/enterprises", json=enterprise(),
                             headers=tokens("DIC", "clerk"), timeout=10)
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_bad_tax_code_is_400_naming_the_field_and_writes_nothing(stack, tokens):
    before = registry_head(stack, tokens)
    response = register(stack, tokens, enterprise(tax_code="14001-23"))
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["tax_code"]
    assert registry_head(stack, tokens) == before


def test_a_registered_enterprise_reaches_the_district_count_within_seconds(stack, tokens):
    before = district_counts(stack, tokens)
    response = register(stack, tokens, enterprise("871"))
    assert response.status_code == 201 and response.headers["ETag"] == '"1"'
    assert response.json()["district"] == {"code": "871", "name": "Huyện Tam Nông"}
    wait_until(lambda: district_counts(stack, tokens).get("871", 0) == before.get("871", 0) + 1, 15,
               "the new enterprise in reporting")


def test_a_stale_if_match_is_412_with_the_current_version(stack, tokens):
    created = register(stack, tokens, enterprise()).json()
    url = f"{stack.url('registry')}/api/v1/enterprises/{created['id']}"
    clerk = tokens("DOST", "clerk")
    renamed = requests.patch(url, json={"name": "Công ty Cổ phần Sen Hồng"}, headers={**clerk, "If-Match": '"1"'},
                             timeout=10)
    assert renamed.status_code == 200 and renamed.headers["ETag"] == '"2"'
    stale = requests.patch(url, json={"name": "Tên khác"}, headers={**clerk, "If-Match": '"1"'}, timeout=10)
    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2 and stale.headers["ETag"] == '"2"'
    assert requests.get(url, headers=clerk, timeout=10).json()["name"] == "Công ty Cổ phần Sen Hồng"


def test_the_same_idempotency_key_twice_gives_one_event_and_the_same_answer(stack, tokens):
    body, key = enterprise("872"), str(uuid.uuid4())
    first = register(stack, tokens, body, **{"Idempotency-Key": key})
    head = registry_head(stack, tokens)
    second = register(stack, tokens, body, **{"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["ETag"] == first.headers["ETag"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert registry_head(stack, tokens) == head


def test_writes_succeed_while_the_broker_is_down_and_reporting_converges_after(stack, embedded_servers, tokens):
    wait_until(lambda: sum(district_counts(stack, tokens).values()) == _registered(stack, tokens), 20,
               "reporting caught up before the outage")
    before = district_counts(stack, tokens)
    embedded_servers.stop_kafka()
    try:
        written = [register(stack, tokens, enterprise(district)) for district in ("873", "874", "874", "875")]
        assert [response.status_code for response in written] == [201, 201, 201, 201]
        health = requests.get(f"{stack.url('registry')}/health", timeout=10).json()
        assert health["status"] == "degraded" and health["checks"]["kafka"] == "unreachable"
    finally:
        embedded_servers.start_kafka()
    expected = dict(before)
    for district in ("873", "874", "874", "875"):
        expected[district] = expected.get(district, 0) + 1
    seen: list[dict[str, int]] = []

    def converged() -> bool:
        seen.append(district_counts(stack, tokens))
        return seen[-1] == expected
    try:
        wait_until(converged, 90, "reporting converged after the broker came back")
    except TimeoutError as error:
        logs = "\n".join(stack.processes[name].log_tail(15) for name in ("relay-registry", "projector"))
        pytest.fail(f"{error}\nexpected {expected}\nlast seen {seen[-1:]}\n{logs}")
    # Each API process holds what it read until the projector raises its counters after a batch: wait for them all.
    wait_until(lambda: sum(district_counts(stack, tokens).values()) == _registered(stack, tokens), 30,
               "every registered enterprise counted by district")


def _registered(stack, tokens) -> int:
    """How many enterprises the registry's own log holds: its EnterpriseRegistered events."""
    count, position = 0, 1
    while True:
        page = requests.get(f"{stack.url('registry')}/api/v1/events/", params={"from_position": position,
                                                                              "limit": 1000},
                            headers=tokens("DOST", "auditor"), timeout=10).json()
        count += sum(1 for event in page["events"] if event["event_type"] == "EnterpriseRegistered")
        if page["next_from_position"] is None:
            return count
        position = page["next_from_position"]
