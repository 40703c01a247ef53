"""Support service: support cases (seed 2.3.3), National Quality Award participation, S&T tasks for TFP.

Commands go to a case's stream; a single case is read from its stream (with its ETag); lists read the
``cases`` read model that the worker projects from this service's own store.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Callable

from flask import Flask, Response, current_app, url_for

from services.support import domain, schemas
from services.support.readmodel import CaseReadModel
from shared.audit import attach_event_store, store
from shared.commands import run_command
from shared.config import Settings
from shared.directory import EnterpriseDirectory, KnownEnterprises
from shared.errors import NotFound
from shared.eventstore import EventStore
from shared.http import (
    COMMAND_HEADERS, IDEMPOTENCY_KEY, ServiceBlueprint, command_context, create_service_app,
    current_principal, require, versioned,
)
from shared.pagination import page_of, page_schema, skip_limit
from shared.reference import DISTRICTS, province_today

blp = ServiceBlueprint("cases", __name__, url_prefix="/api/v1",
                       description="Hồ sơ hỗ trợ doanh nghiệp nâng cao năng suất chất lượng")
CasePage = page_schema(schemas.CaseRow, "CasePage")


def _known() -> KnownEnterprises:
    return current_app.extensions["support.enterprises"]


def _cases() -> CaseReadModel:
    return current_app.extensions["support.cases"]


def _amounts(values: dict[str, int]) -> dict[str, int]:
    return {source: values.get(source, 0) for source in domain.FUNDING_SOURCES}


def _view(case: domain.Case) -> dict:
    return schemas.CaseOut().dump({
        "id": case.id, "enterprise": {"id": case.enterprise_id, "name": case.enterprise_name,
                                      "district_code": case.district_code},
        "support_type": case.support_type, "support_type_label": domain.SUPPORT_TYPES[case.support_type],
        "title": case.title, "need": case.need, "requested_amount": case.requested_amount,
        "proposed_on": case.proposed_on, "proposed_by": case.proposed_by, "state": case.state,
        "state_label": domain.STATES[case.state], "budget": _amounts(case.budget),
        "disbursed": _amounts(case.disbursed),
        "remaining": {source: case.remaining(source) for source in domain.FUNDING_SOURCES},
        "approved_on": case.approved_on, "rejected_on": case.rejected_on, "completed_on": case.completed_on,
        "cancelled_on": case.cancelled_on, "reason": case.reason,
        "milestones": [{"on": m.on, "note": m.note} for m in case.milestones],
        "disbursements": [{"disbursed_on": d.on, "amount": d.amount, "source": d.source}
                          for d in case.disbursements],
        "outcome": case.outcome, "version": case.version})


def _at_version(case_id: str, version: int | None = None) -> domain.Case:
    case = domain.current_state(store().read_stream(case_id, to_version=version))
    if case is None:
        raise NotFound(f"Không có hồ sơ hỗ trợ '{case_id}'.")
    return case


def _act(case_id: str, decide: Callable) -> Response:
    outcome = run_command(store(), case_id, decide, command_context())
    case = _at_version(case_id, outcome.version)
    return versioned(_view(case), case.version, 200, outcome)


def _today(value: date | None) -> date:
    return value or province_today()


# ---- commands -----------------------------------------------------------------------------------------
@blp.post("/cases")
@require("write")
@blp.arguments(schemas.ProposeCase)
@blp.response(201, schemas.CaseOut, headers={"ETag": {"description": "phiên bản của hồ sơ"}})
@blp.doc(parameters=[IDEMPOTENCY_KEY])
def propose_case(body):
    """Đề xuất hỗ trợ một doanh nghiệp (Sở KH&CN, Sở theo lĩnh vực, UBND cấp huyện)."""
    case_id = str(uuid.uuid4())
    principal = current_principal()
    outcome = run_command(store(), case_id, lambda history: domain.propose(
        history, principal, enterprise=_known().lookup(body["enterprise_id"]),
        enterprise_id=body["enterprise_id"], support_type=body["support_type"], need=body["need"],
        requested_amount=body["requested_amount"], title=body.get("title"),
        proposed_on=_today(body["proposed_on"])), command_context())
    case = _at_version(outcome.stream_id, outcome.version)
    return versioned(_view(case), case.version, 201, outcome,
                     location=url_for("cases.get_case", case_id=case.id))


@blp.post("/cases/<case_id>/approval")
@require("write")
@blp.arguments(schemas.ApproveCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def approve_case(body, case_id):
    """Phê duyệt hồ sơ và kinh phí theo nguồn (chỉ Sở KH&CN)."""
    principal = current_principal()
    return _act(case_id, lambda history: domain.approve(
        history, principal, budget=body["budget"], approved_on=_today(body["approved_on"]), note=body.get("note")))


@blp.post("/cases/<case_id>/rejection")
@require("write")
@blp.arguments(schemas.RejectCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def reject_case(body, case_id):
    """Không phê duyệt hồ sơ, nêu lý do (chỉ Sở KH&CN)."""
    principal = current_principal()
    return _act(case_id, lambda history: domain.reject(
        history, principal, reason=body["reason"], rejected_on=_today(body["rejected_on"])))


@blp.post("/cases/<case_id>/milestones")
@require("write")
@blp.arguments(schemas.RecordMilestone)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def record_milestone(body, case_id):
    """Ghi nhận một mốc thực hiện (Sở KH&CN); mốc đầu tiên chuyển hồ sơ sang 'đang thực hiện'."""
    principal = current_principal()
    return _act(case_id, lambda history: domain.record_milestone(
        history, principal, on=_today(body["on"]), note=body["note"]))


@blp.post("/cases/<case_id>/disbursements")
@require("write")
@blp.arguments(schemas.RecordDisbursement)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def record_disbursement(body, case_id):
    """Ghi nhận giải ngân theo nguồn (Sở Tài chính); không vượt kinh phí được duyệt của nguồn đó."""
    principal = current_principal()
    return _act(case_id, lambda history: domain.record_disbursement(
        history, principal, amount=body["amount"], source=body["source"],
        disbursed_on=_today(body["disbursed_on"])))


@blp.post("/cases/<case_id>/completion")
@require("write")
@blp.arguments(schemas.CompleteCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def complete_case(body, case_id):
    """Hoàn thành, nghiệm thu hồ sơ với kết quả (Sở KH&CN)."""
    principal = current_principal()
    return _act(case_id, lambda history: domain.complete(
        history, principal, outcome=body["outcome"], completed_on=_today(body["completed_on"])))


@blp.post("/cases/<case_id>/cancellation")
@require("write")
@blp.arguments(schemas.CancelCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def cancel_case(body, case_id):
    """Hủy hồ sơ, nêu lý do (Sở KH&CN)."""
    principal = current_principal()
    return _act(case_id, lambda history: domain.cancel(
        history, principal, reason=body["reason"], cancelled_on=_today(body["cancelled_on"])))


# ---- queries ------------------------------------------------------------------------------------------
@blp.get("/cases")
@require("read")
@blp.arguments(schemas.CaseQuery, location="query")
@blp.response(200, CasePage)
def list_cases(query):
    """Danh sách hồ sơ (mới đề xuất trước), lọc theo loại, trạng thái, đơn vị đề xuất, doanh nghiệp, năm,
    nguồn kinh phí. Đọc từ bảng tổng hợp, có thể chậm vài trăm mili giây so với lệnh vừa ghi."""
    rows, total = _cases().page(query, *skip_limit(query))
    return page_of(schemas.CaseRow(many=True).dump(rows), total, query)


@blp.get("/cases/<case_id>")
@require("read")
@blp.response(200, schemas.CaseOut)
def get_case(case_id):
    case = _at_version(case_id)
    return versioned(_view(case), case.version)


@blp.get("/cases/<case_id>/history")
@require("read")
@blp.response(200, schemas.HistoryEntry(many=True))
def case_history(case_id):
    """Các sự kiện của hồ sơ theo thứ tự, với tên sự kiện tiếng Việt."""
    history = store().read_stream(case_id)
    if not history:
        raise NotFound(f"Không có hồ sơ hỗ trợ '{case_id}'.")
    return [{"version": event.version, "position": event.position, "event_type": event.event_type,
             "label": domain.EVENT_LABELS.get(event.event_type, event.event_type),
             "occurred_at": event.occurred_at, "recorded_at": event.recorded_at, "actor": event.actor,
             "department": event.department, "data": event.data} for event in history]


@blp.get("/support-types")
@require("read")
@blp.response(200, schemas.SupportType(many=True))
def list_support_types():
    return [{"code": code, "label": label,
             "proposers": sorted(department for department, types in domain.PROPOSERS.items() if code in types),
             "outcome_required": list(domain.REQUIRED_OUTCOME.get(code, ("summary",)))}
            for code, label in domain.SUPPORT_TYPES.items()]


@blp.get("/enterprises/<enterprise_id>")
@require("read")
@blp.response(200, schemas.KnownEnterprise)
def get_known_enterprise(enterprise_id):
    """Doanh nghiệp mà dịch vụ hỗ trợ đã biết (từ sự kiện của registry); 404 nếu chưa biết."""
    found = _known().lookup(enterprise_id)
    if found is None:
        raise NotFound(f"Dịch vụ hỗ trợ chưa biết doanh nghiệp '{enterprise_id}'.")
    code = found.get("district_code")
    return {**found, "id": enterprise_id,
            "district": {"code": code, "name": found.get("district_name") or DISTRICTS.get(code or "", code)}}


def create_app(settings: Settings | None = None, event_store: EventStore | None = None,
               known_enterprises: KnownEnterprises | None = None, cases: CaseReadModel | None = None) -> Flask:
    app, api = create_service_app("support", "NSCL — Hỗ trợ doanh nghiệp (support)",
                                  "Hồ sơ hỗ trợ doanh nghiệp, Giải thưởng Chất lượng Quốc gia, nhiệm vụ KH&CN.",
                                  settings)
    attach_event_store(app, api, event_store=event_store)
    database = app.extensions["nscl"].database
    app.extensions["support.enterprises"] = known_enterprises or EnterpriseDirectory(database)
    app.extensions["support.cases"] = cases or CaseReadModel(database)
    api.register_blueprint(blp)
    return app
