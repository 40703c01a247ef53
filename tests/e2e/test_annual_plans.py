"""An annual plan on the real stack: DOST drafts, DOF returns it with an adjustment, DOST redrafts and resubmits,
DOF approves with an adjustment, DOST revises it during the year; reporting then shows plan versus actual for the
year, checked against figures worked out by hand here (what other tests recorded in 2024 is read first and added).
"""
from __future__ import annotations

import io

import openpyxl
import pytest
import requests

from deploy.processes import wait_until
from shared.envelope import utc_now
from tests.e2e.reporting_helpers import held_class, known_to_training, reporting_get, wait_caught_up

pytestmark = pytest.mark.e2e

YEAR = 2024
ST, OTHER = "state_st_budget", "other_lawful"
LINES = [
    {"task_group": "outreach", "quantity": 12, "budget": {ST: 100_000_000}},
    {"task_group": "support", "support_type": "barcode", "quantity": 5, "budget": {ST: 60_000_000, OTHER: 10_000_000}},
    {"task_group": "training", "quantity": 3, "budget": {ST: 90_000_000}},
]


def plan_view(stack, tokens, **params) -> tuple[dict, dict[str, dict], dict[str, dict]]:
    answer = reporting_get(stack, tokens, "/views/DOST/plan", department="DOF", year=YEAR, **params)
    lines, funds = answer["tables"]
    return answer, {row["line"]: row for row in lines["rows"]}, {row["source"]: row for row in funds["rows"]}


