"""The support case aggregate: one enterprise, one kind of support (seed 2.3.3). Pure rules, no I/O.

Lifecycle: proposed → approved | rejected; approved → in_progress (first milestone or disbursement);
in_progress → completed; proposed | approved | in_progress → cancelled. National Quality Award
participation is the ``quality_award`` type (its outcome is the award result) and S&T tasks for TFP are
``st_task`` cases (the task's title is given with the proposal).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from shared.contracts import support as contract
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, IllegalTransition, NotFound
from shared.eventstore import NewEvent
from shared.reference import DISTRICT_COMMITTEES

# ---- reference tables --------------------------------------------------------------------------------
SUPPORT_TYPES = contract.SUPPORT_TYPES  # seed 2.3.3 (and 2.3.5 for base standards; 2.1.2 for the award and S&T tasks)
ALL_TYPES = frozenset(SUPPORT_TYPES)

FUNDING_SOURCES = contract.FUNDING_SOURCES  # seed 2.4

AWARDS = {"gold": "Giải Vàng", "silver": "Giải Bạc", "certificate": "Chứng nhận / bằng khen", "none": "Không đạt giải"}

STATES = contract.STATES

# ---- who may do what (seed 2.5) -----------------------------------------------------------------------
# 2.5.1: DOST is the lead agency: it proposes any kind of support and alone approves or rejects; it follows
#        the cases through (milestones, completion, cancellation).
# 2.5.3: DOIT, DARD and DOLISA select and propose their sectors' enterprises' needs (domain.md: DARD: GAP,
#        organic, traceability, OCOP; DOLISA: the workforce side of management systems and improvement tools).
# 2.5.5: DOF arranges the funds every year: it records the disbursements.
# 2.5.6: district People's Committees propose enterprises: any kind, only enterprises of their own district.
PROPOSERS: dict[str, frozenset[str]] = {
    "DOST": ALL_TYPES,
    "DOIT": frozenset({"management_system", "improvement_tool", "digital_transformation", "technology_transfer",
                       "certification", "barcode", "label", "intellectual_property", "quality_award"}),
    "DARD": frozenset({"gap_organic", "traceability", "certification", "barcode", "label", "management_system",
                       "intellectual_property"}),
    "DOLISA": frozenset({"improvement_tool", "management_system"}),
    **{committee: ALL_TYPES for committee in DISTRICT_COMMITTEES},
}
ACTORS: dict[str, frozenset[str]] = {
    "approve": frozenset({"DOST"}),
    "reject": frozenset({"DOST"}),
    "record_milestone": frozenset({"DOST"}),
    "record_disbursement": frozenset({"DOF"}),
    "reverse_disbursement": frozenset({"DOF"}),
    "complete": frozenset({"DOST"}),
    "cancel": frozenset({"DOST"}),
}
ACTING_ROLES = frozenset({"clerk", "admin"})
# Who reads a case's money (requested amount, budget, disbursements): DOST, which approves budgets (2.5.1), DOF,
# which funds them (2.5.5), the proposing department (its own case), auditors and admins. Every other reader
# sees the case without its amounts.
MONEY_READERS = frozenset({"DOST", "DOF"})
MONEY_ROLES = frozenset({"auditor", "admin"})
MONEY_FIELDS = ("requested_amount", "budget", "disbursed", "remaining", "disbursements", "amount")
ACTION_LABELS = {
    "propose": "đề xuất hồ sơ hỗ trợ", "approve": "phê duyệt hồ sơ", "reject": "từ chối hồ sơ",
    "record_milestone": "ghi nhận mốc thực hiện", "record_disbursement": "ghi nhận giải ngân",
    "reverse_disbursement": "đảo bút toán giải ngân nhầm",
    "complete": "nghiệm thu, hoàn thành hồ sơ", "cancel": "hủy hồ sơ",
}

# ---- the state machine --------------------------------------------------------------------------------
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "approve": frozenset({"proposed"}),
    "reject": frozenset({"proposed"}),
    "record_milestone": frozenset({"approved", "in_progress"}),
    "record_disbursement": frozenset({"approved", "in_progress"}),
    "reverse_disbursement": frozenset({"in_progress", "completed", "cancelled"}),
    "complete": frozenset({"in_progress"}),
    "cancel": frozenset({"proposed", "approved", "in_progress"}),
}

# ---- outcomes per type --------------------------------------------------------------------------------
OUTCOME_FIELDS = ("summary", "certificate_number", "certifying_body", "standards_issued", "award")
CERTIFIED_TYPES = frozenset({"certification", "management_system", "gap_organic", "traceability", "barcode",
                             "intellectual_property"})
REQUIRED_OUTCOME: dict[str, tuple[str, ...]] = {
    "certification": ("certificate_number",),
    "base_standard": ("standards_issued",),
    "quality_award": ("award",),
}
ALLOWED_OUTCOME: dict[str, frozenset[str]] = {
    code: frozenset({"summary"})
    | ({"certificate_number", "certifying_body"} if code in CERTIFIED_TYPES else set())
    | ({"standards_issued"} if code == "base_standard" else set())
    | ({"award"} if code == "quality_award" else set())
    for code in SUPPORT_TYPES
}

# ---- events -------------------------------------------------------------------------------------------
CASE_PROPOSED = contract.CASE_PROPOSED
CASE_APPROVED = contract.CASE_APPROVED
CASE_REJECTED = contract.CASE_REJECTED
MILESTONE_RECORDED = contract.MILESTONE_RECORDED
DISBURSEMENT_RECORDED = contract.DISBURSEMENT_RECORDED
DISBURSEMENT_REVERSED = contract.DISBURSEMENT_REVERSED
CASE_COMPLETED = contract.CASE_COMPLETED
CASE_CANCELLED = contract.CASE_CANCELLED
EVENT_LABELS = {
    CASE_PROPOSED: "Đề xuất hỗ trợ", CASE_APPROVED: "Phê duyệt hỗ trợ và kinh phí",
    CASE_REJECTED: "Không phê duyệt", MILESTONE_RECORDED: "Ghi nhận mốc thực hiện",
    DISBURSEMENT_RECORDED: "Giải ngân kinh phí", DISBURSEMENT_REVERSED: "Bút toán đảo giải ngân nhầm",
    CASE_COMPLETED: "Hoàn thành, nghiệm thu",
    CASE_CANCELLED: "Hủy hồ sơ",
}


# ---- errors -------------------------------------------------------------------------------------------
class NotPermitted(DomainError):
    status = 403
    slug = "not-permitted"
    title = "Đơn vị không có thẩm quyền với thao tác này"


class CaseAlreadyExists(DomainError):
    slug = "case-exists"
    title = "Hồ sơ đã tồn tại"


class BudgetExceeded(DomainError):
    slug = "budget-exceeded"
    title = "Vượt kinh phí được phê duyệt"


class InvalidCase(DomainError):
    status = 422
    slug = "invalid-case"
    title = "Thông tin hồ sơ hỗ trợ không hợp lệ"


# ---- who acts -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Acting:
    """Who gives a command: the department's code and the person's role (read from their token elsewhere), and
    the departments merged into it (the 2025 mergers): their rights and cases are its own."""
    department: str
    role: str
    also: frozenset[str] = frozenset()

    @property
    def departments(self) -> frozenset[str]:
        return frozenset({self.department, *self.also})


# ---- state --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Milestone:
    on: str
    note: str


@dataclass(frozen=True)
class Disbursement:
    id: str  # the event id of its DisbursementRecorded: what a reversal names
    on: str
    amount: int
    source: str
    reversed_on: str | None = None
    reversal_reason: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    enterprise_id: str
    enterprise_name: str
    district_code: str
    support_type: str
    title: str | None
    need: str
    requested_amount: int
    proposed_on: str
    proposed_by: str
    version: int
    state: str = "proposed"
    budget: dict[str, int] = field(default_factory=dict)
    approved_on: str | None = None
    decision_note: str | None = None
    rejected_on: str | None = None
    milestones: tuple[Milestone, ...] = ()
    disbursements: tuple[Disbursement, ...] = ()
    completed_on: str | None = None
    outcome: dict[str, Any] | None = None
    cancelled_on: str | None = None
    reason: str | None = None

    @property
    def disbursed(self) -> dict[str, int]:
        totals = {source: 0 for source in self.budget}
        for payment in self.disbursements:
            if payment.reversed_on is not None:
                continue
            totals[payment.source] = totals.get(payment.source, 0) + payment.amount
        return totals

    def remaining(self, source: str) -> int:
        return self.budget.get(source, 0) - self.disbursed.get(source, 0)


def current_state(history: list[Envelope]) -> Case | None:
    case = None
    for event in history:
        case = evolve(case, event)
    return case


def evolve(case: Case | None, event: Envelope) -> Case | None:
    data, kind = event.data, event.event_type
    if kind == CASE_PROPOSED:
        return Case(id=event.stream_id, enterprise_id=data["enterprise_id"], enterprise_name=data["enterprise_name"],
                    district_code=data["district_code"], support_type=data["support_type"], title=data.get("title"),
                    need=data["need"], requested_amount=data["requested_amount"], proposed_on=data["proposed_on"],
                    proposed_by=data["proposed_by"], version=event.version)
    if case is None:
        return None
    case = replace(case, version=event.version)
    if kind == CASE_APPROVED:
        return replace(case, state="approved", budget=dict(data["budget"]), approved_on=data["approved_on"],
                       decision_note=data.get("note"))
    if kind == CASE_REJECTED:
        return replace(case, state="rejected", rejected_on=data["rejected_on"], reason=data["reason"])
    if kind == MILESTONE_RECORDED:
        return replace(case, state="in_progress",
                       milestones=case.milestones + (Milestone(data["on"], data["note"]),))
    if kind == DISBURSEMENT_RECORDED:
        return replace(case, state="in_progress", disbursements=case.disbursements + (
            Disbursement(event.event_id, data["disbursed_on"], data["amount"], data["source"]),))
    if kind == DISBURSEMENT_REVERSED:
        return replace(case, disbursements=tuple(
            replace(payment, reversed_on=data["reversed_on"], reversal_reason=data["reason"])
            if payment.id == data["disbursement_id"] else payment for payment in case.disbursements))
    if kind == CASE_COMPLETED:
        return replace(case, state="completed", completed_on=data["completed_on"], outcome=dict(data["outcome"]))
    if kind == CASE_CANCELLED:
        return replace(case, state="cancelled", cancelled_on=data["cancelled_on"], reason=data["reason"])
    return case


# ---- permission -----------------------------------------------------------------------------------------
def may_propose(acting: Acting, support_type: str) -> bool:
    return acting.role in ACTING_ROLES and any(support_type in PROPOSERS.get(held, ()) for held in acting.departments)


def may(acting: Acting, action: str) -> bool:
    return acting.role in ACTING_ROLES and bool(acting.departments & ACTORS[action])


def reads_money(acting: Acting, proposed_by: str) -> bool:
    return acting.role in MONEY_ROLES or bool(acting.departments & (MONEY_READERS | {proposed_by}))


def check_may(acting: Acting, action: str) -> None:
    """What needs no record: may this department ever do ``action`` ("propose": any type)? Raises NotPermitted,
    so a department without the right learns neither whether a case exists nor what a valid body is."""
    if action == "propose":
        if not (acting.role in ACTING_ROLES and any(PROPOSERS.get(held) for held in acting.departments)):
            raise NotPermitted(f"Đơn vị '{acting.department}' (vai trò '{acting.role}') không được "
                               f"{ACTION_LABELS[action]}.", action=action)
        return
    _require(acting, action)


def _require(acting: Acting, action: str) -> None:
    if not may(acting, action):
        allowed = ", ".join(sorted(ACTORS[action]))
        raise NotPermitted(f"Đơn vị '{acting.department}' (vai trò '{acting.role}') không được "
                           f"{ACTION_LABELS[action]}; chỉ {allowed}.", action=action)


# ---- decisions ------------------------------------------------------------------------------------------
def propose(history: list[Envelope], acting: Acting, *, enterprise: dict[str, Any] | None,
            enterprise_id: str, support_type: str, need: str, requested_amount: int, proposed_on: date,
            title: str | None = None) -> list[NewEvent]:
    if history:
        raise CaseAlreadyExists("Mã hồ sơ này đã được dùng.")
    if support_type not in SUPPORT_TYPES:
        raise InvalidCase("Loại hỗ trợ không có trong danh mục.", errors={"support_type": ["không có trong danh mục"]})
    if not may_propose(acting, support_type):
        raise NotPermitted(f"Đơn vị '{acting.department}' không được đề xuất loại hỗ trợ '{support_type}' "
                           f"({SUPPORT_TYPES[support_type]}).", action="propose")
    if enterprise is None:
        raise InvalidCase(f"Dịch vụ hỗ trợ chưa biết doanh nghiệp '{enterprise_id}'.",
                          errors={"enterprise_id": ["doanh nghiệp chưa được đăng ký (hoặc chưa được đồng bộ)"]})
    if enterprise.get("status") != "open":
        raise InvalidCase(f"Doanh nghiệp '{enterprise_id}' đã ngừng hoạt động.",
                          errors={"enterprise_id": ["doanh nghiệp đã ngừng hoạt động"]})
    committee_district = _district_of(acting.department)
    if committee_district is not None and enterprise.get("district_code") != committee_district:
        raise NotPermitted(f"{acting.department} chỉ đề xuất doanh nghiệp trên địa bàn huyện mình "
                           f"(mã {committee_district}); doanh nghiệp này thuộc mã "
                           f"{enterprise.get('district_code')}.", action="propose")
    _positive("requested_amount", requested_amount, allow_zero=False)
    if not need.strip():
        raise InvalidCase("Cần mô tả nhu cầu hỗ trợ.", errors={"need": ["bắt buộc"]})
    if support_type == "st_task" and not (title or "").strip():
        raise InvalidCase("Nhiệm vụ KH&CN cần có tên nhiệm vụ.", errors={"title": ["bắt buộc với nhiệm vụ KH&CN"]})
    data = {"enterprise_id": enterprise_id, "enterprise_name": enterprise.get("name") or "",
            "district_code": enterprise.get("district_code") or "", "support_type": support_type,
            "need": need.strip(), "requested_amount": requested_amount, "proposed_on": proposed_on.isoformat(),
            "proposed_by": acting.department}
    if title and title.strip():
        data["title"] = title.strip()
    return [NewEvent(CASE_PROPOSED, data, occurred_at=business_time(proposed_on))]


def approve(history: list[Envelope], acting: Acting, *, budget: dict[str, int], approved_on: date,
            note: str | None = None) -> list[NewEvent]:
    case = _case_for(history, acting, "approve")
    unknown = sorted(set(budget) - set(FUNDING_SOURCES))
    if unknown:
        raise InvalidCase("Nguồn kinh phí không có trong danh mục.",
                          errors={f"budget.{source}": ["không có trong danh mục"] for source in unknown})
    for source, amount in budget.items():
        _positive(f"budget.{source}", amount, allow_zero=True)
    if sum(budget.values()) <= 0:
        raise InvalidCase("Kinh phí được phê duyệt phải lớn hơn 0.", errors={"budget": ["tổng kinh phí phải > 0"]})
    _not_before("approved_on", approved_on, case.proposed_on, "ngày đề xuất")
    data = {"budget": {source: budget.get(source, 0) for source in FUNDING_SOURCES},
            "approved_on": approved_on.isoformat()}
    if note:
        data["note"] = note
    return [NewEvent(CASE_APPROVED, data, occurred_at=business_time(approved_on))]


def reject(history: list[Envelope], acting: Acting, *, reason: str, rejected_on: date) -> list[NewEvent]:
    case = _case_for(history, acting, "reject")
    _reason(reason)
    _not_before("rejected_on", rejected_on, case.proposed_on, "ngày đề xuất")
    return [NewEvent(CASE_REJECTED, {"reason": reason.strip(), "rejected_on": rejected_on.isoformat()},
                     occurred_at=business_time(rejected_on))]


def record_milestone(history: list[Envelope], acting: Acting, *, on: date, note: str) -> list[NewEvent]:
    case = _case_for(history, acting, "record_milestone")
    if not note.strip():
        raise InvalidCase("Cần ghi nội dung mốc thực hiện.", errors={"note": ["bắt buộc"]})
    _not_before("on", on, case.approved_on, "ngày phê duyệt")
    return [NewEvent(MILESTONE_RECORDED, {"on": on.isoformat(), "note": note.strip()}, occurred_at=business_time(on))]


def record_disbursement(history: list[Envelope], acting: Acting, *, amount: int, source: str,
                        disbursed_on: date) -> list[NewEvent]:
    case = _case_for(history, acting, "record_disbursement")
    if source not in FUNDING_SOURCES:
        raise InvalidCase("Nguồn kinh phí không có trong danh mục.", errors={"source": ["không có trong danh mục"]})
    _positive("amount", amount, allow_zero=False)
    remaining = case.remaining(source)
    if amount > remaining:
        raise BudgetExceeded(f"Giải ngân {amount:,} đồng vượt kinh phí còn lại của nguồn '{source}' "
                             f"({remaining:,} đồng).", source=source, remaining=remaining,
                             approved=case.budget.get(source, 0))
    _not_before("disbursed_on", disbursed_on, case.approved_on, "ngày phê duyệt")
    return [NewEvent(DISBURSEMENT_RECORDED, {"amount": amount, "source": source,
                                             "disbursed_on": disbursed_on.isoformat()},
                     occurred_at=business_time(disbursed_on))]


def reverse_disbursement(history: list[Envelope], acting: Acting, *, disbursement_id: str, reason: str,
                         reversed_on: date) -> list[NewEvent]:
    """A disbursement made in error, reversed by a reversing entry that names it (never an edit): its amount is
    no longer disbursed, and the source's remaining budget grows back."""
    case = _case_for(history, acting, "reverse_disbursement")
    payment = next((payment for payment in case.disbursements if payment.id == disbursement_id), None)
    if payment is None:
        raise NotFound(f"Hồ sơ không có khoản giải ngân '{disbursement_id}'.")
    if payment.reversed_on is not None:
        raise IllegalTransition(f"Khoản giải ngân '{disbursement_id}' đã được đảo ngày {payment.reversed_on}.",
                                current_state="reversed", action="reverse_disbursement")
    _reason(reason)
    _not_before("reversed_on", reversed_on, payment.on, "ngày giải ngân")
    return [NewEvent(DISBURSEMENT_REVERSED, {
        "disbursement_id": disbursement_id, "amount": payment.amount, "source": payment.source,
        "disbursed_on": payment.on, "reversed_on": reversed_on.isoformat(), "reason": reason.strip()},
        occurred_at=business_time(reversed_on))]


