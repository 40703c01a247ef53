"""The annual plan aggregate: its state machine, totals by source, who may do what, dates, the revision rule."""
from __future__ import annotations

from datetime import date

import pytest

from services.support import plans
from services.support.domain import Acting, NotPermitted
from shared.contracts import support as contract
from shared.errors import IllegalTransition, NotFound
from tests.fakes import Stream

TODAY = date(2024, 11, 30)
DOST, DOF, DARD = Acting("DOST", "clerk"), Acting("DOF", "clerk"), Acting("DARD", "clerk")
LINES = [
    {"task_group": "outreach", "quantity": 12, "budget": {"state_st_budget": 100_000_000}},
    {"task_group": "support", "support_type": "barcode", "quantity": 20,
     "budget": {"state_st_budget": 60_000_000, "other_lawful": 20_000_000}},
    {"task_group": "training", "quantity": 4, "budget": {"state_st_budget": 150_000_000, "other_lawful": 0}},
]


class Plan(Stream):
    def __init__(self) -> None:
        super().__init__(plans.stream_id(2024))

    @property
    def state(self) -> plans.Plan:
        found = plans.current_state(self.history)
        assert found is not None
        return found


def drafted(acting: Acting = DOST, **overrides) -> Plan:
    plan = Plan()
    plan.do(plans.draft, acting, **{"year": 2024, "lines": LINES, "drafted_on": date(2023, 11, 15), "today": TODAY,
                                    **overrides})
    return plan


def submitted() -> Plan:
    plan = drafted()
    plan.do(plans.submit, DOST, submitted_on=date(2023, 11, 20), today=TODAY)
    return plan


def approved(adjustments=None) -> Plan:
    plan = submitted()
    plan.do(plans.approve, DOF, approved_on=date(2023, 12, 20), today=TODAY, adjustments=adjustments)
    return plan


def test_a_draft_holds_its_lines_keyed_by_group_and_type_with_totals_by_source():
    plan = drafted().state
    assert plan.state == "draft" and plan.year == 2024
    assert [line.key for line in plan.lines] == ["outreach", "support.barcode", "training"]
    assert plan.line("outreach").budget == {"state_st_budget": 100_000_000, "other_lawful": 0}
    assert plan.estimated == {"state_st_budget": 310_000_000, "other_lawful": 20_000_000}
    assert plan.approved_total == {"state_st_budget": 0, "other_lawful": 0}


def test_dof_approves_with_an_adjustment_and_the_other_lines_as_estimated():
    plan = approved([{"line": "training", "budget": {"state_st_budget": 120_000_000}}]).state
    assert plan.state == "approved" and plan.approved_on == "2023-12-20"
    assert plan.approved["training"] == {"state_st_budget": 120_000_000, "other_lawful": 0}
    assert plan.approved["outreach"] == plan.line("outreach").budget
    assert plan.approved_total == {"state_st_budget": 280_000_000, "other_lawful": 20_000_000}
    assert plan.estimated == {"state_st_budget": 310_000_000, "other_lawful": 20_000_000}


def test_a_returned_plan_is_redrafted_resubmitted_and_approved():
    plan = submitted()
    plan.do(plans.return_plan, DOF, reason="Giảm kinh phí đào tạo", returned_on=date(2023, 12, 1), today=TODAY,
            requested_adjustments=[{"line": "training", "budget": {"state_st_budget": 100_000_000}}])
    assert plan.state.state == "returned" and plan.state.return_reason == "Giảm kinh phí đào tạo"
    assert plan.state.requested_adjustments[0]["line"] == "training"
    lower = [*LINES[:2], {**LINES[2], "budget": {"state_st_budget": 100_000_000}}]
    plan.do(plans.draft, DOST, year=2024, lines=lower, drafted_on=date(2023, 12, 5), today=TODAY, redraft=True)
    plan.do(plans.submit, DOST, submitted_on=date(2023, 12, 6), today=TODAY)
    plan.do(plans.approve, DOF, approved_on=date(2023, 12, 20), today=TODAY)
    assert plan.state.state == "approved" and plan.state.approved_total["state_st_budget"] == 260_000_000
    assert plan.state.return_reason is None


