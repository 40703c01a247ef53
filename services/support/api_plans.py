"""/api/v1/plans: the annual plans and budget estimates (seed 2.5.1). Routes parse, dispatch and render.

A plan is read from its own stream; the list reads the streams of the years 2021–2030 (ten at most), so it is
never behind the commands.
"""
from __future__ import annotations

from typing import Any

from flask import Response, url_for

from services.support import plan_handlers as handlers
from services.support import plan_schemas as schemas
from services.support import plans
from services.support.bootstrap import SupportService
from shared.endpoints import HistoryItem, history
from shared.http import (
    COMMAND_HEADERS,
    ETAG_HEADER,
    IDEMPOTENCY_KEY,
    Resource,
    ServiceBlueprint,
    dependencies,
    dispatch,
    require,
)
from shared.pagination import page_of, page_schema, skip_limit

blp = ServiceBlueprint("plans", __name__, url_prefix="/api/v1",
                       description="Kế hoạch năm và dự trù kinh phí (Sở KH&CN lập, Sở Tài chính thẩm định)")
PlanPage = page_schema(schemas.PlanOut, "PlanPage")
MISSING = "Chưa có kế hoạch '{}'."


def _support() -> SupportService:
    return dependencies(SupportService)


def _amounts(budget: dict[str, int] | None) -> dict[str, int] | None:
    return None if budget is None else {source: budget.get(source, 0) for source in plans.FUNDING_SOURCES}


PLAN_OUT = schemas.PlanOut()


def _view(plan: plans.Plan) -> dict[str, Any]:
    return PLAN_OUT.dump({
        "id": plans.stream_id(plan.year), "year": plan.year, "state": plan.state,
        "state_label": plans.STATES[plan.state], "version": plan.version,
        "lines": [{"line": line.key, "task_group": line.task_group,
                   "task_group_label": plans.TASK_GROUPS[line.task_group], "support_type": line.support_type,
                   "support_type_label": plans.SUPPORT_TYPES.get(line.support_type or ""),
                   "quantity": line.quantity, "unit": plans.QUANTITY_UNITS[line.task_group],
                   "budget": _amounts(line.budget), "approved": _amounts(plan.approved.get(line.key))}
                  for line in plan.lines],
        "totals": {"estimated": plan.estimated, "approved": plan.approved_total},
        "drafted_on": plan.drafted_on, "submitted_on": plan.submitted_on, "approved_on": plan.approved_on,
        "returned_on": plan.returned_on, "return_reason": plan.return_reason,
        "requested_adjustments": list(plan.requested_adjustments), "revisions": list(plan.revisions),
        "history": url_for("plans.plan_history", year=plan.year)})


PLAN = Resource(plans.current_state, _view, MISSING)


def _created(response: Response, year: int) -> Response:
    response.headers["Location"] = url_for("plans.get_plan", year=year)
    return response


# ---- commands -----------------------------------------------------------------------------------------------
@blp.post("/plans")
@require("write")
@blp.arguments(schemas.DraftPlan)
@blp.response(201, schemas.PlanOut, headers=ETAG_HEADER)
@blp.doc(parameters=[IDEMPOTENCY_KEY])
def draft_plan(body):
    """Dự thảo kế hoạch năm và dự trù kinh phí theo nhóm nhiệm vụ, theo nguồn (chỉ Sở KH&CN)."""
    return _created(PLAN.answer(dispatch(handlers.draft_plan, handlers.DraftPlan(**body)), 201), body["year"])


@blp.post("/plans/<int(min=2021,max=2030):year>/draft")
@require("write")
@blp.arguments(schemas.RedraftPlan)
@blp.response(200, schemas.PlanOut)
@blp.doc(**COMMAND_HEADERS)
def redraft_plan(body, year):
    """Dự thảo lại kế hoạch khi còn là dự thảo hoặc bị Sở Tài chính trả lại (Sở KH&CN)."""
    return PLAN.answer(dispatch(handlers.draft_plan, handlers.DraftPlan(year, redraft=True, **body)))


