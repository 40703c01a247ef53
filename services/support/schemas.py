from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.support.domain import AWARDS, FUNDING_SOURCES, STATES, SUPPORT_TYPES
from shared.inputs import DoneOn, Input, Int, NotBlank
from shared.pagination import PageQuery
from shared.reference import DEPARTMENTS

VND: dict[str, Any] = dict(metadata={"description": "số tiền (đồng, số nguyên)", "example": 150_000_000})
TEXT = [validate.Length(min=1, max=2000), NotBlank()]
MULTILINE = {"multiline": True}  # line breaks allowed
SUPPORT_TYPE: dict[str, Any] = dict(
    validate=validate.OneOf(sorted(SUPPORT_TYPES), error="không có trong danh mục loại hỗ trợ"),
    metadata={"description": "mã loại hỗ trợ (xem GET /api/v1/support-types)"})
SOURCE: dict[str, Any] = dict(
    validate=validate.OneOf(sorted(FUNDING_SOURCES), error="không có trong danh mục nguồn kinh phí"),
    metadata={"description": "nguồn kinh phí: state_st_budget (ngân sách sự nghiệp KH&CN) "
                             "hoặc other_lawful (nguồn hợp pháp khác)"})


def _day(what: str) -> fields.Date:
    return DoneOn(load_default=None, metadata={"description": f"{what} (mặc định: hôm nay, giờ Việt Nam; không sau "
                                                                 "hôm nay); là thời điểm nghiệp vụ của sự kiện"})


class ProposeCase(Input):
    enterprise_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                  metadata={"description": "mã định danh doanh nghiệp (từ dịch vụ registry)"})
    support_type = fields.String(required=True, **SUPPORT_TYPE)
    need = fields.String(required=True, validate=TEXT, metadata={"description": "nhu cầu hỗ trợ của doanh nghiệp",
                                                                  **MULTILINE})
    requested_amount = Int(required=True, validate=validate.Range(min=1), **VND)
    title = fields.String(validate=validate.Length(max=500), metadata={
        "description": "tên nhiệm vụ (bắt buộc với nhiệm vụ KH&CN st_task)"})
    proposed_on = _day("ngày đề xuất")


class Budget(Input):
    state_st_budget = Int(load_default=0, validate=validate.Range(min=0),
                                     metadata={"description": "ngân sách sự nghiệp KH&CN (đồng)"})
    other_lawful = Int(load_default=0, validate=validate.Range(min=0),
                                  metadata={"description": "nguồn vốn hợp pháp khác (đồng)"})


class ApproveCase(Input):
    budget = fields.Nested(Budget, required=True, metadata={"description": "kinh phí được duyệt theo nguồn"})
    approved_on = _day("ngày phê duyệt")
    note = fields.String(validate=validate.Length(max=2000), metadata={"description": "ghi chú của quyết định",
                                                                        **MULTILINE})


class RejectCase(Input):
    reason = fields.String(required=True, validate=TEXT, metadata={"description": "lý do không phê duyệt", **MULTILINE})
    rejected_on = _day("ngày quyết định")


class RecordMilestone(Input):
    on = _day("ngày đạt mốc")
    note = fields.String(required=True, validate=TEXT, metadata={"description": "nội dung mốc thực hiện", **MULTILINE})


class RecordDisbursement(Input):
    amount = Int(required=True, validate=validate.Range(min=1), **VND)
    source = fields.String(required=True, **SOURCE)
    disbursed_on = _day("ngày giải ngân")


class ReverseDisbursement(Input):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "lý do đảo (giải ngân nhầm hồ sơ, nhầm số tiền, ...)"})
    reversed_on = _day("ngày đảo bút toán")


class Outcome(Input):
    summary = fields.String(validate=validate.Length(max=2000),
                            metadata={"description": "tóm tắt kết quả", **MULTILINE})
    certificate_number = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "số giấy chứng nhận / văn bằng (bắt buộc với certification)"})
    certifying_body = fields.String(validate=validate.Length(max=300), metadata={"description": "tổ chức chứng nhận"})
    standards_issued = Int(validate=validate.Range(min=1), metadata={
        "description": "số tiêu chuẩn cơ sở đã ban hành (bắt buộc với base_standard)"})
    award = fields.String(validate=validate.OneOf(sorted(AWARDS), error="không có trong danh mục"), metadata={
        "description": "kết quả Giải thưởng Chất lượng Quốc gia: gold, silver, certificate, none "
                       "(bắt buộc với quality_award)"})


