"""Request and response bodies of the annual plans (/api/v1/plans)."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.support import plans
from services.support.schemas import TEXT, Amounts, Budget, _day
from shared.inputs import Input, Int
from shared.pagination import PageQuery

YEAR: dict[str, Any] = dict(validate=validate.Range(min=plans.YEARS.start, max=plans.YEARS.stop - 1),
            metadata={"description": f"năm kế hoạch ({plans.YEARS.start}–{plans.YEARS.stop - 1})"})
REASON: dict[str, Any] = dict(required=True, validate=TEXT)


class PlanLineIn(Input):
    task_group = fields.String(required=True, validate=validate.OneOf(
        sorted(plans.TASK_GROUPS), error="không có trong danh mục nhóm nhiệm vụ"), metadata={
        "description": "nhóm nhiệm vụ (mục 2.3 của kế hoạch): " + ", ".join(plans.TASK_GROUPS)})
    support_type = fields.String(validate=validate.OneOf(sorted(plans.SUPPORT_TYPES),
                                                         error="không có trong danh mục loại hỗ trợ"),
                                 metadata={"description": "loại hỗ trợ (chỉ với nhóm support)"})
    quantity = Int(required=True, validate=validate.Range(min=0), metadata={
        "description": "số lượng dự kiến (đơn vị theo nhóm: hoạt động, hồ sơ, khoá, chuyên gia, …)"})
    budget = fields.Nested(Budget, required=True, metadata={"description": "kinh phí dự trù theo nguồn"})


class LineBudget(Input):
    line = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "mã dòng kế hoạch, ví dụ outreach hoặc support.barcode"})
    budget = fields.Nested(Budget, required=True)


LINES: dict[str, Any] = dict(required=True, validate=validate.Length(min=1, max=100))


class DraftPlan(Input):
    year = Int(required=True, **YEAR)
    lines = fields.List(fields.Nested(PlanLineIn), **LINES)
    drafted_on = _day("ngày dự thảo")


class RedraftPlan(Input):
    lines = fields.List(fields.Nested(PlanLineIn), **LINES)
    drafted_on = _day("ngày dự thảo lại")


class SubmitPlan(Input):
    submitted_on = _day("ngày gửi Sở Tài chính")


class ApprovePlan(Input):
    approved_on = _day("ngày phê duyệt")
    adjustments = fields.List(fields.Nested(LineBudget), load_default=list, metadata={
        "description": "kinh phí được duyệt của những dòng Sở Tài chính điều chỉnh (các dòng khác: như dự trù)"})


class ReturnPlan(Input):
    reason = fields.String(**REASON, metadata={"description": "lý do trả lại"})
    returned_on = _day("ngày trả lại")
    requested_adjustments = fields.List(fields.Nested(LineBudget), load_default=list,
                                        metadata={"description": "kinh phí đề nghị điều chỉnh theo dòng"})


class RevisePlan(Input):
    changes = fields.List(fields.Nested(PlanLineIn), **LINES, metadata={
        "description": "các dòng thay đổi hoặc thêm mới; thay đổi kinh phí cần Sở Tài chính thẩm định lại"})
    reason = fields.String(**REASON, metadata={"description": "lý do điều chỉnh"})
    revised_on = _day("ngày điều chỉnh")


class PlanLineOut(Schema):
    line = fields.String()
    task_group = fields.String()
    task_group_label = fields.String()
    support_type = fields.String(allow_none=True)
    support_type_label = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit = fields.String(metadata={"description": "đơn vị của số lượng"})
    budget = fields.Nested(Amounts, metadata={"description": "kinh phí dự trù theo nguồn"})
    approved = fields.Nested(Amounts, allow_none=True, metadata={"description": "kinh phí được duyệt theo nguồn"})


class Totals(Schema):
    estimated = fields.Nested(Amounts)
    approved = fields.Nested(Amounts)


class Revision(Schema):
    revised_on = fields.String()
    reason = fields.String()
    lines = fields.List(fields.String())
    needs_appraisal = fields.Boolean()


class PlanOut(Schema):
    id = fields.String()
    year = fields.Integer()
    state = fields.String(metadata={"description": "draft, submitted, returned, approved"})
    state_label = fields.String()
    lines = fields.List(fields.Nested(PlanLineOut))
    totals = fields.Nested(Totals, metadata={"description": "tổng dự trù và tổng được duyệt theo nguồn"})
    drafted_on = fields.String()
    submitted_on = fields.String(allow_none=True)
    approved_on = fields.String(allow_none=True)
    returned_on = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    requested_adjustments = fields.List(fields.Nested(LineBudget))
    revisions = fields.List(fields.Nested(Revision))
    version = fields.Integer()
    history = fields.String(metadata={"description": "đường dẫn lịch sử sự kiện của kế hoạch"})


class PlanQuery(PageQuery):
    year = Int(**YEAR)
    state = fields.String(validate=validate.OneOf(sorted(plans.STATES), error="không có trong danh mục trạng thái"),
                          metadata={"description": "trạng thái kế hoạch"})


class TaskGroup(Schema):
    code = fields.String()
    label = fields.String()
    unit = fields.String()
