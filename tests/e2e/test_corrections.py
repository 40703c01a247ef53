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


def test_an_outreach_activity_corrected_then_withdrawn_changes_the_dic_view_and_the_list(stack, tokens):
    def dic_rows(**params) -> dict[str, tuple[int, int]]:
        [table] = reporting_get(stack, tokens, "/views/DIC", department="DIC", period="2023", **params)["tables"]
        return {row["kind"]: (row["activities"], row["reach"]) for row in table["rows"]}

    wait_caught_up(stack, tokens)
    before = dic_rows()
    post = {"headers": tokens("DIC", "clerk"), "timeout": 10}
    created = requests.post(f"{stack.url('training')}/api/v1/outreach", json={
        "kind": "publication", "title": "Sổ tay NSCL 2023", "held_on": "2023-10-10", "reach": 200}, **post)
    assert created.status_code == 201, created.text
    url = f"{stack.url('training')}/api/v1/outreach/{created.json()['id']}"
    corrected = requests.post(f"{url}/correction", json={"reach": 2000, "reason": "in 2.000 bản, không phải 200"},
                              **post)
    assert corrected.status_code == 200 and corrected.json()["reach"] == 2000
    wait_caught_up(stack, tokens)
    kind = "Ấn phẩm, tài liệu"
    activities, reach = before.get(kind, (0, 0))
    assert dic_rows()[kind] == (activities + 1, reach + 2000)
    before_withdrawal = datetime.now(UTC).isoformat().replace("+00:00", "Z")

    withdrawn = requests.post(f"{url}/withdrawal", json={"reason": "trùng với ấn phẩm đã ghi"}, **post)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    wait_caught_up(stack, tokens)
    assert dic_rows().get(kind, (0, 0)) == (activities, reach)
    assert dic_rows(as_of=before_withdrawal)[kind] == (activities + 1, reach + 2000)

    def listed(**params) -> list[str]:
        return [row["id"] for row in requests.get(f"{stack.url('training')}/api/v1/outreach", params=params,
                                                  headers=tokens("DIC", "viewer"), timeout=10).json()["items"]]
    wait_until(lambda: created.json()["id"] in listed(status="withdrawn"), 15, "the list follows the withdrawal")
    assert created.json()["id"] not in listed()


def test_a_disbursement_made_in_error_is_reversed_and_the_dof_view_takes_it_off_its_year(
        api, stack, tokens, register_enterprise):
    def disbursed_2022(**params) -> int:
        [table] = reporting_get(stack, tokens, "/views/DOF", department="DOF", period="2022", **params)["tables"]
        return sum(row["disbursed"] for row in table["rows"] if row["year"] == 2022)

    dost, dof = api("support", "DOST"), api("support", "DOF")
    enterprise = register_enterprise(district_code="869", name="Công ty TNHH Đảo Bút Toán")
    wait_until(lambda: dost.knows(enterprise["id"]), 30, "support knows the enterprise")
    case = dost.command("/cases", {"enterprise_id": enterprise["id"], "support_type": "label",
                                   "need": "Nhãn hàng hoá", "requested_amount": 9_000_000,
                                   "proposed_on": "2022-02-01"}, 201)
    dost.command(f"/cases/{case['id']}/approval", {"budget": {"state_st_budget": 9_000_000},
                                                   "approved_on": "2022-03-01"})
    wait_caught_up(stack, tokens)
    before = disbursed_2022()
    paid = dof.command(f"/cases/{case['id']}/disbursements", {"amount": 9_000_000, "source": "state_st_budget",
                                                              "disbursed_on": "2022-04-01"})
    [payment] = paid["disbursements"]
    wait_caught_up(stack, tokens)
    assert disbursed_2022() == before + 9_000_000
    before_reversal = datetime.now(UTC).isoformat().replace("+00:00", "Z")

    url = f"/cases/{case['id']}/disbursements/{payment['id']}/reversal"
    assert dost.post(url, {"reason": "nhầm"}).status_code == 403
    reversed_case = dof.command(url, {"reason": "Giải ngân nhầm hồ sơ", "reversed_on": "2022-04-05"})
    assert reversed_case["disbursed"]["state_st_budget"] == 0
    assert reversed_case["remaining"]["state_st_budget"] == 9_000_000
    assert reversed_case["disbursements"][0]["reversed_on"] == "2022-04-05"
    assert dof.post(url, {"reason": "lần nữa"}).status_code == 409

    wait_caught_up(stack, tokens)
    assert disbursed_2022() == before
    assert disbursed_2022(as_of=before_reversal) == before + 9_000_000


def test_a_survey_recorded_on_the_wrong_enterprise_is_withdrawn_and_recorded_on_the_right_one(
        stack, tokens, register_enterprise):
    wrong = register_enterprise(district_code="870", name="Công ty TNHH Khảo Sát Nhầm")
    right = register_enterprise(district_code="870", name="Công ty TNHH Khảo Sát Đúng")
    registry = f"{stack.url('registry')}/api/v1/enterprises"
    clerk = {"headers": tokens("DOST", "clerk"), "timeout": 10}
    survey = {"surveyed_on": "2022-09-09", "kind": "diagnosis"}
    recorded = requests.post(f"{registry}/{wrong['id']}/surveys", json=survey, **clerk)
    assert recorded.status_code == 201, recorded.text
    [survey_id] = [item["survey_id"] for item in recorded.json()["surveys"]]
    wait_caught_up(stack, tokens)
    assert wrong["id"] in i3_contributors(stack, tokens)

    withdrawn = requests.post(f"{registry}/{wrong['id']}/surveys/{survey_id}/withdrawal",
                              json={"reason": "ghi vào nhầm doanh nghiệp"}, **clerk)
    assert withdrawn.status_code == 200 and withdrawn.json()["surveys"] == []
    assert requests.post(f"{registry}/{right['id']}/surveys", json=survey, **clerk).status_code == 201
    wait_caught_up(stack, tokens)
    counted = i3_contributors(stack, tokens)
    assert wrong["id"] not in counted and right["id"] in counted
    history = requests.get(f"{registry}/{wrong['id']}/history", **clerk).json()
    assert [item["event_type"] for item in history][-2:] == ["SurveyRecorded", "SurveyWithdrawn"]
