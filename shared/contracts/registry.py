"""Events on ``nscl.registry.events`` that other services read (data fields listed are guaranteed)."""
from __future__ import annotations

from marshmallow import Schema, fields

from shared.contracts import Contract, date_field

TOPIC = "nscl.registry.events"

# stream: the enterprise id
ENTERPRISE_REGISTERED = "EnterpriseRegistered"
ENTERPRISE_PROFILE_UPDATED = "EnterpriseProfileUpdated"
ENTERPRISE_CLOSED = "EnterpriseClosed"
ENTERPRISE_MOVED = "EnterpriseMoved"  # placed in another administrative unit from a date (a move, a reorganisation)
PRIORITY_GROUP_APPLIED = "PriorityGroupApplied"
PRIORITY_GROUP_ENDED = "PriorityGroupEnded"
PRODUCT_ADDED = "ProductAdded"
PRODUCT_UPDATED = "ProductUpdated"
PRODUCT_REMOVED = "ProductRemoved"
CERTIFICATION_RECORDED = "CertificationRecorded"
CERTIFICATION_WITHDRAWN = "CertificationWithdrawn"
SURVEY_RECORDED = "SurveyRecorded"
SURVEY_WITHDRAWN = "SurveyWithdrawn"  # recorded by mistake (e.g. on the wrong enterprise): it counts nowhere
CERTIFICATION_CORRECTED = "CertificationCorrected"  # fields typed wrongly, given anew
CERTIFICATION_ANNULLED = "CertificationRecordAnnulled"  # recorded by mistake; not the body's withdrawal
# stream: the conformity-assessment body id
CONFORMITY_BODY_REGISTERED = "ConformityBodyRegistered"
CAPABILITY_FIELD_ADDED = "CapabilityFieldAdded"
CAPABILITY_FIELD_REMOVED = "CapabilityFieldRemoved"
CAPABILITY_FIELD_CORRECTED = "CapabilityFieldCorrected"  # typed wrongly: the fields given anew
CAPABILITY_FIELD_ANNULLED = "CapabilityFieldAnnulled"  # recorded by mistake (a removal is a real end)
# stream: "orgunit-<code>"
ORG_UNIT_ESTABLISHED = "OrgUnitEstablished"
ORG_UNIT_RENAMED = "OrgUnitRenamed"
ORG_UNIT_MERGED = "OrgUnitMerged"
ORG_UNIT_ABOLISHED = "OrgUnitAbolished"
ORG_UNIT_EVENTS = (ORG_UNIT_ESTABLISHED, ORG_UNIT_RENAMED, ORG_UNIT_MERGED, ORG_UNIT_ABOLISHED)
ORG_UNIT_STREAM_PREFIX = "orgunit-"
# stream: "localstd-<digest of the code>": base standards and local technical regulations the province builds
LOCAL_STANDARD_DRAFTING_STARTED = "LocalStandardDraftingStarted"
LOCAL_STANDARD_ISSUED = "LocalStandardIssued"
LOCAL_STANDARD_WITHDRAWN = "LocalStandardWithdrawn"
LOCAL_STANDARD_STREAM_PREFIX = "localstd-"
LOCAL_STANDARD_KINDS = {"base_standard": "Tiêu chuẩn cơ sở (TCCS)",
                        "local_regulation": "Quy chuẩn kỹ thuật địa phương (QCĐP)"}


class EnterpriseRegistered(Schema):
    tax_code = fields.String(required=True)
    name = fields.String(required=True)
    district_code = fields.String(required=True)
    district_name = fields.String(required=True)
    registered_on = date_field(required=True)
    commune = fields.String()
    address = fields.String()
    ownership = fields.String()
    size_class = fields.String()
    industry_code = fields.String()


class EnterpriseMoved(Schema):
    district_code = fields.String(required=True)
    district_name = fields.String(required=True)
    moved_on = date_field(required=True)
    reason = fields.String(required=True)


class EnterpriseProfileUpdated(Schema):
    """Only the changed profile fields, among those of EnterpriseRegistered."""
    name = fields.String()
    district_code = fields.String()
    district_name = fields.String()
    ownership = fields.String()
    size_class = fields.String()


