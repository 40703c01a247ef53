"""Plan versus actual (seed 2.5.1: DOST reports on the plan it built; 2.5.5: DOF funds it), per year and task group.

The plan is folded from the ``AnnualPlan*`` facts of ``plan-<year>``; what was done comes from reporting's own
facts of the same year (business dates), never from another service's database:
- support by type: cases approved in the year (done) and completed in the year, the budget approved for them
  (committed) and disbursed in the year, by source; a case cancelled (as far as the cut knows) is neither done
  nor committed, while what was disbursed for it before stays disbursed;
- outreach: activities held; honours: honours decided; training: courses held (not cancelled) except the expert
  training courses; expert training: experts who finished their training; testing capacity: testing,
  calibration and inspection fields added to conformity bodies; standardisation: base standards and local
  technical regulations issued (registry's local standards);
- policy: nothing the services record counts it (shown as not measured, ``None``).
Pure (``plan_versus_actual``) and one query function (``plan_view``) beside the department views; as of a moment,
it counts only the facts reporting had recorded by then, as the other views do.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from services.reporting import corrections
from services.reporting.queries import Reporting, cut_at
from services.reporting.views import DEPARTMENTS, DISBURSED_SIGN, Fact, column, table
from shared.auth import Forbidden
from shared.contracts import registry as reg
from shared.contracts import support as sup
from shared.contracts import training as trn
from shared.envelope import format_instant

EXPERT_TOPIC = "expert_training"
NEEDS = (*sup.PLAN_EVENTS, sup.CASE_PROPOSED, sup.CASE_APPROVED, sup.CASE_COMPLETED, sup.CASE_CANCELLED,
         sup.DISBURSEMENT_RECORDED, sup.DISBURSEMENT_REVERSED,
         trn.OUTREACH_RECORDED, trn.HONOUR_AWARDED, trn.COURSE_HELD, trn.COURSE_CANCELLED, trn.EXPERT_TRAINED,
         reg.CAPABILITY_FIELD_ADDED, reg.LOCAL_STANDARD_ISSUED, *corrections.EVENT_TYPES)
VIEWERS = frozenset({"DOST", "DOF"})
# What is counted as done for a task group: (event type, the date field that places it in a year).
DONE_BY = {
    "outreach": (trn.OUTREACH_RECORDED, "held_on"),
    "honours": (trn.HONOUR_AWARDED, "decision_date"),
    "expert_training": (trn.EXPERT_TRAINED, "trained_on"),
    "testing_capacity": (reg.CAPABILITY_FIELD_ADDED, "added_on"),
    "standardisation": (reg.LOCAL_STANDARD_ISSUED, "issued_on"),
}
NOT_MEASURED = frozenset({"policy"})


def authorize(department: str, role: str) -> None:
    if role not in ("admin", "auditor") and department not in VIEWERS:
        raise Forbidden(f"đơn vị '{department}' không xem được kế hoạch và thực hiện; chỉ Sở KH&CN, Sở Tài chính")


def _zero() -> dict[str, int]:
    return dict.fromkeys(sup.FUNDING_SOURCES, 0)


def _add(total: dict[str, int], budget: dict[str, int]) -> None:
    for source, amount in budget.items():
        total[source] = total.get(source, 0) + amount


def fold_plan(facts: list[Fact], year: int) -> dict[str, Any] | None:
    """The plan of ``year`` as its facts describe it: state, lines (key → line), approved budgets (key → budget)."""
    plan: dict[str, Any] | None = None
    stream = f"{sup.PLAN_STREAM_PREFIX}{year}"
    for fact in sorted((fact for fact in facts if fact["stream_id"] == stream), key=lambda fact: fact["version"]):
        kind, data = fact["event_type"], fact["data"]
        if kind == sup.PLAN_DRAFTED:
            plan = {"state": "draft", "approved": {}, **(plan or {}), "version": fact["version"],
                    "lines": {line["line"]: line for line in data["lines"]}}
            plan["state"] = "draft"
        elif plan is None:
            continue
        elif kind == sup.PLAN_SUBMITTED:
            plan["state"] = "submitted"
        elif kind == sup.PLAN_APPROVED:
            plan["state"], plan["approved"] = "approved", {item["line"]: item["budget"] for item in data["approved"]}
        elif kind == sup.PLAN_RETURNED:
            plan["state"] = "returned"
        elif kind == sup.PLAN_REVISED:
            plan["lines"] = {**plan["lines"], **{line["line"]: line for line in data["changes"]}}
            plan["state"] = "submitted" if data["needs_appraisal"] else "approved"
        plan["version"] = fact["version"]
    return plan


def done(facts: list[Fact], year: int) -> dict[str, Any]:
    """What was done in ``year``: counts per task group (support: per line ``support.<type>``) and money."""
    prefix, facts = str(year), corrections.as_corrected(facts)
    counts: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    committed: dict[str, dict[str, int]] = {}
    disbursed: dict[str, dict[str, int]] = {}
    types = {fact["stream_id"]: fact["data"]["support_type"] for fact in facts
             if fact["event_type"] == sup.CASE_PROPOSED}
    cancelled = {fact["stream_id"] for fact in facts if fact["event_type"] in (trn.COURSE_CANCELLED,
                                                                                sup.CASE_CANCELLED)}
    for fact in facts:
        kind, data = fact["event_type"], fact["data"]
        line = f"support.{types.get(fact['stream_id'])}"
        if (kind == sup.CASE_APPROVED and data["approved_on"].startswith(prefix)
                and fact["stream_id"] not in cancelled):
            counts[line] += 1
            _add(committed.setdefault(line, _zero()), data["budget"])
        elif kind == sup.CASE_COMPLETED and data["completed_on"].startswith(prefix):
            completed[line] += 1
        elif kind in DISBURSED_SIGN and data["disbursed_on"].startswith(prefix):
            _add(disbursed.setdefault(line, _zero()), {data["source"]: DISBURSED_SIGN[kind] * data["amount"]})
        elif (kind == trn.COURSE_HELD and data["start_date"].startswith(prefix) and data["topic"] != EXPERT_TOPIC
              and fact["stream_id"] not in cancelled):
            counts["training"] += 1
        for group, (event_type, day) in DONE_BY.items():
            if kind == event_type and data[day].startswith(prefix):
                counts[group] += 1
    return {"counts": counts, "completed": completed, "committed": committed, "disbursed": disbursed}


def _label(key: str) -> tuple[str, str | None]:
    group, _, support_type = key.partition(".")
    return sup.TASK_GROUPS.get(group, group), sup.SUPPORT_TYPES.get(support_type) if support_type else None


def _order(key: str) -> tuple[int, str]:
    group = key.partition(".")[0]
    return list(sup.TASK_GROUPS).index(group) if group in sup.TASK_GROUPS else len(sup.TASK_GROUPS), key


def plan_versus_actual(facts: list[Fact], year: int) -> dict[str, Any]:
    """The plan of ``year`` (None when there is none) and two tables: per line, and funds per source."""
    plan = fold_plan(facts, year)
    actual = done(facts, year)
    lines: dict[str, Any] = (plan or {}).get("lines", {})
    approved: dict[str, dict[str, int]] = (plan or {}).get("approved", {})
    keys = set(lines) | {key for key in actual["counts"] if key in sup.TASK_GROUPS or key.startswith("support.")}
    keys |= set(actual["committed"]) | set(actual["disbursed"])
    keys.discard("support.None")
    rows = []
    totals = {name: _zero() for name in ("estimated", "approved", "committed", "disbursed")}
    for key in sorted(keys, key=_order):
        group_label, type_label = _label(key)
        money = {"estimated": lines.get(key, {}).get("budget", {}), "approved": approved.get(key, {}),
                 "committed": actual["committed"].get(key, {}), "disbursed": actual["disbursed"].get(key, {})}
        for name, budget in money.items():
            _add(totals[name], budget)
        is_support = key.startswith("support.")
        rows.append({
            "line": key, "task_group": group_label, "support_type": type_label,
            "planned": lines.get(key, {}).get("quantity", 0),
            "done": None if key in NOT_MEASURED else actual["counts"][key],
            "completed": actual["completed"][key] if is_support else None,
            **{name: sum(budget.values()) for name, budget in money.items()},
        })
    by_source = [{"source": label, **{name: totals[name].get(source, 0) for name in totals}}
                 for source, label in sup.FUNDING_SOURCES.items()]
    money_columns = [column("estimated", "Dự trù (đồng)", "Estimated (VND)", "money"),
                     column("approved", "Được duyệt trong kế hoạch (đồng)", "Approved in the plan (VND)", "money"),
                     column("committed", "Đã duyệt cho hồ sơ (đồng)", "Committed to cases (VND)", "money"),
                     column("disbursed", "Đã giải ngân (đồng)", "Disbursed (VND)", "money")]
    return {
        "year": year,
        "plan": None if plan is None else {"state": plan["state"], "state_label": sup.PLAN_STATES[plan["state"]],
                                           "version": plan["version"]},
        "tables": [
            table("plan_vs_actual", f"Kế hoạch và thực hiện năm {year} theo nhóm nhiệm vụ",
                  f"Plan versus actual {year} by task group",
                  [column("task_group", "Nhóm nhiệm vụ", "Task group"),
                   column("support_type", "Loại hỗ trợ", "Support type"),
                   column("planned", "Số lượng kế hoạch", "Planned", "int"),
                   column("done", "Đã thực hiện", "Done", "int"),
                   column("completed", "Đã hoàn thành (hồ sơ)", "Completed (cases)", "int"), *money_columns],
                  rows),
            table("plan_funds", f"Kinh phí năm {year} theo nguồn: dự trù, được duyệt, đã duyệt cho hồ sơ, đã giải ngân",
                  f"Funds {year} by source: estimated, approved, committed, disbursed",
                  [column("source", "Nguồn kinh phí", "Source"), *money_columns], by_source),
        ],
    }


def plan_view(deps: Reporting, year: int, as_of: datetime | None = None) -> dict[str, Any]:
    """The answer of ``GET /api/v1/views/DOST/plan?year=&as_of=``: from the facts reporting had recorded by then."""
    cut = cut_at(deps, as_of)
    facts = [fact for fact in deps.facts.of_types(NEEDS)
             if cut.knows({"position": fact["position"], "recorded_at": fact["recorded_at"]}, fact["service"])]
    return {"department": "DOST", "name": DEPARTMENTS["DOST"], "period": str(year),
            "as_of": cut.as_of or format_instant(deps.clock()), **plan_versus_actual(facts, year)}
