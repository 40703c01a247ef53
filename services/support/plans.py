"""The annual plan and budget estimate (seed 2.5.1, 2.4): one stream per year, ``plan-<year>``, 2021–2030. Pure.

Why in support: the plan's money is the money support already holds. Its lines are priced by the same funding
sources (seed 2.4) that support cases are approved and disbursed from, its largest task group is support by
support type (seed 2.3.3), and DOST drafts it while DOF appraises it, as for the funding of cases. Keeping it
here means one service owns the programme's budget, estimated to disbursed, without a second copy of the codes.

Lifecycle: draft → submitted (DOST sends it to DOF, 2.5.1) → approved (DOF, optionally adjusting a line's
approved budget) | returned (DOF, a reason and requested adjustments) → redrafted → submitted again.
An approved plan is revised during its year (``AnnualPlanRevised``, DOST, with a reason). The rule for
re-approval, from seed 2.5.1 ("Xây dựng Kế hoạch hàng năm và dự trù kinh phí gửi Sở Tài chính thẩm định") and
2.5.5 (DOF arranges the funds every year): **DOF appraises the budget estimate, DOST steers the activities.**
A revision that changes any line's money (a budget by source that differs from the approved one, up or down,
or a new line with a budget) goes back to DOF: the plan is ``submitted`` again and its approved figures stay in
force until DOF approves or returns it. A revision of planned quantities only takes effect at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from services.support.domain import Acting, NotPermitted
from shared.contracts import support as contract
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, IllegalTransition, NotFound
from shared.eventstore import NewEvent

YEARS = range(2021, 2031)  # the 2021–2025 plan and the 2026–2030 phase
STREAM_PREFIX = contract.PLAN_STREAM_PREFIX
TASK_GROUPS = contract.TASK_GROUPS
SUPPORT_TYPES = contract.SUPPORT_TYPES
FUNDING_SOURCES = contract.FUNDING_SOURCES
STATES = contract.PLAN_STATES
QUANTITY_UNITS = {  # what a line's planned quantity counts
    "policy": "văn bản", "outreach": "hoạt động", "honours": "lượt khen thưởng", "support": "hồ sơ",
    "training": "khoá đào tạo", "expert_training": "chuyên gia", "standardisation": "tiêu chuẩn, quy chuẩn",
    "testing_capacity": "lĩnh vực thử nghiệm",
}

PLAN_DRAFTED = contract.PLAN_DRAFTED
PLAN_SUBMITTED = contract.PLAN_SUBMITTED
PLAN_APPROVED = contract.PLAN_APPROVED
PLAN_RETURNED = contract.PLAN_RETURNED
PLAN_REVISED = contract.PLAN_REVISED
EVENT_LABELS = {event_type: contract.CONTRACT.labels[event_type] for event_type in contract.PLAN_EVENTS}

# ---- who may do what (seed 2.5.1: DOST builds the plan and estimate; 2.5.5: DOF appraises and funds it) ----
ACTORS: dict[str, frozenset[str]] = {
    "draft": frozenset({"DOST"}), "submit": frozenset({"DOST"}), "revise": frozenset({"DOST"}),
    "approve": frozenset({"DOF"}), "return": frozenset({"DOF"}),
}
ACTION_LABELS = {
    "draft": "dự thảo kế hoạch năm", "submit": "gửi kế hoạch cho Sở Tài chính thẩm định",
    "approve": "phê duyệt kế hoạch", "return": "trả lại kế hoạch", "revise": "điều chỉnh kế hoạch",
}
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "draft": frozenset({"draft", "returned"}), "submit": frozenset({"draft", "returned"}),
    "approve": frozenset({"submitted"}), "return": frozenset({"submitted"}), "revise": frozenset({"approved"}),
}


class PlanExists(DomainError):
    slug = "plan-exists"
    title = "Kế hoạch năm đã tồn tại"


class InvalidPlan(DomainError):
    status = 422
    slug = "invalid-plan"
    title = "Thông tin kế hoạch năm không hợp lệ"


# ---- state --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    key: str
    task_group: str
    quantity: int
    budget: dict[str, int]
    support_type: str | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.key, "task_group": self.task_group, "quantity": self.quantity,
                                "budget": dict(self.budget)}
        if self.support_type:
            data["support_type"] = self.support_type
        return data


@dataclass(frozen=True)
class Plan:
    year: int
    version: int
    state: str
    lines: tuple[Line, ...]
    drafted_on: str
    last_on: str  # the latest business date in the plan's history: a later step may not come before it
    approved: dict[str, dict[str, int]] = field(default_factory=dict)  # line → budget DOF approved
    submitted_on: str | None = None
    approved_on: str | None = None
    returned_on: str | None = None
    return_reason: str | None = None
    requested_adjustments: tuple[dict[str, Any], ...] = ()
    revisions: tuple[dict[str, Any], ...] = ()

    @property
    def estimated(self) -> dict[str, int]:
        return _sum(line.budget for line in self.lines)

    @property
    def approved_total(self) -> dict[str, int]:
        return _sum(self.approved.values())

    def line(self, key: str) -> Line | None:
        return next((line for line in self.lines if line.key == key), None)


def _sum(budgets: Any) -> dict[str, int]:
    totals = dict.fromkeys(FUNDING_SOURCES, 0)
    for budget in budgets:
        for source, amount in budget.items():
            totals[source] = totals.get(source, 0) + amount
    return totals


def stream_id(year: int) -> str:
    return f"{STREAM_PREFIX}{year}"


def line_key(task_group: str, support_type: str | None = None) -> str:
    return f"{task_group}.{support_type}" if task_group == "support" else task_group


def current_state(history: list[Envelope]) -> Plan | None:
    plan = None
    for event in history:
        plan = evolve(plan, event)
    return plan


def _lines(data: list[dict[str, Any]]) -> tuple[Line, ...]:
    return tuple(Line(item["line"], item["task_group"], item["quantity"], dict(item["budget"]),
                      item.get("support_type")) for item in data)


def evolve(plan: Plan | None, event: Envelope) -> Plan | None:
    data, kind = event.data, event.event_type
    if kind == PLAN_DRAFTED:
        lines = _lines(data["lines"])
        if plan is None:
            return Plan(year=data["year"], version=event.version, state="draft", lines=lines,
                        drafted_on=data["drafted_on"], last_on=data["drafted_on"])
        return replace(plan, version=event.version, state="draft", lines=lines, drafted_on=data["drafted_on"],
                       last_on=data["drafted_on"])
    if plan is None:
        return None
    plan = replace(plan, version=event.version)
    if kind == PLAN_SUBMITTED:
        return replace(plan, state="submitted", submitted_on=data["submitted_on"], last_on=data["submitted_on"])
    if kind == PLAN_APPROVED:
        approved = {item["line"]: dict(item["budget"]) for item in data["approved"]}
        return replace(plan, state="approved", approved=approved, approved_on=data["approved_on"],
                       last_on=data["approved_on"], return_reason=None, requested_adjustments=())
    if kind == PLAN_RETURNED:
        return replace(plan, state="returned", returned_on=data["returned_on"], last_on=data["returned_on"],
                       return_reason=data["reason"], requested_adjustments=tuple(data["requested_adjustments"]))
    if kind == PLAN_REVISED:
        changed = {line.key: line for line in _lines(data["changes"])}
        kept = tuple(changed.pop(line.key, line) for line in plan.lines)
        revision = {"revised_on": data["revised_on"], "reason": data["reason"], "lines": sorted(
            item["line"] for item in data["changes"]), "needs_appraisal": data["needs_appraisal"]}
        return replace(plan, state="submitted" if data["needs_appraisal"] else "approved",
                       lines=kept + tuple(changed.values()), last_on=data["revised_on"],
                       submitted_on=data["revised_on"] if data["needs_appraisal"] else plan.submitted_on,
                       revisions=plan.revisions + (revision,))
    return plan


# ---- permission ---------------------------------------------------------------------------------------------
def may(acting: Acting, action: str) -> bool:
    """Admins may do everything; clerks what their department may; viewers and auditors only read."""
    return acting.role == "admin" or (acting.role == "clerk" and acting.department in ACTORS[action])


def _require(acting: Acting, action: str) -> None:
    if not may(acting, action):
        allowed = ", ".join(sorted(ACTORS[action]))
        raise NotPermitted(f"Đơn vị '{acting.department}' (vai trò '{acting.role}') không được "
                           f"{ACTION_LABELS[action]}; chỉ {allowed} (hoặc quản trị).", action=action)


# ---- decisions ----------------------------------------------------------------------------------------------
def draft(history: list[Envelope], acting: Acting, *, year: int, lines: list[dict[str, Any]], drafted_on: date,
          today: date, redraft: bool = False) -> list[NewEvent]:
    """The first draft of a year's plan (``history`` empty), or with ``redraft`` a new draft of one in draft or
    returned."""
    _require(acting, "draft")
    if year not in YEARS:
        raise InvalidPlan(f"Năm kế hoạch phải từ {YEARS.start} đến {YEARS.stop - 1}.",
                          errors={"year": [f"từ {YEARS.start} đến {YEARS.stop - 1}"]})
    found = current_state(history)
    if found is not None and not redraft:
        raise PlanExists(f"Kế hoạch năm {year} đã có (trạng thái '{found.state}', {STATES[found.state]}); "
                         "dự thảo lại khi còn là dự thảo hoặc bị trả lại, điều chỉnh khi đã phê duyệt.",
                         current_state=found.state, year=year)
    if redraft:
        plan = _plan_for(history, acting, "draft")
        _on_or_after("drafted_on", drafted_on, plan.last_on, today)
    else:
        _on_or_after("drafted_on", drafted_on, None, today)
    if not year - 1 <= drafted_on.year <= year:
        raise InvalidPlan(f"Kế hoạch năm {year} được dự thảo trong năm {year - 1} hoặc {year}.",
                          errors={"drafted_on": [f"trong năm {year - 1} hoặc {year}"]})
    checked = _checked_lines(lines, "lines")
    if not checked:
        raise InvalidPlan("Kế hoạch cần ít nhất một hoạt động.", errors={"lines": ["cần ít nhất một dòng"]})
    return [NewEvent(PLAN_DRAFTED, {"year": year, "drafted_on": drafted_on.isoformat(),
                                    "lines": [line.to_data() for line in checked]},
                     occurred_at=business_time(drafted_on))]


def submit(history: list[Envelope], acting: Acting, *, submitted_on: date, today: date) -> list[NewEvent]:
    plan = _plan_for(history, acting, "submit")
    _on_or_after("submitted_on", submitted_on, plan.last_on, today)
    return [NewEvent(PLAN_SUBMITTED, {"year": plan.year, "submitted_on": submitted_on.isoformat()},
                     occurred_at=business_time(submitted_on))]


def approve(history: list[Envelope], acting: Acting, *, approved_on: date, today: date,
            adjustments: list[dict[str, Any]] | None = None) -> list[NewEvent]:
    """DOF approves the estimate; an adjustment gives a line its own approved budget (the others: as estimated)."""
    plan = _plan_for(history, acting, "approve")
    _on_or_after("approved_on", approved_on, plan.last_on, today)
    adjusted = _amounts(plan, adjustments or [], "adjustments")
    approved = [{"line": line.key, "budget": adjusted.get(line.key, line.budget)} for line in plan.lines]
    return [NewEvent(PLAN_APPROVED, {"year": plan.year, "approved_on": approved_on.isoformat(), "approved": approved,
                                     "adjustments": [{"line": key, "budget": budget}
                                                     for key, budget in adjusted.items()]},
                     occurred_at=business_time(approved_on))]


def return_plan(history: list[Envelope], acting: Acting, *, reason: str, returned_on: date, today: date,
                requested_adjustments: list[dict[str, Any]] | None = None) -> list[NewEvent]:
    plan = _plan_for(history, acting, "return")
    if not reason.strip():
        raise InvalidPlan("Cần nêu lý do trả lại kế hoạch.", errors={"reason": ["bắt buộc"]})
    _on_or_after("returned_on", returned_on, plan.last_on, today)
    requested = _amounts(plan, requested_adjustments or [], "requested_adjustments")
    return [NewEvent(PLAN_RETURNED, {"year": plan.year, "returned_on": returned_on.isoformat(),
                                     "reason": reason.strip(),
                                     "requested_adjustments": [{"line": key, "budget": budget}
                                                               for key, budget in requested.items()]},
                     occurred_at=business_time(returned_on))]


def revise(history: list[Envelope], acting: Acting, *, changes: list[dict[str, Any]], reason: str,
           revised_on: date, today: date) -> list[NewEvent]:
    """Changes lines of an approved plan during its year; money changes go back to DOF (module docstring)."""
    plan = _plan_for(history, acting, "revise")
    if not reason.strip():
        raise InvalidPlan("Cần nêu lý do điều chỉnh kế hoạch.", errors={"reason": ["bắt buộc"]})
    _on_or_after("revised_on", revised_on, plan.last_on, today)
    if revised_on.year != plan.year:
        raise InvalidPlan(f"Kế hoạch năm {plan.year} chỉ được điều chỉnh trong năm {plan.year}.",
                          errors={"revised_on": [f"trong năm {plan.year}"]})
    checked = [line for line in _checked_lines(changes, "changes") if line != plan.line(line.key)]
    if not checked:
        raise InvalidPlan("Điều chỉnh không thay đổi dòng nào của kế hoạch.", errors={"changes": ["không có thay đổi"]})
    needs_appraisal = any(line.budget != plan.approved.get(line.key, dict.fromkeys(FUNDING_SOURCES, 0))
                          for line in checked)
    return [NewEvent(PLAN_REVISED, {"year": plan.year, "revised_on": revised_on.isoformat(), "reason": reason.strip(),
                                    "changes": [line.to_data() for line in checked],
                                    "needs_appraisal": needs_appraisal},
                     occurred_at=business_time(revised_on))]


# ---- checks -------------------------------------------------------------------------------------------------
def _plan_for(history: list[Envelope], acting: Acting, action: str) -> Plan:
    """The plan, if it exists (404), the acting may act (403) and its state allows the action (409)."""
    plan = current_state(history)
    if plan is None:
        raise NotFound("Chưa có kế hoạch của năm này.")
    _require(acting, action)
    if plan.state not in ALLOWED_FROM[action]:
        allowed = ", ".join(f"'{state}' ({STATES[state]})" for state in sorted(ALLOWED_FROM[action]))
        raise IllegalTransition(f"Không thể {ACTION_LABELS[action]} khi kế hoạch năm {plan.year} đang ở trạng thái "
                                f"'{plan.state}' ({STATES[plan.state]}); chỉ được khi: {allowed}.",
                                current_state=plan.state, action=action)
    return plan


def _on_or_after(name: str, value: date, earliest: str | None, today: date) -> None:
    """A business date is not in the future, nor before the plan's previous step."""
    if value > today:
        raise InvalidPlan(f"Ngày '{name}' ({value.isoformat()}) ở tương lai (hôm nay là {today.isoformat()}).",
                          errors={name: [f"không được sau ngày hôm nay {today.isoformat()}"]})
    if earliest is not None and value.isoformat() < earliest:
        raise InvalidPlan(f"Ngày '{name}' ({value.isoformat()}) không được trước bước trước của kế hoạch "
                          f"({earliest}).", errors={name: [f"không được trước {earliest}"]})