class EnterpriseClosed(Schema):
    reason = fields.String(required=True)
    closed_on = date_field(required=True)


class PriorityGroupApplied(Schema):
    group = fields.String(required=True)
    since = date_field(required=True)
    ocop_stars = fields.Integer()


class PriorityGroupEnded(Schema):
    group = fields.String(required=True)
    until = date_field(required=True)


class ProductEvent(Schema):
    product_id = fields.String(required=True)


class CertificationRecorded(Schema):
    certification_id = fields.String(required=True)
    standard = fields.String(required=True)
    certificate_number = fields.String(required=True)
    valid_from = date_field(required=True)
    valid_to = date_field(allow_none=True)


class CertificationWithdrawn(Schema):
    certification_id = fields.String(required=True)
    withdrawn_on = date_field(required=True)


class SurveyWithdrawn(Schema):
    survey_id = fields.String(required=True)
    reason = fields.String(required=True)


class CertificationCorrected(Schema):
    certification_id = fields.String(required=True)
    changes = fields.Dict(required=True)  # the fields of CertificationRecorded given anew
    reason = fields.String(required=True)


class CertificationAnnulled(Schema):
    certification_id = fields.String(required=True)
    reason = fields.String(required=True)


class SurveyRecorded(Schema):
    survey_id = fields.String(required=True)
    surveyed_on = date_field(required=True)
    kind = fields.String(required=True)


class ConformityBodyRegistered(Schema):
    name = fields.String(required=True)
    district_code = fields.String(required=True)
    enterprise_id = fields.String(allow_none=True)
    registered_on = date_field(required=True)


class CapabilityFieldAdded(Schema):
    field_id = fields.String(required=True)
    kind = fields.String(required=True)  # testing, calibration, inspection
    name = fields.String(required=True)
    added_on = date_field(required=True)


class CapabilityFieldRemoved(Schema):
    field_id = fields.String(required=True)
    removed_on = date_field(required=True)


class CapabilityFieldCorrected(Schema):
    field_id = fields.String(required=True)
    changes = fields.Dict(required=True)  # the fields of CapabilityFieldAdded given anew
    reason = fields.String(required=True)


class CapabilityFieldAnnulled(Schema):
    field_id = fields.String(required=True)
    reason = fields.String(required=True)


