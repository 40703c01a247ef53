"""The support demo plan: fixed, every type over 2021–2026, each request by a department that may make it."""
from __future__ import annotations

from collections import Counter

from deploy.demo_support import plan
from services.support import domain

ENTERPRISES = [{"id": f"ent-{n}", "district": {"code": code}}
               for n, code in enumerate(["866", "867", "871", "873", "876", "877"] * 5)]


def test_the_plan_is_the_same_every_time():
    first, again = plan(ENTERPRISES), plan(ENTERPRISES)
    assert [(c.department, c.proposal, [s.body for s in c.steps]) for c in first] == [
        (c.department, c.proposal, [s.body for s in c.steps]) for c in again]


def test_the_plan_covers_every_type_year_and_ending():
    cases = plan(ENTERPRISES)
    assert 150 <= len(cases) <= 250
    assert set(Counter(case.proposal["support_type"] for case in cases)) == set(domain.SUPPORT_TYPES)
    assert {case.proposal["proposed_on"][:4] for case in cases} == {str(y) for y in range(2021, 2027)}
    endings = Counter(case.steps[-1].path if case.steps else "proposed" for case in cases)
    assert endings["completion"] > len(cases) / 2 and endings["rejection"] and endings["cancellation"]
    awards = [step.body["outcome"]["award"] for case in cases for step in case.steps if step.path == "completion"
              and case.proposal["support_type"] == "quality_award"]
    assert awards.count("gold") >= 3


def test_every_request_is_made_by_a_department_allowed_to_and_dates_never_go_back():
    enterprises = {e["id"]: e["district"]["code"] for e in ENTERPRISES}
    actors = {"approval": "approve", "rejection": "reject", "milestones": "record_milestone",
              "disbursements": "record_disbursement", "completion": "complete", "cancellation": "cancel"}
    for case in plan(ENTERPRISES):
        support_type = case.proposal["support_type"]
        assert support_type in domain.PROPOSERS[case.department]
        if case.department.startswith("UBND-"):
            assert case.department == f"UBND-{enterprises[case.proposal['enterprise_id']]}"
        days = [case.proposal["proposed_on"]]
        for step in case.steps:
            assert step.department in domain.ACTORS[actors[step.path]]
            days.append(next(value for name, value in step.body.items() if name in (
                "approved_on", "rejected_on", "on", "disbursed_on", "completed_on", "cancelled_on")))
        assert days == sorted(days) and days[-1] <= "2026-10-30"
        budget = next((s.body["budget"] for s in case.steps if s.path == "approval"), {})
        paid = Counter()
        for step in case.steps:
            if step.path == "disbursements":
                paid[step.body["source"]] += step.body["amount"]
        assert all(paid[source] <= budget.get(source, 0) for source in paid)
