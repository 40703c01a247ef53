"""Events on ``nscl.support.events`` (stream: the support case id).

Only ``SupportCaseProposed`` names the enterprise and the support type; the later events of a case carry
their own facts (dates, budget, outcome) and a consumer folds the case's stream to place them.
"""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

from shared.contracts import Contract, date_field

TOPIC = "nscl.support.events"

CASE_PROPOSED = "SupportCaseProposed"
CASE_APPROVED = "SupportCaseApproved"
CASE_REJECTED = "SupportCaseRejected"
MILESTONE_RECORDED = "SupportMilestoneRecorded"
DISBURSEMENT_RECORDED = "SupportDisbursementRecorded"
CASE_COMPLETED = "SupportCaseCompleted"
CASE_CANCELLED = "SupportCaseCancelled"

# The codes this topic uses, with what people read (the support service's catalogue; seed 2.3.3 and 2.4).
SUPPORT_TYPES = {
    "management_system": "Xây dựng, áp dụng hệ thống quản lý",
    "improvement_tool": "Áp dụng công cụ cải tiến năng suất chất lượng (5S, Kaizen, Lean, 6 Sigma, TPM, KPI…)",
    "traceability": "Áp dụng hệ thống truy xuất nguồn gốc sản phẩm, hàng hóa",
    "gap_organic": "Áp dụng thực hành nông nghiệp tốt (GAP), sản xuất nông nghiệp hữu cơ",
    "digital_transformation": "Ứng dụng công nghệ thông tin, chuyển đổi số trong quản trị doanh nghiệp",
    "certification": "Chứng nhận sản phẩm, hàng hóa, hệ thống quản lý, hệ thống truy xuất nguồn gốc",
    "barcode": "Mã số mã vạch",
    "base_standard": "Xây dựng tiêu chuẩn cơ sở (TCCS)",
    "label": "Nhãn hàng hóa",
    "intellectual_property": "Sở hữu trí tuệ",
    "technology_transfer": "Chuyển giao, đổi mới công nghệ",
    "quality_award": "Tham gia Giải thưởng Chất lượng Quốc gia",
    "st_task": "Nhiệm vụ khoa học và công nghệ nâng cao năng suất các nhân tố tổng hợp (TFP)",
}
STATES = {
    "proposed": "Đã đề xuất", "approved": "Đã phê duyệt", "rejected": "Không phê duyệt",
    "in_progress": "Đang thực hiện", "completed": "Đã hoàn thành", "cancelled": "Đã hủy",
}
FUNDING_SOURCES = {
    "state_st_budget": "Ngân sách nhà nước (kinh phí sự nghiệp khoa học và công nghệ)",
    "other_lawful": "Các nguồn vốn huy động hợp pháp khác",
}
AWARD_GOLD = "gold"


class CaseProposed(Schema):
    enterprise_id = fields.String(required=True)
    enterprise_name = fields.String(required=True)
    district_code = fields.String(required=True)
    support_type = fields.String(required=True)
    requested_amount = fields.Integer(required=True)
    proposed_on = date_field(required=True)
    proposed_by = fields.String(required=True)
    title = fields.String()


class CaseApproved(Schema):
    budget = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    approved_on = date_field(required=True)


class CaseRejected(Schema):
    reason = fields.String(required=True)
    rejected_on = date_field(required=True)


class MilestoneRecorded(Schema):
    on = date_field(required=True)
    note = fields.String(required=True)


class DisbursementRecorded(Schema):
    amount = fields.Integer(required=True)
    source = fields.String(required=True)
    disbursed_on = date_field(required=True)


class Outcome(Schema):
    class Meta:
        unknown = INCLUDE  # an outcome carries the fields of its support type; these are the ones relied on

    award = fields.String()  # quality_award cases: gold, silver, certificate, none
    standards_issued = fields.Integer()
    certificate_number = fields.String()
    summary = fields.String()


class CaseCompleted(Schema):
    outcome = fields.Nested(Outcome, required=True)
    completed_on = date_field(required=True)


class CaseCancelled(Schema):
    reason = fields.String(required=True)
    cancelled_on = date_field(required=True)


CONTRACT = Contract(TOPIC, {
    CASE_PROPOSED: CaseProposed, CASE_APPROVED: CaseApproved, CASE_REJECTED: CaseRejected,
    MILESTONE_RECORDED: MilestoneRecorded, DISBURSEMENT_RECORDED: DisbursementRecorded,
    CASE_COMPLETED: CaseCompleted, CASE_CANCELLED: CaseCancelled,
}, {
    CASE_PROPOSED: "Đề xuất hỗ trợ", CASE_APPROVED: "Phê duyệt hỗ trợ", CASE_REJECTED: "Không phê duyệt",
    MILESTONE_RECORDED: "Ghi nhận mốc thực hiện", DISBURSEMENT_RECORDED: "Giải ngân kinh phí",
    CASE_COMPLETED: "Hoàn thành hỗ trợ", CASE_CANCELLED: "Huỷ hồ sơ hỗ trợ",
})
