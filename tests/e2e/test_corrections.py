"""Corrections on the real stack: a fact recorded by mistake is withdrawn with a reason, as an event; the
service's read model and reporting's figures follow, and what was known before the correction stays answerable."""
from __future__ import annotations

from datetime import UTC, datetime

import requests

from deploy.processes import wait_until
from tests.e2e.reporting_helpers import held_class, known_to_training, reporting_get, wait_caught_up


def i3_contributors(stack, tokens, **params) -> set[str]:
    answer = reporting_get(stack, tokens, "/indicators/I3", period="2022", **params)
    return {contributor["id"] for contributor in answer["contributors"]}


def test_a_participant_withdrawn_after_the_course_no_longer_makes_its_enterprise_count(
        stack, tokens, register_enterprise):
    enterprise = register_enterprise(district_code="868", name="Công ty TNHH Đính Chính Học Viên")
    known_to_training(stack, tokens, enterprise)
    course_id = held_class(stack, tokens, enterprise, "2022-06-06")
    wait_caught_up(stack, tokens)
    assert enterprise["id"] in i3_contributors(stack, tokens)
    before_correction = datetime.now(UTC).isoformat().replace("+00:00", "Z")

    course_url = f"{stack.url('training')}/api/v1/courses/{course_id}"
    [participant] = requests.get(course_url, headers=tokens("DOST", "clerk"), timeout=10).json()["participants"]
    withdrawal = f"{course_url}/participants/{participant['id']}/withdrawal"
    refused = requests.post(withdrawal, json={"reason": "ghi danh nhầm"}, headers=tokens("DOIT", "clerk"), timeout=10)
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"
    missing_reason = requests.post(withdrawal, json={}, headers=tokens("DOST", "clerk"), timeout=10)
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["errors"]

    withdrawn = requests.post(withdrawal, json={"reason": "ghi danh nhầm doanh nghiệp"},
                              headers=tokens("DOST", "clerk"), timeout=10)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["participants"] == [] and withdrawn.json()["attended"] == 0

    wait_until(lambda: enterprise["id"] not in i3_contributors(stack, tokens), 30,
               "reporting no longer counts the withdrawn participant's enterprise")
    assert enterprise["id"] in i3_contributors(stack, tokens, as_of=before_correction)

    wait_until(lambda: requests.get(f"{stack.url('training')}/api/v1/courses",
                                    params={"enterprise_id": enterprise["id"]}, headers=tokens("DOST", "viewer"),
                                    timeout=10).json()["items"] == [], 15, "the course list follows the correction")
