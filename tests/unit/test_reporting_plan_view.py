"""Plan versus actual, pure: the plan folded from its facts and what was done in its year, by hand."""
from __future__ import annotations

import pytest

from services.reporting import plans_view
from shared.auth import Forbidden
from shared.contracts import registry as reg
from shared.contracts import support as sup
from shared.contracts import training as trn

ST, OTHER = "state_st_budget", "other_lawful"


def fact(stream: str, version: int, event_type: str, **data) -> dict:
    return {"stream_id": stream, "version": version, "event_type": event_type, "data": data}


def line(key: str, quantity: int, st: int, other: int = 0) -> dict:
    group, _, kind = key.partition(".")
    return {"line": key, "task_group": group, **({"support_type": kind} if kind else {}), "quantity": quantity,
            "budget": {ST: st, OTHER: other}}


PLAN = [
    fact("plan-2025", 1, sup.PLAN_DRAFTED, year=2025, drafted_on="2024-11-01",
         lines=[line("outreach", 10, 50), line("support.barcode", 4, 40, 8), line("training", 2, 30),
                line("policy", 1, 5)]),
    fact("plan-2025", 2, sup.PLAN_SUBMITTED, year=2025, submitted_on="2024-11-02"),
    fact("plan-2025", 3, sup.PLAN_APPROVED, year=2025, approved_on="2024-12-01",
         approved=[{"line": "outreach", "budget": {ST: 40, OTHER: 0}}, {"line": "support.barcode",
                                                                        "budget": {ST: 40, OTHER: 8}},
                   {"line": "training", "budget": {ST: 30, OTHER: 0}}, {"line": "policy", "budget": {ST: 5, OTHER: 0}}],
         adjustments=[{"line": "outreach", "budget": {ST: 40, OTHER: 0}}]),
    fact("plan-2025", 4, sup.PLAN_REVISED, year=2025, revised_on="2025-05-01", reason="x", needs_appraisal=False,
         changes=[line("training", 3, 30)]),
]
DONE = [
    fact("case-1", 1, sup.CASE_PROPOSED, support_type="barcode"),
    fact("case-1", 2, sup.CASE_APPROVED, approved_on="2025-02-01", budget={ST: 10, OTHER: 2}),
    fact("case-1", 3, sup.DISBURSEMENT_RECORDED, disbursed_on="2025-03-01", source=ST, amount=7),
    fact("case-1", 4, sup.CASE_COMPLETED, completed_on="2025-06-01", outcome={}),
    fact("case-2", 1, sup.CASE_PROPOSED, support_type="label"),
    fact("case-2", 2, sup.CASE_APPROVED, approved_on="2025-02-01", budget={ST: 3, OTHER: 0}),
    fact("case-3", 1, sup.CASE_PROPOSED, support_type="barcode"),
    fact("case-3", 2, sup.CASE_APPROVED, approved_on="2024-12-30", budget={ST: 100, OTHER: 0}),  # the year before
    fact("case-3", 3, sup.DISBURSEMENT_RECORDED, disbursed_on="2025-01-10", source=OTHER, amount=1),
    fact("out-1", 1, trn.OUTREACH_RECORDED, held_on="2025-04-04"),
    fact("out-2", 1, trn.OUTREACH_RECORDED, held_on="2026-01-04"),
    fact("course-1", 2, trn.COURSE_HELD, start_date="2025-03-03", topic="nscl_awareness"),
    fact("course-2", 2, trn.COURSE_HELD, start_date="2025-03-03", topic="expert_training"),
    fact("course-3", 2, trn.COURSE_HELD, start_date="2025-03-03", topic="improvement_tool"),
    fact("course-3", 3, trn.COURSE_CANCELLED, reason="x"),
    fact("expert-1", 2, trn.EXPERT_TRAINED, trained_on="2025-09-09"),
    fact("body-1", 2, reg.CAPABILITY_FIELD_ADDED, added_on="2025-10-10"),
    fact("localstd-1", 2, reg.LOCAL_STANDARD_ISSUED, issued_on="2025-06-10", decision_number="15/QĐ"),
    fact("localstd-2", 2, reg.LOCAL_STANDARD_ISSUED, issued_on="2024-06-10", decision_number="9/QĐ"),
]