class OrgUnitEstablished(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    level = fields.String(required=True)
    parent_code = fields.String(allow_none=True)
    effective_from = date_field(required=True)


class OrgUnitRenamed(Schema):
    name = fields.String(required=True)
    effective_from = date_field(required=True)


class OrgUnitMerged(Schema):
    successor_code = fields.String(required=True)
    effective_from = date_field(required=True)


class OrgUnitAbolished(Schema):
    successor_code = fields.String(allow_none=True)
    effective_from = date_field(required=True)


class LocalStandardDraftingStarted(Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True)  # LOCAL_STANDARD_KINDS
    title = fields.String(required=True)
    field = fields.String(required=True)
    drafting_department = fields.String(required=True)
    started_on = date_field(required=True)


class LocalStandardIssued(Schema):
    issued_on = date_field(required=True)
    decision_number = fields.String(required=True)


class LocalStandardWithdrawn(Schema):
    withdrawn_on = date_field(required=True)
    reason = fields.String(required=True)
    replaced_by = fields.String(allow_none=True)


CONTRACT = Contract(TOPIC, {
    ENTERPRISE_REGISTERED: EnterpriseRegistered, ENTERPRISE_PROFILE_UPDATED: EnterpriseProfileUpdated,
    ENTERPRISE_CLOSED: EnterpriseClosed, ENTERPRISE_MOVED: EnterpriseMoved,
    PRIORITY_GROUP_APPLIED: PriorityGroupApplied,
    PRIORITY_GROUP_ENDED: PriorityGroupEnded, PRODUCT_ADDED: ProductEvent, PRODUCT_UPDATED: ProductEvent,
    PRODUCT_REMOVED: ProductEvent, CERTIFICATION_RECORDED: CertificationRecorded,
    CERTIFICATION_WITHDRAWN: CertificationWithdrawn, SURVEY_RECORDED: SurveyRecorded,
    SURVEY_WITHDRAWN: SurveyWithdrawn, CERTIFICATION_CORRECTED: CertificationCorrected,
    CERTIFICATION_ANNULLED: CertificationAnnulled,
    CONFORMITY_BODY_REGISTERED: ConformityBodyRegistered, CAPABILITY_FIELD_ADDED: CapabilityFieldAdded,
    CAPABILITY_FIELD_REMOVED: CapabilityFieldRemoved, CAPABILITY_FIELD_CORRECTED: CapabilityFieldCorrected,
    CAPABILITY_FIELD_ANNULLED: CapabilityFieldAnnulled, ORG_UNIT_ESTABLISHED: OrgUnitEstablished,
    ORG_UNIT_RENAMED: OrgUnitRenamed, ORG_UNIT_MERGED: OrgUnitMerged, ORG_UNIT_ABOLISHED: OrgUnitAbolished,
    LOCAL_STANDARD_DRAFTING_STARTED: LocalStandardDraftingStarted, LOCAL_STANDARD_ISSUED: LocalStandardIssued,
    LOCAL_STANDARD_WITHDRAWN: LocalStandardWithdrawn,
}, {
    ENTERPRISE_REGISTERED: "Đăng ký doanh nghiệp", ENTERPRISE_PROFILE_UPDATED: "Cập nhật thông tin doanh nghiệp",
    ENTERPRISE_CLOSED: "Doanh nghiệp ngừng hoạt động", ENTERPRISE_MOVED: "Chuyển đơn vị hành chính",
    PRIORITY_GROUP_APPLIED: "Ghi nhận nhóm ưu tiên",
    PRIORITY_GROUP_ENDED: "Kết thúc nhóm ưu tiên", PRODUCT_ADDED: "Thêm sản phẩm", PRODUCT_UPDATED: "Cập nhật sản phẩm",
    PRODUCT_REMOVED: "Bỏ sản phẩm", CERTIFICATION_RECORDED: "Ghi nhận chứng nhận",
    CERTIFICATION_WITHDRAWN: "Thu hồi chứng nhận", SURVEY_RECORDED: "Khảo sát, chẩn đoán doanh nghiệp",
    SURVEY_WITHDRAWN: "Rút khảo sát ghi nhầm", CERTIFICATION_CORRECTED: "Đính chính chứng nhận",
    CERTIFICATION_ANNULLED: "Huỷ bản ghi chứng nhận ghi nhầm",
    CONFORMITY_BODY_REGISTERED: "Ghi nhận tổ chức đánh giá sự phù hợp",
    CAPABILITY_FIELD_ADDED: "Bổ sung lĩnh vực thử nghiệm, hiệu chuẩn, kiểm định",
    CAPABILITY_FIELD_REMOVED: "Bỏ lĩnh vực thử nghiệm, hiệu chuẩn, kiểm định",
    CAPABILITY_FIELD_CORRECTED: "Đính chính lĩnh vực thử nghiệm, hiệu chuẩn, kiểm định",
    CAPABILITY_FIELD_ANNULLED: "Huỷ lĩnh vực ghi nhầm",
    ORG_UNIT_ESTABLISHED: "Thành lập / ghi nhận đơn vị", ORG_UNIT_RENAMED: "Đổi tên đơn vị",
    ORG_UNIT_MERGED: "Sáp nhập vào đơn vị khác", ORG_UNIT_ABOLISHED: "Giải thể / bỏ cấp đơn vị",
    LOCAL_STANDARD_DRAFTING_STARTED: "Bắt đầu xây dựng tiêu chuẩn cơ sở / quy chuẩn kỹ thuật địa phương",
    LOCAL_STANDARD_ISSUED: "Ban hành tiêu chuẩn cơ sở / quy chuẩn kỹ thuật địa phương",
    LOCAL_STANDARD_WITHDRAWN: "Bãi bỏ / thay thế tiêu chuẩn cơ sở / quy chuẩn kỹ thuật địa phương",
})
