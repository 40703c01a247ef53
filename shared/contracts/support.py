"""Events on ``nscl.support.events`` (streams: a support case id; an annual plan, ``plan-<year>``).

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
DISBURSEMENT_REVERSED = "SupportDisbursementReversed"
CASE_COMPLETED = "SupportCaseCompleted"
CASE_CANCELLED = "SupportCaseCancelled"
PLAN_DRAFTED = "AnnualPlanDrafted"
PLAN_SUBMITTED = "AnnualPlanSubmitted"
PLAN_APPROVED = "AnnualPlanApproved"
PLAN_RETURNED = "AnnualPlanReturned"
PLAN_REVISED = "AnnualPlanRevised"
PLAN_EVENTS = (PLAN_DRAFTED, PLAN_SUBMITTED, PLAN_APPROVED, PLAN_RETURNED, PLAN_REVISED)
PLAN_STREAM_PREFIX = "plan-"

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
# The task groups of an annual plan (seed 2.3.1–2.3.5); a ``support`` line names one of SUPPORT_TYPES.
TASK_GROUPS = {
    "policy": "Hoàn thiện cơ chế, chính sách thúc đẩy hoạt động nâng cao NSCL (2.3.1)",
    "outreach": "Thông tin, tuyên truyền về NSCL (2.3.2)",
    "honours": "Tôn vinh, khen thưởng tập thể, cá nhân có thành tích về NSCL (2.3.2)",
    "support": "Hỗ trợ doanh nghiệp áp dụng tiêu chuẩn, hệ thống quản lý, công cụ cải tiến NSCL (2.3.3)",
    "training": "Đào tạo, bồi dưỡng kiến thức, kỹ năng về NSCL (2.3.4)",
    "expert_training": "Đào tạo đội ngũ chuyên gia NSCL của địa phương (2.3.4)",
    "standardisation": "Xây dựng tiêu chuẩn cơ sở, quy chuẩn kỹ thuật địa phương (2.3.5)",
    "testing_capacity": "Tăng cường năng lực thử nghiệm, đo lường, đánh giá sự phù hợp (2.3.5)",
}
PLAN_STATES = {
    "draft": "Dự thảo", "submitted": "Đã gửi Sở Tài chính thẩm định", "returned": "Sở Tài chính trả lại",
    "approved": "Đã thẩm định, phê duyệt",
}


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


class DisbursementReversed(DisbursementRecorded):
    """A reversing entry: the disbursement (the event id of its DisbursementRecorded) made in error, with its
    amount, source and date, so that a consumer takes it off where it was counted."""
    disbursement_id = fields.String(required=True)
    reversed_on = date_field(required=True)
    reason = fields.String(required=True)


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


class PlanAmounts(Schema):
    line = fields.String(required=True)  # "outreach", "support.barcode", …: unique within a plan
    budget = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)  # by FUNDING_SOURCES


class PlanLine(PlanAmounts):
    task_group = fields.String(required=True)
    support_type = fields.String()  # only on ``support`` lines
    quantity = fields.Integer(required=True)


class PlanDrafted(Schema):
    year = fields.Integer(required=True)
    drafted_on = date_field(required=True)
    lines = fields.List(fields.Nested(PlanLine), required=True)


class PlanSubmitted(Schema):
    year = fields.Integer(required=True)
    submitted_on = date_field(required=True)


class PlanApproved(Schema):
    year = fields.Integer(required=True)
    approved_on = date_field(required=True)
    approved = fields.List(fields.Nested(PlanAmounts), required=True)  # every line's approved budget
    adjustments = fields.List(fields.Nested(PlanAmounts), required=True)  # the lines DOF changed


class PlanReturned(Schema):
    year = fields.Integer(required=True)
    returned_on = date_field(required=True)
    reason = fields.String(required=True)
    requested_adjustments = fields.List(fields.Nested(PlanAmounts), required=True)


class PlanRevised(Schema):
    year = fields.Integer(required=True)
    revised_on = date_field(required=True)
    reason = fields.String(required=True)
    changes = fields.List(fields.Nested(PlanLine), required=True)  # each replaces (or adds) its line
    needs_appraisal = fields.Boolean(required=True)


CONTRACT = Contract(TOPIC, {
    CASE_PROPOSED: CaseProposed, CASE_APPROVED: CaseApproved, CASE_REJECTED: CaseRejected,
    MILESTONE_RECORDED: MilestoneRecorded, DISBURSEMENT_RECORDED: DisbursementRecorded,
    DISBURSEMENT_REVERSED: DisbursementReversed,
    CASE_COMPLETED: CaseCompleted, CASE_CANCELLED: CaseCancelled,
    PLAN_DRAFTED: PlanDrafted, PLAN_SUBMITTED: PlanSubmitted, PLAN_APPROVED: PlanApproved,
    PLAN_RETURNED: PlanReturned, PLAN_REVISED: PlanRevised,
}, {
    CASE_PROPOSED: "Đề xuất hỗ trợ", CASE_APPROVED: "Phê duyệt hỗ trợ", CASE_REJECTED: "Không phê duyệt",
    MILESTONE_RECORDED: "Ghi nhận mốc thực hiện", DISBURSEMENT_RECORDED: "Giải ngân kinh phí",
    DISBURSEMENT_REVERSED: "Bút toán đảo giải ngân nhầm",
    CASE_COMPLETED: "Hoàn thành hỗ trợ", CASE_CANCELLED: "Huỷ hồ sơ hỗ trợ",
    PLAN_DRAFTED: "Dự thảo kế hoạch năm và dự trù kinh phí", PLAN_SUBMITTED: "Gửi Sở Tài chính thẩm định kế hoạch",
    PLAN_APPROVED: "Sở Tài chính thẩm định, phê duyệt kế hoạch", PLAN_RETURNED: "Sở Tài chính trả lại kế hoạch",
    PLAN_REVISED: "Điều chỉnh kế hoạch trong năm",
})
