"""The support demo loader over the real stack: it waits for the enterprises, loads, and a re-run adds nothing."""
from __future__ import annotations

import pytest
import requests

from deploy.demo import DemoClient
from deploy.demo_support import load
from services.support.domain import SUPPORT_TYPES
from shared.reference import DEPARTMENTS

pytestmark = pytest.mark.e2e


def test_the_demo_loads_cases_once(stack, tokens, register_enterprise):
    enterprises = [register_enterprise(district_code="871"), register_enterprise(district_code="877")]
    raw = {department: {role: tokens(department, role)["Authorization"].split()[1] for role in ("clerk", "viewer")}
           for department in DEPARTMENTS}  # the shape of .nscl/dev-tokens.json's "tokens"
    url = stack.url("support")
    demo = DemoClient({"support": url}, raw)

    def head() -> int:
        return requests.get(f"{url}/api/v1/events/", params={"limit": 1}, headers=tokens("DOST", "auditor"),
                            timeout=10).json()["head_position"]

    assert load(demo, enterprises, count=13, seed=7, backbone=False) == 13
    after_first = head()
    assert load(demo, enterprises, count=13, seed=7, backbone=False) == 0
    assert head() == after_first
    cases = [event for event in requests.get(f"{url}/api/v1/events/", params={"limit": 1000},
                                             headers=tokens("DOST", "auditor"), timeout=10).json()["events"]
             if event["event_type"] == "SupportCaseProposed"
             and event["data"]["enterprise_id"] in {e["id"] for e in enterprises}]
    assert len(cases) == 13
    assert {event["data"]["support_type"] for event in cases} == set(SUPPORT_TYPES)
