"""Support service: support cases (seed 2.3.3), National Quality Award participation, S&T tasks for TFP.

Commands go to a case's stream; a single case is read from its stream (with its ETag); lists read the
``cases`` read model that the worker projects from this service's own store.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from services.support import domain, handlers, schemas
from services.support.api_plans import blp as plans_blp
from services.support.bootstrap import SupportService, bootstrap
from shared.auth import Principal
from shared.config import Settings
from shared.endpoints import HistoryItem, create_write_app, history, known_enterprises_blueprint
from shared.http import (
    COMMAND_HEADERS,
    CREATE_HEADERS,
    ETAG_HEADER,
    Resource,
    ServiceBlueprint,
    current_principal,
    dependencies,
    dispatch,
    merged_into,
    require,
)
from shared.pagination import page_of, page_schema, skip_limit

blp = ServiceBlueprint("cases", __name__, url_prefix="/api/v1",
                       description="Hồ sơ hỗ trợ doanh nghiệp nâng cao năng suất chất lượng")
CasePage = page_schema(schemas.CaseRow, "CasePage")


def _support() -> SupportService:
    return dependencies(SupportService)


def may(action: str) -> Callable[[Principal], None]:
    """The command's rule that needs no case (seed 2.5), checked with the token, before the body is read."""
    return lambda principal: domain.check_may(
        domain.Acting(principal.department, principal.role, merged_into(principal)), action)


def _amounts(values: dict[str, int]) -> dict[str, int]:
    return {source: values.get(source, 0) for source in domain.FUNDING_SOURCES}


def _acting() -> domain.Acting:
    principal = current_principal()
    return domain.Acting(principal.department, principal.role, merged_into(principal))


def _money_shown(record: dict, proposed_by: str) -> dict:
    """``record`` without its amounts unless this reader may see the case's money (domain.reads_money)."""
    if domain.reads_money(_acting(), proposed_by):
        return record
    return {name: value for name, value in record.items() if name not in domain.MONEY_FIELDS}


CASE_OUT = schemas.CaseOut()


def _view(case: domain.Case) -> dict:
    return CASE_OUT.dump(_money_shown({
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
        "disbursements": [{"id": d.id, "disbursed_on": d.on, "amount": d.amount, "source": d.source,
                           "reversed_on": d.reversed_on, "reversal_reason": d.reversal_reason}
                          for d in case.disbursements],
        "outcome": case.outcome, "version": case.version}, case.proposed_by))


CASE = Resource(domain.current_state, _view, "Không có hồ sơ hỗ trợ '{}'.", "cases.get_case", "case_id")


# ---- commands -----------------------------------------------------------------------------------------
@blp.post("/cases")
@require("write", may("propose"))
@blp.arguments(schemas.ProposeCase)
@blp.response(201, schemas.CaseOut, headers=ETAG_HEADER)
@blp.doc(**CREATE_HEADERS)
def propose_case(body):
    """Đề xuất hỗ trợ một doanh nghiệp (Sở KH&CN, Sở theo lĩnh vực, UBND cấp huyện)."""
    return CASE.answer(dispatch(handlers.propose_case, handlers.ProposeCase(**body)), 201, created=True)