def test_a_plan_drafted_returned_approved_with_an_adjustment_revised_and_its_plan_versus_actual(
        api, stack, tokens, register_enterprise):
    dost, dof = api("support", "DOST"), api("support", "DOF")
    wait_caught_up(stack, tokens)
    _, before, funds_before = plan_view(stack, tokens)

    def done(line: str, column: str = "done") -> int:
        return (before.get(line) or {}).get(column) or 0

    created = dost.post("/plans", {"year": YEAR, "drafted_on": "2023-11-10", "lines": LINES})
    assert created.status_code == 201, created.text
    assert created.json()["totals"]["estimated"] == {ST: 250_000_000, OTHER: 10_000_000}
    refused = dof.post(f"/plans/{YEAR}/submission", {"submitted_on": "2023-11-15"})
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith("application/problem+json")
    dost.command(f"/plans/{YEAR}/submission", {"submitted_on": "2023-11-15"})
    returned = dof.command(f"/plans/{YEAR}/return", {
        "reason": "Kinh phí đào tạo vượt khả năng cân đối", "returned_on": "2023-11-25",
        "requested_adjustments": [{"line": "training", "budget": {ST: 70_000_000}}]})
    assert returned["state"] == "returned" and returned["requested_adjustments"][0]["budget"][ST] == 70_000_000
    twice = dof.post(f"/plans/{YEAR}/approval", {"approved_on": "2023-11-26"})
    assert twice.status_code == 409 and twice.json()["current_state"] == "returned"

    redrafted = [*LINES[:2], {**LINES[2], "budget": {ST: 70_000_000}}]
    dost.command(f"/plans/{YEAR}/draft", {"drafted_on": "2023-11-28", "lines": redrafted})
    dost.command(f"/plans/{YEAR}/submission", {"submitted_on": "2023-11-29"})
    approved = dof.command(f"/plans/{YEAR}/approval", {"approved_on": "2023-12-10", "adjustments": [
        {"line": "outreach", "budget": {ST: 80_000_000}}]})
    assert approved["state"] == "approved"
    approved_at = utc_now()  # after the approval was recorded, before the revision
    assert approved["totals"] == {"estimated": {ST: 230_000_000, OTHER: 10_000_000},
                                  "approved": {ST: 210_000_000, OTHER: 10_000_000}}
    revised = dost.command(f"/plans/{YEAR}/revisions", {
        "revised_on": "2024-03-01", "reason": "Nhu cầu mã số mã vạch tăng",
        "changes": [{**LINES[1], "quantity": 8}]})
    assert revised["state"] == "approved" and revised["revisions"][0]["needs_appraisal"] is False
    assert revised["version"] == 7
    history = dost.get(f"/plans/{YEAR}/history").json()
    assert [item["event_type"] for item in history] == [
        "AnnualPlanDrafted", "AnnualPlanSubmitted", "AnnualPlanReturned", "AnnualPlanDrafted",
        "AnnualPlanSubmitted", "AnnualPlanApproved", "AnnualPlanRevised"]

    # What was done in 2024: one barcode case approved and partly disbursed, one outreach activity, one class.
    enterprise = register_enterprise(district_code="867", name="Công ty TNHH Mã vạch Sa Đéc")
    wait_until(lambda: dost.knows(enterprise["id"]), 30, "support knows the enterprise")
    case = dost.command("/cases", {"enterprise_id": enterprise["id"], "support_type": "barcode",
                                   "need": "Đăng ký mã số mã vạch GS1", "requested_amount": 15_000_000,
                                   "proposed_on": "2024-03-15"}, 201)
    dost.command(f"/cases/{case['id']}/approval", {"budget": {ST: 12_000_000, OTHER: 3_000_000},
                                                   "approved_on": "2024-04-01"})
    dof.command(f"/cases/{case['id']}/disbursements", {"amount": 5_000_000, "source": ST,
                                                       "disbursed_on": "2024-05-01"})
    api("training", "DOST").command("/outreach", {"kind": "tv_programme", "title": "Chuyên mục NSCL tháng 6",
                                                  "held_on": "2024-06-01", "reach": 5000}, 201)
    known_to_training(stack, tokens, enterprise)
    held_class(stack, tokens, enterprise, "2024-07-01")

    wait_caught_up(stack, tokens)
    answer, rows, funds = plan_view(stack, tokens)
    assert answer["plan"] == {"state": "approved", "state_label": "Đã thẩm định, phê duyệt", "version": 7}
    assert {key: (rows[key]["planned"], rows[key]["estimated"], rows[key]["approved"])
            for key in ("outreach", "support.barcode", "training")} == {
        "outreach": (12, 100_000_000, 80_000_000), "support.barcode": (8, 70_000_000, 70_000_000),
        "training": (3, 70_000_000, 70_000_000)}
    assert rows["outreach"]["done"] == done("outreach") + 1
    assert rows["training"]["done"] == done("training") + 1
    assert rows["support.barcode"]["done"] == done("support.barcode") + 1
    assert rows["support.barcode"]["committed"] == done("support.barcode", "committed") + 15_000_000
    assert rows["support.barcode"]["disbursed"] == done("support.barcode", "disbursed") + 5_000_000
    state_budget = next(source for source in funds if source.startswith("Ngân sách"))
    assert (funds[state_budget]["estimated"], funds[state_budget]["approved"]) == (230_000_000, 210_000_000)
    assert funds[state_budget]["committed"] == funds_before[state_budget]["committed"] + 12_000_000
    assert funds[state_budget]["disbursed"] == funds_before[state_budget]["disbursed"] + 5_000_000

    denied = api("reporting", "DARD", "viewer").get("/views/DOST/plan", year=YEAR)
    assert denied.status_code == 403

    # As of the moment after the approval: the plan before its revision, and nothing of 2024 done yet.
    answer, rows_then, _ = plan_view(stack, tokens, as_of=approved_at)
    assert answer["plan"]["version"] == 6 and answer["as_of"] == approved_at
    assert rows_then["support.barcode"]["planned"] == 5 and rows_then["outreach"]["done"] == done("outreach")

    # The same figures as a file, with the plan's state written in.
    exported = requests.get(f"{stack.url('reporting')}/api/v1/exports/views/DOST/plan.xlsx",
                            params={"year": YEAR}, headers=tokens("DOF", "viewer"), timeout=30)
    assert exported.status_code == 200, exported.text
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    cells = [[cell for cell in row if cell is not None] for sheet in book for row in sheet.iter_rows(values_only=True)]
    assert ["Trạng thái kế hoạch", "Đã thẩm định, phê duyệt"] in cells
    barcode = next(row for row in cells if "Mã số mã vạch" in row)
    at = barcode.index("Mã số mã vạch")
    assert barcode[at + 1:at + 3] == [8, rows["support.barcode"]["done"]]  # planned (revised), done

    # A case cancelled after its approval is no longer done nor committed; what was disbursed stays disbursed.
    dost.command(f"/cases/{case['id']}/cancellation", {"reason": "Doanh nghiệp rút hồ sơ",
                                                       "cancelled_on": "2024-06-15"})
    wait_caught_up(stack, tokens)
    _, after, _ = plan_view(stack, tokens)
    assert after["support.barcode"]["done"] == rows["support.barcode"]["done"] - 1
    assert after["support.barcode"]["committed"] == rows["support.barcode"]["committed"] - 15_000_000
    assert after["support.barcode"]["disbursed"] == rows["support.barcode"]["disbursed"]
