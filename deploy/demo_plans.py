"""Demo data for the annual plans: a plan and budget estimate for each year 2021–2026, through the API.

Each plan is drafted by DOST in November of the year before, submitted and approved by DOF in December. The
2023 plan is returned once (training over budget), redrafted and approved with an adjustment of the outreach line;
the 2025 plan is revised in June: more barcode support (quantities only, in force at once) and, in September, a
larger budget for traceability (back to DOF, approved again). Quantities grow by year, every body is fixed and
every request carries a fixed Idempotency-Key, so a load run again adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploy.demo import DemoClient, progress

YEARS = range(2021, 2027)
RETURNED_YEAR, REVISED_YEAR = 2023, 2025
MILLION = 1_000_000
# line → (quantity in 2021, growth per year, state budget in millions per unit, other lawful sources per unit)
BASE = {
    ("policy", None): (1, 0, 30, 0),
    ("outreach", None): (10, 2, 8, 0),
    ("honours", None): (3, 0, 10, 0),
    ("support", "management_system"): (6, 1, 60, 20),
    ("support", "improvement_tool"): (5, 1, 40, 10),
    ("support", "traceability"): (3, 1, 30, 10),
    ("support", "gap_organic"): (3, 1, 50, 20),
    ("support", "certification"): (4, 1, 20, 5),
    ("support", "barcode"): (8, 2, 5, 0),
    ("support", "quality_award"): (2, 0, 20, 0),
    ("support", "st_task"): (1, 0, 600, 200),
    ("training", None): (4, 1, 40, 0),
    ("expert_training", None): (5, 1, 15, 0),
    ("standardisation", None): (2, 0, 25, 0),
    ("testing_capacity", None): (1, 0, 300, 100),
}


@dataclass(frozen=True)
class Step:
    path: str  # after /plans/<year>/, or "" for the first draft
    body: dict[str, Any]
    department: str = "DOST"


def lines(year: int, state_millions: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """The year's lines; ``state_millions`` gives some lines (by key) another state budget in millions."""
    found = []
    for (group, kind), (quantity, growth, state, other) in BASE.items():
        count = quantity + growth * (year - YEARS.start)
        key = f"{group}.{kind}" if kind else group
        line: dict[str, Any] = {"task_group": group, "quantity": count, "budget": {
            "state_st_budget": (state_millions or {}).get(key, state * count) * MILLION,
            "other_lawful": other * count * MILLION}}
        if kind:
            line["support_type"] = kind
        found.append(line)
    return found


def line_of(year: int, group: str, kind: str | None = None) -> dict[str, Any]:
    return next(line for line in lines(year) if line["task_group"] == group and line.get("support_type") == kind)


def _returned_once(year: int, draft: Step, submit: Step) -> list[Step]:
    """DOF returns the plan: training at 30 million a course; DOST redrafts; DOF approves, cutting outreach."""
    before, courses = year - 1, line_of(year, "training")["quantity"]
    outreach = line_of(year, "outreach")["budget"]["state_st_budget"]
    return [draft, submit,
            Step("return", {"returned_on": f"{before}-11-30", "reason": "Dự trù kinh phí đào tạo cao hơn định mức; "
                            "đề nghị giảm còn 30 triệu đồng mỗi khoá.", "requested_adjustments": [
                                {"line": "training", "budget": {"state_st_budget": courses * 30 * MILLION}}]}, "DOF"),
            Step("draft", {"drafted_on": f"{before}-12-05", "lines": lines(year, {"training": courses * 30})}),
            Step("submission", {"submitted_on": f"{before}-12-06"}),
            Step("approval", {"approved_on": f"{before}-12-20", "adjustments": [
                {"line": "outreach", "budget": {"state_st_budget": outreach - 16 * MILLION}}]}, "DOF")]


def _revised(year: int) -> list[Step]:
    """More barcode support (quantities: in force at once); more traceability money (approved again by DOF)."""
    barcode, traceability = line_of(year, "support", "barcode"), line_of(year, "support", "traceability")
    more_money = {**traceability["budget"], "state_st_budget": traceability["budget"]["state_st_budget"] + 60 * MILLION}
    return [Step("revisions", {"revised_on": f"{year}-06-02", "reason": "Nhu cầu đăng ký mã số mã vạch tăng",
                               "changes": [{**barcode, "quantity": barcode["quantity"] + 6}]}),
            Step("revisions", {"revised_on": f"{year}-09-01", "reason": "Bổ sung vùng nguyên liệu truy xuất nguồn gốc",
                               "changes": [{**traceability, "quantity": traceability["quantity"] + 2,
                                            "budget": more_money}]}),
            Step("approval", {"approved_on": f"{year}-09-15"}, "DOF")]


def steps(year: int) -> list[Step]:
    before = year - 1
    draft = Step("", {"year": year, "drafted_on": f"{before}-11-10", "lines": lines(year)})
    submit = Step("submission", {"submitted_on": f"{before}-11-20"})
    if year == RETURNED_YEAR:
        return _returned_once(year, draft, submit)
    approved = [draft, submit, Step("approval", {"approved_on": f"{before}-12-15"}, "DOF")]
    return approved + (_revised(year) if year == REVISED_YEAR else [])


def load(demo: DemoClient) -> dict[str, int]:
    """Records the plans; returns how many plans and steps were new (0 when an earlier run recorded them)."""
    new_before, plans = demo.created["support"], 0
    with progress("Hỗ trợ: kế hoạch năm", len(YEARS), "năm") as bar:
        for year in YEARS:
            for index, step in enumerate(steps(year)):
                path = f"/plans/{year}/{step.path}" if step.path else "/plans"
                demo.post("support", path, step.body, f"plan-{year}-{index}-{step.path or 'draft'}", step.department)
            plans += 1
            bar.update()
    return {"plans": plans, "new_steps": demo.created["support"] - new_before}