@blp.post("/cases/<case_id>/approval")
@require("write", may("approve"))
@blp.arguments(schemas.ApproveCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def approve_case(body, case_id):
    """Phê duyệt hồ sơ và kinh phí theo nguồn (chỉ Sở KH&CN)."""
    return CASE.answer(dispatch(handlers.approve_case, handlers.ApproveCase(case_id, **body)))


@blp.post("/cases/<case_id>/rejection")
@require("write", may("reject"))
@blp.arguments(schemas.RejectCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def reject_case(body, case_id):
    """Không phê duyệt hồ sơ, nêu lý do (chỉ Sở KH&CN)."""
    return CASE.answer(dispatch(handlers.reject_case, handlers.RejectCase(case_id, **body)))


@blp.post("/cases/<case_id>/milestones")
@require("write", may("record_milestone"))
@blp.arguments(schemas.RecordMilestone)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def record_milestone(body, case_id):
    """Ghi nhận một mốc thực hiện (Sở KH&CN); mốc đầu tiên chuyển hồ sơ sang 'đang thực hiện'."""
    return CASE.answer(dispatch(handlers.record_milestone, handlers.RecordMilestone(case_id, **body)))


@blp.post("/cases/<case_id>/disbursements")
@require("write", may("record_disbursement"))
@blp.arguments(schemas.RecordDisbursement)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def record_disbursement(body, case_id):
    """Ghi nhận giải ngân theo nguồn (Sở Tài chính); không vượt kinh phí được duyệt của nguồn đó."""
    return CASE.answer(dispatch(handlers.record_disbursement, handlers.RecordDisbursement(case_id, **body)))


@blp.post("/cases/<case_id>/disbursements/<disbursement_id>/reversal")
@require("write", may("reverse_disbursement"))
@blp.arguments(schemas.ReverseDisbursement)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def reverse_disbursement(body, case_id, disbursement_id):
    """Đảo bút toán một khoản giải ngân nhầm (Sở Tài chính, có lý do): khoản đó không còn tính là đã giải ngân."""
    return CASE.answer(dispatch(handlers.reverse_disbursement,
                                handlers.ReverseDisbursement(case_id, disbursement_id, **body)))


@blp.post("/cases/<case_id>/completion")
@require("write", may("complete"))
@blp.arguments(schemas.CompleteCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def complete_case(body, case_id):
    """Hoàn thành, nghiệm thu hồ sơ với kết quả (Sở KH&CN)."""
    return CASE.answer(dispatch(handlers.complete_case, handlers.CompleteCase(case_id, **body)))


@blp.post("/cases/<case_id>/cancellation")
@require("write", may("cancel"))
@blp.arguments(schemas.CancelCase)
@blp.response(200, schemas.CaseOut)
@blp.doc(**COMMAND_HEADERS)
def cancel_case(body, case_id):
    """Hủy hồ sơ, nêu lý do (Sở KH&CN)."""
    return CASE.answer(dispatch(handlers.cancel_case, handlers.CancelCase(case_id, **body)))


# ---- queries ------------------------------------------------------------------------------------------
@blp.get("/cases")
@require("read")
@blp.arguments(schemas.CaseQuery, location="query")
@blp.response(200, CasePage)
def list_cases(query):
    """Danh sách hồ sơ (mới đề xuất trước), lọc theo loại, trạng thái, đơn vị đề xuất, doanh nghiệp, năm,
    nguồn kinh phí. Đọc từ bảng tổng hợp, có thể chậm vài trăm mili giây so với lệnh vừa ghi."""
    rows, total = _support().cases.page(query, *skip_limit(query))
    return page_of(schemas.CaseRow(many=True).dump([_money_shown(row, row.get("department", "")) for row in rows]),
                   total, query)


@blp.get("/cases/<case_id>")
@require("read")
@blp.response(200, schemas.CaseOut)
def get_case(case_id):
    return CASE.get(_support().store, case_id)


@blp.get("/cases/<case_id>/history")
@require("read")
@blp.response(200, HistoryItem(many=True))
def case_history(case_id):
    """Các sự kiện của hồ sơ theo thứ tự, với tên sự kiện tiếng Việt."""
    def money(events: list) -> tuple[str, ...]:
        return () if domain.reads_money(_acting(), events[0].data.get("proposed_by", "")) else domain.MONEY_FIELDS
    return history(_support().store, case_id, domain.EVENT_LABELS, "Không có hồ sơ hỗ trợ '{}'.", hidden=money)


@blp.get("/support-types")
@require("read")
@blp.response(200, schemas.SupportType(many=True))
def list_support_types():
    return [{"code": code, "label": label,
             "proposers": sorted(department for department, types in domain.PROPOSERS.items() if code in types),
             "outcome_required": list(domain.REQUIRED_OUTCOME.get(code, ("summary",)))}
            for code, label in domain.SUPPORT_TYPES.items()]


def create_app(settings: Settings | None = None, service: SupportService | None = None) -> Flask:
    return create_write_app(service or bootstrap(settings), "NSCL — Hỗ trợ doanh nghiệp (support)",
                            "Hồ sơ hỗ trợ doanh nghiệp, Giải thưởng Chất lượng Quốc gia, nhiệm vụ KH&CN.", blp,
                            known_enterprises_blueprint("hỗ trợ", lambda: _support().known_enterprises),
                            plans_blp)