class CompleteCase(Input):
    outcome = fields.Nested(Outcome, required=True, metadata={"description": "kết quả hỗ trợ"})
    completed_on = _day("ngày hoàn thành, nghiệm thu")


class CancelCase(Input):
    reason = fields.String(required=True, validate=TEXT, metadata={"description": "lý do hủy", **MULTILINE})
    cancelled_on = _day("ngày hủy")


class MilestoneOut(Schema):
    on = fields.String()
    note = fields.String()


class DisbursementOut(Schema):
    id = fields.String(metadata={"description": "mã khoản giải ngân (để đảo bút toán nếu giải ngân nhầm)"})
    disbursed_on = fields.String()
    amount = Int()
    source = fields.String()
    reversed_on = fields.String(allow_none=True, metadata={"description": "ngày đảo bút toán, nếu giải ngân nhầm"})
    reversal_reason = fields.String(allow_none=True)


class Amounts(Schema):
    state_st_budget = fields.Integer()
    other_lawful = fields.Integer()


class EnterpriseRef(Schema):
    id = fields.String()
    name = fields.String()
    district_code = fields.String()


class CaseOut(Schema):
    id = fields.String()
    enterprise = fields.Nested(EnterpriseRef)
    support_type = fields.String()
    support_type_label = fields.String()
    title = fields.String(allow_none=True)
    need = fields.String()
    requested_amount = Int()
    proposed_on = fields.String()
    proposed_by = fields.String(metadata={"description": "đơn vị đề xuất"})
    state = fields.String(metadata={"description": "proposed, approved, rejected, in_progress, completed, cancelled"})
    state_label = fields.String()
    budget = fields.Nested(Amounts, metadata={"description": "kinh phí được duyệt theo nguồn"})
    disbursed = fields.Nested(Amounts, metadata={"description": "đã giải ngân theo nguồn"})
    remaining = fields.Nested(Amounts, metadata={"description": "còn lại theo nguồn"})
    approved_on = fields.String(allow_none=True)
    rejected_on = fields.String(allow_none=True)
    completed_on = fields.String(allow_none=True)
    cancelled_on = fields.String(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "lý do từ chối / hủy"})
    milestones = fields.List(fields.Nested(MilestoneOut))
    disbursements = fields.List(fields.Nested(DisbursementOut))
    outcome = fields.Dict(allow_none=True)
    version = fields.Integer()


class CaseRow(Schema):
    id = fields.String()
    enterprise_id = fields.String()
    enterprise_name = fields.String()
    district_code = fields.String()
    support_type = fields.String()
    title = fields.String(allow_none=True)
    state = fields.String()
    department = fields.String(metadata={"description": "đơn vị đề xuất"})
    proposed_on = fields.String()
    requested_amount = Int()
    budget = fields.Nested(Amounts)
    disbursed = fields.Nested(Amounts)
    outcome = fields.Dict(allow_none=True)
    version = fields.Integer()


class CaseQuery(PageQuery):
    type = fields.String(**SUPPORT_TYPE)
    state = fields.String(validate=validate.OneOf(sorted(STATES), error="không có trong danh mục trạng thái"),
                          metadata={"description": "trạng thái hồ sơ"})
    department = fields.String(validate=validate.OneOf(sorted(DEPARTMENTS), error="không có trong danh mục đơn vị"),
                               metadata={"description": "đơn vị đề xuất"})
    enterprise_id = fields.String(metadata={"description": "mã định danh doanh nghiệp"})
    year = Int(validate=validate.Range(min=2000, max=2100), metadata={"description": "năm đề xuất"})
    funding_source = fields.String(**SOURCE)


class SupportType(Schema):
    code = fields.String()
    label = fields.String()
    proposers = fields.List(fields.String(), metadata={
        "description": "đơn vị được đề xuất loại này (UBND cấp huyện: chỉ doanh nghiệp trên địa bàn)"})
    outcome_required = fields.List(fields.String(), metadata={"description": "trường kết quả bắt buộc"})