@blp.post("/plans/<int(min=2021,max=2030):year>/submission")
@require("write")
@blp.arguments(schemas.SubmitPlan)
@blp.response(200, schemas.PlanOut)
@blp.doc(**COMMAND_HEADERS)
def submit_plan(body, year):
    """Gửi kế hoạch cho Sở Tài chính thẩm định (Sở KH&CN)."""
    return PLAN.answer(dispatch(handlers.submit_plan, handlers.SubmitPlan(year, **body)))


@blp.post("/plans/<int(min=2021,max=2030):year>/approval")
@require("write")
@blp.arguments(schemas.ApprovePlan)
@blp.response(200, schemas.PlanOut)
@blp.doc(**COMMAND_HEADERS)
def approve_plan(body, year):
    """Thẩm định, phê duyệt kế hoạch, có thể điều chỉnh kinh phí từng dòng (Sở Tài chính)."""
    return PLAN.answer(dispatch(handlers.approve_plan, handlers.ApprovePlan(year, **body)))


@blp.post("/plans/<int(min=2021,max=2030):year>/return")
@require("write")
@blp.arguments(schemas.ReturnPlan)
@blp.response(200, schemas.PlanOut)
@blp.doc(**COMMAND_HEADERS)
def return_plan(body, year):
    """Trả lại kế hoạch với lý do và kinh phí đề nghị điều chỉnh (Sở Tài chính)."""
    return PLAN.answer(dispatch(handlers.return_plan, handlers.ReturnPlan(year, **body)))


@blp.post("/plans/<int(min=2021,max=2030):year>/revisions")
@require("write")
@blp.arguments(schemas.RevisePlan)
@blp.response(200, schemas.PlanOut)
@blp.doc(**COMMAND_HEADERS)
def revise_plan(body, year):
    """Điều chỉnh kế hoạch đã phê duyệt trong năm (Sở KH&CN); thay đổi kinh phí phải được Sở Tài chính thẩm
    định lại, thay đổi số lượng có hiệu lực ngay."""
    return PLAN.answer(dispatch(handlers.revise_plan, handlers.RevisePlan(year, **body)))


# ---- queries ------------------------------------------------------------------------------------------------
@blp.get("/plans")
@require("read")
@blp.arguments(schemas.PlanQuery, location="query")
@blp.response(200, PlanPage)
def list_plans(query):
    """Các kế hoạch năm (năm mới trước), lọc theo năm và trạng thái."""
    store, found = _support().store, []
    for year in reversed(plans.YEARS):
        plan = plans.current_state(store.read_stream(plans.stream_id(year))) if query.get("year") in (None, year) \
            else None
        if plan is not None and query.get("state") in (None, plan.state):
            found.append(_view(plan))
    skip, limit = skip_limit(query)
    return page_of(found[skip:skip + limit], len(found), query)


@blp.get("/plans/<int(min=2021,max=2030):year>")
@require("read")
@blp.response(200, schemas.PlanOut)
def get_plan(year):
    return PLAN.get(_support().store, plans.stream_id(year))


@blp.get("/plans/<int(min=2021,max=2030):year>/history")
@require("read")
@blp.response(200, HistoryItem(many=True))
def plan_history(year):
    """Các sự kiện của kế hoạch theo thứ tự, với tên sự kiện tiếng Việt."""
    return history(_support().store, plans.stream_id(year), plans.EVENT_LABELS, MISSING)


@blp.get("/plan-task-groups")
@require("read")
@blp.response(200, schemas.TaskGroup(many=True))
def list_task_groups():
    """Các nhóm nhiệm vụ của kế hoạch năm (mục 2.3), với đơn vị của số lượng."""
    return [{"code": code, "label": label, "unit": plans.QUANTITY_UNITS[code]}
            for code, label in plans.TASK_GROUPS.items()]