def complete(history: list[Envelope], acting: Acting, *, outcome: dict[str, Any],
             completed_on: date) -> list[NewEvent]:
    case = _case_for(history, acting, "complete")
    outcome = {key: value for key, value in outcome.items() if value is not None and value != ""}
    _check_outcome(case.support_type, outcome)
    _not_before("completed_on", completed_on, case.approved_on, "ngày phê duyệt")
    return [NewEvent(CASE_COMPLETED, {"outcome": outcome, "completed_on": completed_on.isoformat()},
                     occurred_at=business_time(completed_on))]


def cancel(history: list[Envelope], acting: Acting, *, reason: str, cancelled_on: date) -> list[NewEvent]:
    case = _case_for(history, acting, "cancel")
    _reason(reason)
    _not_before("cancelled_on", cancelled_on, case.proposed_on, "ngày đề xuất")
    return [NewEvent(CASE_CANCELLED, {"reason": reason.strip(), "cancelled_on": cancelled_on.isoformat()},
                     occurred_at=business_time(cancelled_on))]


# ---- helpers --------------------------------------------------------------------------------------------
def _case_for(history: list[Envelope], acting: Acting, action: str) -> Case:
    """The acting may act (403), the case exists (404) and its state allows the action (409)."""
    _require(acting, action)
    case = current_state(history)
    if case is None:
        raise NotFound("Không có hồ sơ hỗ trợ với mã này.")
    if case.state not in ALLOWED_FROM[action]:
        allowed = ", ".join(sorted(ALLOWED_FROM[action]))
        raise IllegalTransition(f"Không thể {ACTION_LABELS[action]} khi hồ sơ đang ở trạng thái "
                                f"'{case.state}' ({STATES[case.state]}); chỉ được khi: {allowed}.",
                                current_state=case.state, action=action)
    return case


