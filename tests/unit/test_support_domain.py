"""The support case aggregate: its state machine, budget limits, who may do what, outcomes per type."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from services.support import domain
from services.support.domain import Acting
from shared.errors import IllegalTransition, NotFound
from tests.fakes import Stream

CASE = "case-1"
ENTERPRISE = {"id": "ent-1", "name": "HTX Xoài Mỹ Xương", "district_code": "873", "status": "open"}


def clerk(department: str, role: str = "clerk") -> Acting:
    return Acting(department, role)


DOST, DOF, DARD, DOIT, DOLISA = (clerk(d) for d in ("DOST", "DOF", "DARD", "DOIT", "DOLISA"))


class Case(Stream):
    """A case's stream in an in-memory store, driven by the domain's decisions."""

    def __init__(self) -> None:
        super().__init__(CASE)

    @property
    def state(self) -> domain.Case:
        case = domain.current_state(self.history)
        assert case is not None
        return case


def propose(case: Case, principal: Acting = DOST, support_type: str = "management_system",
            enterprise: dict | None = ENTERPRISE, **overrides):
    return case.do(domain.propose, principal, **{
        "enterprise": enterprise, "enterprise_id": "ent-1", "support_type": support_type,
        "need": "Xây dựng ISO 9001:2015", "requested_amount": 120_000_000, "proposed_on": date(2023, 3, 1),
        **({"title": "Nâng cao TFP cho dây chuyền sấy"} if support_type == "st_task" else {}), **overrides})


def approve(case: Case, principal: Acting = DOST, budget=None, approved_on=date(2023, 4, 1)):
    return case.do(domain.approve, principal, budget=budget or {"state_st_budget": 80_000_000,
                                                                "other_lawful": 40_000_000},
                   approved_on=approved_on)


def reject(case: Case, principal: Acting = DOST):
    return case.do(domain.reject, principal, reason="Trùng nội dung đã hỗ trợ", rejected_on=date(2023, 4, 2))


def milestone(case: Case, principal: Acting = DOST):
    return case.do(domain.record_milestone, principal, on=date(2023, 6, 1), note="Khảo sát, đánh giá hiện trạng")


def disburse(case: Case, principal: Acting = DOF, amount: int = 30_000_000, source: str = "state_st_budget",
             disbursed_on: date = date(2023, 7, 1)):
    return case.do(domain.record_disbursement, principal, amount=amount, source=source, disbursed_on=disbursed_on)


def complete(case: Case, principal: Acting = DOST, outcome=None, completed_on=date(2023, 12, 1)):
    default = {"summary": "Đã áp dụng ISO 9001:2015", "certificate_number": "QMS-2023-118"}
    return case.do(domain.complete, principal, outcome=default if outcome is None else outcome,
                   completed_on=completed_on)


def cancel(case: Case, principal: Acting = DOST):
    return case.do(domain.cancel, principal, reason="Doanh nghiệp rút đề nghị", cancelled_on=date(2023, 5, 5))


ACTIONS = {"approve": approve, "reject": reject, "record_milestone": milestone, "record_disbursement": disburse,
           "complete": complete, "cancel": cancel}
REACH: dict[str, list[Callable[..., Any]]] = {  # the steps that bring a new case to each state
    "proposed": [propose],
    "approved": [propose, approve],
    "rejected": [propose, reject],
    "in_progress": [propose, approve, disburse],
    "completed": [propose, approve, disburse, complete],
    "cancelled": [propose, cancel],
}
LEGAL = {
    ("proposed", "approve"): "approved", ("proposed", "reject"): "rejected", ("proposed", "cancel"): "cancelled",
    ("approved", "record_milestone"): "in_progress", ("approved", "record_disbursement"): "in_progress",
    ("approved", "cancel"): "cancelled",
    ("in_progress", "record_milestone"): "in_progress", ("in_progress", "record_disbursement"): "in_progress",
    ("in_progress", "complete"): "completed", ("in_progress", "cancel"): "cancelled",
}
ALL_PAIRS = [(state, action) for state in REACH for action in ACTIONS]


def case_in(state: str) -> Case:
    case = Case()
    for step in REACH[state]:
        step(case)
    assert case.state.state == state
    return case


# ---- the state machine --------------------------------------------------------------------------------
@pytest.mark.parametrize("state,action", [pair for pair in ALL_PAIRS if pair in LEGAL])
def test_a_legal_transition_moves_the_case_on(state, action):
    case = case_in(state)
    ACTIONS[action](case)
    assert case.state.state == LEGAL[(state, action)]


@pytest.mark.parametrize("state,action", [pair for pair in ALL_PAIRS if pair not in LEGAL])
def test_an_illegal_transition_is_409_naming_the_current_state(state, action):
    case = case_in(state)
    version = case.state.version
    with pytest.raises(domain.IllegalTransition) as raised:
        ACTIONS[action](case)
    assert raised.value.status == 409
    assert raised.value.extra["current_state"] == state
    assert f"'{state}'" in raised.value.detail
    assert case.state.version == version


def test_proposing_on_an_existing_case_is_refused():
    case = case_in("proposed")
    with pytest.raises(domain.CaseAlreadyExists):
        propose(case)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_acting_on_an_unknown_case_is_404(action):
    with pytest.raises(NotFound):
        ACTIONS[action](Case())


def test_the_case_remembers_what_happened_and_each_date_is_its_events_business_time():
    case = Case()
    propose(case)
    approve(case)
    milestone(case)
    disburse(case)
    complete(case)
    state = case.state
    assert (state.state, state.proposed_by, state.enterprise_name, state.district_code) == (
        "completed", "DOST", "HTX Xoài Mỹ Xương", "873")
    assert state.budget == {"state_st_budget": 80_000_000, "other_lawful": 40_000_000}
    assert state.disbursed == {"state_st_budget": 30_000_000, "other_lawful": 0}
    assert state.outcome == {"summary": "Đã áp dụng ISO 9001:2015", "certificate_number": "QMS-2023-118"}
    assert [event.occurred_at[:10] for event in case.history] == [
        "2023-03-01", "2023-04-01", "2023-06-01", "2023-07-01", "2023-12-01"]
    assert [event.event_type for event in case.history] == [
        domain.CASE_PROPOSED, domain.CASE_APPROVED, domain.MILESTONE_RECORDED, domain.DISBURSEMENT_RECORDED,
        domain.CASE_COMPLETED]


def test_rejection_and_cancellation_keep_their_reason():
    rejected, cancelled = case_in("rejected"), case_in("cancelled")
    assert rejected.state.reason == "Trùng nội dung đã hỗ trợ" and rejected.state.rejected_on == "2023-04-02"
    assert cancelled.state.reason == "Doanh nghiệp rút đề nghị" and cancelled.state.cancelled_on == "2023-05-05"


@pytest.mark.parametrize("step,field", [
    (lambda case: approve(case, approved_on=date(2023, 2, 28)), "approved_on"),
    (lambda case: case.do(domain.reject, DOST, reason="x", rejected_on=date(2022, 1, 1)), "rejected_on"),
    (lambda case: case.do(domain.cancel, DOST, reason="x", cancelled_on=date(2022, 1, 1)), "cancelled_on"),
])
def test_a_decision_dated_before_the_proposal_is_422_naming_the_date(step, field):
    case = case_in("proposed")
    with pytest.raises(domain.InvalidCase) as raised:
        step(case)
    assert raised.value.status == 422 and set(raised.value.extra["errors"]) == {field}


def test_work_dated_before_the_approval_is_422():
    case = case_in("approved")
    with pytest.raises(domain.InvalidCase) as raised:
        disburse(case, disbursed_on=date(2023, 3, 31))
    assert set(raised.value.extra["errors"]) == {"disbursed_on"}


# ---- budget and disbursements -------------------------------------------------------------------------
def test_disbursements_may_reach_but_never_exceed_the_budget_of_each_source():
    case = case_in("approved")
    disburse(case, amount=50_000_000)
    disburse(case, amount=30_000_000)  # state budget now spent to the last đồng
    with pytest.raises(domain.BudgetExceeded) as raised:
        disburse(case, amount=1)
    assert raised.value.status == 409
    assert raised.value.extra["remaining"] == 0 and raised.value.extra["source"] == "state_st_budget"
    disburse(case, amount=40_000_000, source="other_lawful")  # the other source is untouched
    assert case.state.disbursed == {"state_st_budget": 80_000_000, "other_lawful": 40_000_000}


def test_an_overdraft_names_the_remaining_amount():
    case = case_in("approved")
    disburse(case, amount=25_000_000, source="other_lawful")
    with pytest.raises(domain.BudgetExceeded) as raised:
        disburse(case, amount=20_000_000, source="other_lawful")
    assert raised.value.extra["remaining"] == 15_000_000
    assert "15,000,000" in raised.value.detail


def test_a_source_without_budget_cannot_be_disbursed():
    case = case_in("proposed")
    approve(case, budget={"state_st_budget": 50_000_000})
    assert case.state.budget == {"state_st_budget": 50_000_000, "other_lawful": 0}
    with pytest.raises(domain.BudgetExceeded) as raised:
        disburse(case, amount=1, source="other_lawful")
    assert raised.value.extra["remaining"] == 0


@pytest.mark.parametrize("budget,field", [
    ({"state_st_budget": 0, "other_lawful": 0}, "budget"),
    ({"state_st_budget": -5}, "budget.state_st_budget"),
    ({"city_fund": 10}, "budget.city_fund"),
])
def test_an_invalid_budget_is_422(budget, field):
    case = case_in("proposed")
    with pytest.raises(domain.InvalidCase) as raised:
        approve(case, budget=budget)
    assert field in raised.value.extra["errors"]


@pytest.mark.parametrize("amount", [0, -1])
def test_a_disbursement_must_be_positive(amount):
    case = case_in("approved")
    with pytest.raises(domain.InvalidCase) as raised:
        disburse(case, amount=amount)
    assert set(raised.value.extra["errors"]) == {"amount"}


# ---- who may do what ----------------------------------------------------------------------------------
PROPOSALS = [  # (department, type, may propose) — seed 2.5.1, 2.5.3, 2.5.6
    *[("DOST", code, True) for code in domain.SUPPORT_TYPES],
    ("DARD", "gap_organic", True), ("DARD", "traceability", True), ("DARD", "label", True),
    ("DARD", "digital_transformation", False), ("DARD", "quality_award", False), ("DARD", "st_task", False),
    ("DOIT", "digital_transformation", True), ("DOIT", "technology_transfer", True), ("DOIT", "barcode", True),
    ("DOIT", "gap_organic", False), ("DOIT", "st_task", False),
    ("DOLISA", "improvement_tool", True), ("DOLISA", "management_system", True),
    ("DOLISA", "barcode", False), ("DOLISA", "certification", False),
    *[(department, code, False) for department in ("DOF", "DPI", "DIC") for code in ("management_system", "label")],
    *[("UBND-873", code, True) for code in domain.SUPPORT_TYPES],
]


@pytest.mark.parametrize("department,support_type,allowed", PROPOSALS)
def test_who_may_propose_which_type(department, support_type, allowed):
    case = Case()
    if allowed:
        propose(case, clerk(department), support_type)
        assert case.state.proposed_by == department
    else:
        with pytest.raises(domain.NotPermitted) as raised:
            propose(case, clerk(department), support_type)
        assert raised.value.status == 403 and case.history == []


def test_a_district_committee_proposes_only_enterprises_of_its_own_district():
    with pytest.raises(domain.NotPermitted) as raised:
        propose(Case(), clerk("UBND-866"))
    assert "866" in raised.value.detail and "873" in raised.value.detail
    propose(Case(), clerk("UBND-873"))


def test_a_viewer_of_dost_may_not_propose():
    with pytest.raises(domain.NotPermitted):
        propose(Case(), clerk("DOST", "viewer"))


ACTORS = {"approve": {"DOST"}, "reject": {"DOST"}, "record_milestone": {"DOST"}, "record_disbursement": {"DOF"},
          "complete": {"DOST"}, "cancel": {"DOST"}}
READY = {"approve": "proposed", "reject": "proposed", "record_milestone": "approved",
         "record_disbursement": "approved", "complete": "in_progress", "cancel": "approved"}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("department", ["DOST", "DOF", "DOIT", "DARD", "DOLISA", "DPI", "DIC", "UBND-873"])
def test_who_may_act_on_a_case(action, department):
    case = case_in(READY[action])
    if department in ACTORS[action]:
        ACTIONS[action](case, clerk(department))
    else:
        with pytest.raises(domain.NotPermitted) as raised:
            ACTIONS[action](case, clerk(department))
        assert raised.value.status == 403 and department in raised.value.detail


def test_permission_is_checked_before_the_state():
    case = case_in("completed")
    with pytest.raises(domain.NotPermitted):
        approve(case, DOF)


# ---- the enterprise and the proposal ------------------------------------------------------------------
@pytest.mark.parametrize("enterprise", [None, {**ENTERPRISE, "status": "closed"}])
def test_an_unknown_or_closed_enterprise_is_422_naming_enterprise_id(enterprise):
    case = Case()
    with pytest.raises(domain.InvalidCase) as raised:
        propose(case, enterprise=enterprise)
    assert raised.value.status == 422 and set(raised.value.extra["errors"]) == {"enterprise_id"}


def test_an_st_task_needs_its_title():
    with pytest.raises(domain.InvalidCase) as raised:
        propose(Case(), support_type="st_task", title="  ")
    assert set(raised.value.extra["errors"]) == {"title"}
    case = Case()
    propose(case, support_type="st_task")
    assert case.state.title == "Nâng cao TFP cho dây chuyền sấy"


@pytest.mark.parametrize("amount", [0, -100])
def test_the_requested_amount_must_be_positive(amount):
    with pytest.raises(domain.InvalidCase) as raised:
        propose(Case(), requested_amount=amount)
    assert set(raised.value.extra["errors"]) == {"requested_amount"}


# ---- outcomes per type --------------------------------------------------------------------------------
GOOD_OUTCOMES = [
    ("certification", {"certificate_number": "VietCert-2023-0457", "certifying_body": "Quacert"}),
    ("base_standard", {"standards_issued": 4, "summary": "TCCS cho 4 sản phẩm"}),
    ("quality_award", {"award": "gold"}),
    ("quality_award", {"award": "none", "summary": "Chưa đạt"}),
    ("gap_organic", {"summary": "Đạt VietGAP", "certificate_number": "VG-0012"}),
    ("improvement_tool", {"summary": "Áp dụng 5S tại 3 xưởng"}),
    ("st_task", {"summary": "Nghiệm thu nhiệm vụ đạt"}),
]
BAD_OUTCOMES = [
    ("certification", {"summary": "Đạt"}, "outcome.certificate_number"),
    ("base_standard", {"summary": "Xong"}, "outcome.standards_issued"),
    ("base_standard", {"standards_issued": 0}, "outcome.standards_issued"),
    ("quality_award", {"summary": "Xong"}, "outcome.award"),
    ("quality_award", {"award": "platinum"}, "outcome.award"),
    ("barcode", {"summary": "Cấp mã", "award": "gold"}, "outcome.award"),
    ("label", {"standards_issued": 2}, "outcome.standards_issued"),
    ("improvement_tool", {}, "outcome.summary"),
    ("digital_transformation", {"summary": "Xong", "certificate_number": "X"}, "outcome.certificate_number"),
]


def in_progress_of(support_type: str) -> Case:
    case = Case()
    propose(case, support_type=support_type)
    approve(case)
    milestone(case)
    return case


@pytest.mark.parametrize("support_type,outcome", GOOD_OUTCOMES)
def test_a_valid_outcome_completes_the_case(support_type, outcome):
    case = in_progress_of(support_type)
    complete(case, outcome=outcome)
    assert case.state.state == "completed" and case.state.outcome == outcome


@pytest.mark.parametrize("support_type,outcome,field", BAD_OUTCOMES)
def test_an_outcome_that_does_not_fit_the_type_is_422_naming_the_field(support_type, outcome, field):
    case = in_progress_of(support_type)
    with pytest.raises(domain.InvalidCase) as raised:
        complete(case, outcome=outcome)
    assert field in raised.value.extra["errors"]
    assert case.state.state == "in_progress"


def test_every_type_has_a_label_and_at_least_one_sector_proposer_besides_dost_and_districts():
    sector = {"DOIT", "DARD", "DOLISA"}
    for code in domain.SUPPORT_TYPES:
        proposers = {department for department, types in domain.PROPOSERS.items() if code in types}
        assert "DOST" in proposers and "UBND-866" in proposers
    assert {code for code in domain.SUPPORT_TYPES
            if not any(code in domain.PROPOSERS[d] for d in sector)} == {"base_standard", "st_task"}


def test_a_disbursement_made_in_error_is_reversed_by_an_entry_naming_it_and_the_budget_grows_back():
    case = case_in("approved")
    disburse(case, amount=80_000_000)
    [payment] = case.state.disbursements
    with pytest.raises(domain.NotPermitted):
        case.do(domain.reverse_disbursement, DOST, disbursement_id=payment.id, reason="nhầm",
                reversed_on=date(2023, 7, 2))
    with pytest.raises(NotFound):
        case.do(domain.reverse_disbursement, DOF, disbursement_id="no-such", reason="nhầm",
                reversed_on=date(2023, 7, 2))
    with pytest.raises(domain.InvalidCase) as early:
        case.do(domain.reverse_disbursement, DOF, disbursement_id=payment.id, reason="nhầm",
                reversed_on=date(2023, 6, 30))
    assert "reversed_on" in early.value.extra["errors"]
    case.do(domain.reverse_disbursement, DOF, disbursement_id=payment.id, reason="giải ngân nhầm hồ sơ",
            reversed_on=date(2023, 7, 2))
    reversal = case.history[-1]
    assert reversal.data == {"disbursement_id": payment.id, "amount": 80_000_000, "source": "state_st_budget",
                             "disbursed_on": "2023-07-01", "reversed_on": "2023-07-02",
                             "reason": "giải ngân nhầm hồ sơ"}
    assert case.state.disbursed["state_st_budget"] == 0 and case.state.remaining("state_st_budget") == 80_000_000
    assert case.state.disbursements[0].reversed_on == "2023-07-02"  # kept, marked, never edited away
    with pytest.raises(IllegalTransition):
        case.do(domain.reverse_disbursement, DOF, disbursement_id=payment.id, reason="lần nữa",
                reversed_on=date(2023, 7, 3))
    disburse(case, amount=80_000_000)  # the budget can be disbursed again, to the right case