def rows(answer: dict) -> dict[str, dict]:
    return {row["line"]: row for row in answer["tables"][0]["rows"]}


def test_the_plan_lines_against_what_was_done_in_its_year():
    answer = plans_view.plan_versus_actual(PLAN + DONE, 2025)
    assert answer["plan"] == {"state": "approved", "state_label": "Đã thẩm định, phê duyệt", "version": 4}
    found = rows(answer)
    assert list(found) == ["policy", "outreach", "support.barcode", "support.label", "training", "expert_training",
                           "standardisation", "testing_capacity"]
    assert found["outreach"] == {"line": "outreach", "task_group": sup.TASK_GROUPS["outreach"], "support_type": None,
                                 "planned": 10, "done": 1, "completed": None, "estimated": 50, "approved": 40,
                                 "committed": 0, "disbursed": 0}
    assert (found["support.barcode"]["planned"], found["support.barcode"]["done"],
            found["support.barcode"]["completed"]) == (4, 1, 1)
    assert (found["support.barcode"]["committed"], found["support.barcode"]["disbursed"]) == (12, 8)
    assert found["support.label"]["planned"] == 0 and found["support.label"]["committed"] == 3
    assert found["training"]["planned"] == 3 and found["training"]["done"] == 1  # revised; expert & cancelled not
    assert found["policy"]["done"] is None and found["expert_training"]["done"] == 1
    assert found["testing_capacity"]["done"] == 1
    assert found["standardisation"]["done"] == 1  # issued in 2025; the one of 2024 is not
    funds = {row["source"]: row for row in answer["tables"][1]["rows"]}
    assert funds[sup.FUNDING_SOURCES[ST]] == {"source": sup.FUNDING_SOURCES[ST], "estimated": 125, "approved": 115,
                                              "committed": 13, "disbursed": 7}
    assert funds[sup.FUNDING_SOURCES[OTHER]]["disbursed"] == 1


def test_a_year_without_a_plan_shows_only_what_was_done_and_a_money_revision_awaits_dof():
    answer = plans_view.plan_versus_actual(DONE, 2025)
    assert answer["plan"] is None and rows(answer)["outreach"]["planned"] == 0
    pending = [*PLAN[:3], fact("plan-2025", 4, sup.PLAN_REVISED, year=2025, revised_on="2025-05-01", reason="x",
                               needs_appraisal=True, changes=[line("training", 3, 60)])]
    answer = plans_view.plan_versus_actual(pending, 2025)
    assert answer["plan"]["state"] == "submitted"
    assert (rows(answer)["training"]["estimated"], rows(answer)["training"]["approved"]) == (60, 30)


def test_only_dost_dof_admins_and_auditors_see_it():
    plans_view.authorize("DOF", "viewer")
    plans_view.authorize("DARD", "auditor")
    with pytest.raises(Forbidden):
        plans_view.authorize("DARD", "clerk")


def test_a_case_cancelled_after_its_approval_is_neither_done_nor_committed_but_its_disbursement_stays():
    cancelled = [*DONE, fact("case-1", 5, sup.CASE_CANCELLED, cancelled_on="2025-07-01", reason="x")]
    before = rows(plans_view.plan_versus_actual(DONE, 2025))
    after = rows(plans_view.plan_versus_actual(cancelled, 2025))
    assert (before["support.barcode"]["done"], after["support.barcode"]["done"]) == (1, 0)
    assert (before["support.barcode"]["committed"], after["support.barcode"]["committed"]) == (12, 0)
    assert after["support.barcode"]["disbursed"] == before["support.barcode"]["disbursed"] == 8