def _district_of(department: str) -> str | None:
    return department.removeprefix("UBND-") if department in DISTRICT_COMMITTEES else None


def _positive(name: str, amount: int, *, allow_zero: bool) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0 or (amount == 0 and not allow_zero):
        bound = "≥ 0" if allow_zero else "> 0"
        raise InvalidCase(f"Số tiền '{name}' phải là số nguyên đồng {bound}.", errors={name: [f"phải {bound}"]})


def _reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidCase("Cần nêu lý do.", errors={"reason": ["bắt buộc"]})


def _not_before(name: str, value: date, earliest: str | None, what: str) -> None:
    if earliest is not None and value.isoformat() < earliest:
        raise InvalidCase(f"Ngày '{name}' ({value.isoformat()}) không được trước {what} ({earliest}).",
                          errors={name: [f"không được trước {what} {earliest}"]})


def _check_outcome(support_type: str, outcome: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name in sorted(set(outcome) - ALLOWED_OUTCOME[support_type]):
        errors[f"outcome.{name}"] = [f"không áp dụng cho loại hỗ trợ '{support_type}'"]
    for name in REQUIRED_OUTCOME.get(support_type, ()):
        if name not in outcome:
            errors[f"outcome.{name}"] = [f"bắt buộc với loại hỗ trợ '{support_type}'"]
    if support_type not in REQUIRED_OUTCOME and not str(outcome.get("summary", "")).strip():
        errors["outcome.summary"] = ["cần tóm tắt kết quả"]
    if "award" in outcome and outcome["award"] not in AWARDS:
        errors["outcome.award"] = [f"phải là một trong: {', '.join(AWARDS)}"]
    standards = outcome.get("standards_issued")
    if standards is not None and (isinstance(standards, bool) or not isinstance(standards, int) or standards < 1):
        errors["outcome.standards_issued"] = ["phải là số nguyên ≥ 1"]
    if errors:
        raise InvalidCase("Kết quả hỗ trợ không hợp lệ: " + ", ".join(sorted(errors)) + ".", errors=errors)