def _budget(value: Any, name: str, errors: dict[str, list[str]]) -> dict[str, int]:
    budget = value if isinstance(value, dict) else {}
    for source in sorted(set(budget) - set(FUNDING_SOURCES)):
        errors[f"{name}.{source}"] = ["không có trong danh mục nguồn kinh phí"]
    for source, amount in budget.items():
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            errors[f"{name}.{source}"] = ["phải là số nguyên đồng ≥ 0"]
    return {source: budget.get(source, 0) for source in FUNDING_SOURCES}


def _checked_lines(items: list[dict[str, Any]], name: str) -> list[Line]:
    errors: dict[str, list[str]] = {}
    lines: dict[str, Line] = {}
    for index, item in enumerate(items):
        where = f"{name}.{index}"
        group, kind = item.get("task_group"), item.get("support_type")
        if group not in TASK_GROUPS:
            errors[f"{where}.task_group"] = ["không có trong danh mục nhóm nhiệm vụ"]
            continue
        if group == "support" and kind not in SUPPORT_TYPES:
            errors[f"{where}.support_type"] = ["bắt buộc với nhóm 'support', theo danh mục loại hỗ trợ"]
            continue
        if group != "support" and kind:
            errors[f"{where}.support_type"] = ["chỉ dùng cho nhóm 'support'"]
            continue
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            errors[f"{where}.quantity"] = ["phải là số nguyên ≥ 0"]
        key = line_key(group, kind)
        if key in lines:
            errors[f"{where}.task_group"] = [f"dòng '{key}' đã có trong kế hoạch"]
        lines[key] = Line(key, group, quantity if isinstance(quantity, int) else 0,
                          _budget(item.get("budget"), f"{where}.budget", errors), kind if group == "support" else None)
    if errors:
        raise InvalidPlan("Các dòng kế hoạch không hợp lệ: " + ", ".join(sorted(errors)) + ".", errors=errors)
    return list(lines.values())


def _amounts(plan: Plan, items: list[dict[str, Any]], name: str) -> dict[str, dict[str, int]]:
    """Budgets per existing line (an approval's adjustments, a return's requested adjustments)."""
    errors: dict[str, list[str]] = {}
    found: dict[str, dict[str, int]] = {}
    for index, item in enumerate(items):
        key = item.get("line")
        if plan.line(str(key)) is None:
            errors[f"{name}.{index}.line"] = [f"kế hoạch năm {plan.year} không có dòng '{key}'"]
            continue
        found[str(key)] = _budget(item.get("budget"), f"{name}.{index}.budget", errors)
    if errors:
        raise InvalidPlan("Điều chỉnh kinh phí không hợp lệ: " + ", ".join(sorted(errors)) + ".", errors=errors)
    return found