@pytest.mark.parametrize(("step", "kwargs"), [
    (plans.approve, {"approved_on": date(2024, 1, 1)}),
    (plans.return_plan, {"reason": "x", "returned_on": date(2024, 1, 1)}),
    (plans.revise, {"changes": LINES[:1], "reason": "x", "revised_on": date(2024, 1, 1)}),
])
def test_a_draft_cannot_be_appraised_or_revised_and_the_refusal_names_the_state(step, kwargs):
    acting = DOST if step is plans.revise else DOF
    with pytest.raises(IllegalTransition) as refused:
        drafted().do(step, acting, today=TODAY, **kwargs)
    assert refused.value.extra["current_state"] == "draft" and "'draft' (Dự thảo)" in refused.value.detail


def test_a_second_plan_for_the_year_is_refused_and_an_approved_one_is_not_redrafted():
    with pytest.raises(plans.PlanExists) as exists:
        drafted().do(plans.draft, DOST, year=2024, lines=LINES, drafted_on=date(2023, 11, 16), today=TODAY)
    assert exists.value.status == 409 and exists.value.extra["current_state"] == "draft"
    with pytest.raises(IllegalTransition):
        approved().do(plans.draft, DOST, year=2024, lines=LINES, drafted_on=date(2024, 1, 2), today=TODAY,
                      redraft=True)
    with pytest.raises(NotFound):
        Plan().do(plans.submit, DOST, submitted_on=date(2023, 11, 20), today=TODAY)


@pytest.mark.parametrize(("acting", "step", "kwargs"), [
    (DOF, plans.submit, {"submitted_on": date(2023, 11, 20)}),
    (DARD, plans.submit, {"submitted_on": date(2023, 11, 20)}),
    (Acting("DOST", "viewer"), plans.submit, {"submitted_on": date(2023, 11, 20)}),
])
def test_only_dost_clerks_submit(acting, step, kwargs):
    with pytest.raises(NotPermitted):
        drafted().do(step, acting, today=TODAY, **kwargs)


def test_only_dof_clerks_appraise_and_admins_do_everything():
    with pytest.raises(NotPermitted):
        submitted().do(plans.approve, DOST, approved_on=date(2023, 12, 20), today=TODAY)
    with pytest.raises(NotPermitted):
        submitted().do(plans.return_plan, Acting("DOF", "auditor"), reason="x", returned_on=date(2023, 12, 20),
                       today=TODAY)
    with pytest.raises(NotPermitted):
        Plan().do(plans.draft, DOF, year=2024, lines=LINES, drafted_on=date(2023, 11, 15), today=TODAY)
    admin = Acting("DPI", "admin")
    plan = drafted(admin)
    plan.do(plans.submit, admin, submitted_on=date(2023, 11, 20), today=TODAY)
    plan.do(plans.approve, admin, approved_on=date(2023, 11, 21), today=TODAY)
    assert plan.state.state == "approved"
    assert plans.may(DOST, "revise") and not plans.may(DOF, "revise") and plans.may(DOF, "return")


def test_a_revision_of_quantities_only_takes_effect_at_once():
    plan = approved()
    plan.do(plans.revise, DOST, changes=[{**LINES[0], "quantity": 15}], reason="Thêm chuyên mục truyền hình",
            revised_on=date(2024, 6, 1), today=TODAY)
    state = plan.state
    assert state.state == "approved" and state.line("outreach").quantity == 15
    assert state.revisions[-1] == {"revised_on": "2024-06-01", "reason": "Thêm chuyên mục truyền hình",
                                   "lines": ["outreach"], "needs_appraisal": False}


def test_a_revision_of_money_goes_back_to_dof_and_the_approved_figures_stay_until_it_decides():
    plan = approved()
    plan.do(plans.revise, DOST, reason="Bổ sung hỗ trợ truy xuất nguồn gốc", revised_on=date(2024, 6, 1),
            today=TODAY, changes=[{"task_group": "support", "support_type": "traceability", "quantity": 5,
                                   "budget": {"state_st_budget": 50_000_000}}])
    state = plan.state
    assert state.state == "submitted" and state.revisions[-1]["needs_appraisal"] is True
    assert state.line("support.traceability").quantity == 5 and "support.traceability" not in state.approved
    assert state.approved_total == {"state_st_budget": 310_000_000, "other_lawful": 20_000_000}
    plan.do(plans.approve, DOF, approved_on=date(2024, 6, 10), today=TODAY)
    assert plan.state.approved_total == {"state_st_budget": 360_000_000, "other_lawful": 20_000_000}


def test_a_revision_without_change_or_outside_its_year_is_refused():
    with pytest.raises(plans.InvalidPlan) as same:
        approved().do(plans.revise, DOST, changes=[LINES[0]], reason="x", revised_on=date(2024, 6, 1), today=TODAY)
    assert "changes" in same.value.extra["errors"]
    with pytest.raises(plans.InvalidPlan) as early:
        approved().do(plans.revise, DOST, changes=[{**LINES[0], "quantity": 1}], reason="x",
                      revised_on=date(2023, 12, 30), today=TODAY)
    assert "revised_on" in early.value.extra["errors"]


def test_business_dates_in_the_future_or_before_the_previous_step_are_refused():
    with pytest.raises(plans.InvalidPlan) as future:
        drafted(drafted_on=date(2024, 12, 1))
    assert future.value.status == 422 and "drafted_on" in future.value.extra["errors"]
    with pytest.raises(plans.InvalidPlan) as before:
        drafted().do(plans.submit, DOST, submitted_on=date(2023, 11, 1), today=TODAY)
    assert "submitted_on" in before.value.extra["errors"]
    with pytest.raises(plans.InvalidPlan) as too_early:
        drafted(drafted_on=date(2022, 6, 1))
    assert "drafted_on" in too_early.value.extra["errors"]


@pytest.mark.parametrize(("lines", "field"), [
    ([{"task_group": "nonsense", "quantity": 1, "budget": {}}], "lines.0.task_group"),
    ([{"task_group": "support", "quantity": 1, "budget": {}}], "lines.0.support_type"),
    ([{"task_group": "outreach", "support_type": "barcode", "quantity": 1, "budget": {}}], "lines.0.support_type"),
    ([{"task_group": "outreach", "quantity": -1, "budget": {}}], "lines.0.quantity"),
    ([{"task_group": "outreach", "quantity": 1, "budget": {"gift": 5}}], "lines.0.budget.gift"),
    ([{"task_group": "outreach", "quantity": 1, "budget": {"state_st_budget": -5}}],
     "lines.0.budget.state_st_budget"),
    ([LINES[0], LINES[0]], "lines.1.task_group"),
    ([], "lines"),
])
def test_bad_lines_are_named_field_by_field(lines, field):
    with pytest.raises(plans.InvalidPlan) as refused:
        drafted(lines=lines)
    assert field in refused.value.extra["errors"]


def test_adjustments_name_existing_lines_and_the_year_is_of_the_programme():
    with pytest.raises(plans.InvalidPlan) as unknown:
        submitted().do(plans.approve, DOF, approved_on=date(2023, 12, 20), today=TODAY,
                       adjustments=[{"line": "support.label", "budget": {"state_st_budget": 1}}])
    assert "adjustments.0.line" in unknown.value.extra["errors"]
    with pytest.raises(plans.InvalidPlan) as year:
        drafted(year=2031)
    assert "year" in year.value.extra["errors"]


def test_every_plan_event_honours_the_support_contract():
    plan = approved([{"line": "training", "budget": {"state_st_budget": 1}}])
    plan.do(plans.revise, DOST, changes=[{**LINES[0], "quantity": 1}], reason="x", revised_on=date(2024, 2, 1),
            today=TODAY)
    plan.do(plans.revise, DOST, changes=[{**LINES[0], "budget": {"state_st_budget": 1}}], reason="x",
            revised_on=date(2024, 2, 2), today=TODAY)
    plan.do(plans.return_plan, DOF, reason="x", returned_on=date(2024, 2, 3), today=TODAY,
            requested_adjustments=[{"line": "outreach", "budget": {"state_st_budget": 2}}])
    kinds = [event.event_type for event in plan.history]
    assert set(kinds) == set(contract.PLAN_EVENTS)
    assert all(contract.CONTRACT.problems(event.event_type, event.data) == {} for event in plan.history)
