from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.registry import conformity, units
from services.registry.domain import OWNERSHIP, PRIORITY_GROUPS, SIZE_CLASSES, STANDARDS, SURVEY_AREAS, TAX_CODE_PATTERN
from shared.inputs import UNIT_CODE, Code, DoneOn, Input, Int, NotBlank, QueryInput
from shared.pagination import PageQuery


def _one_of(catalogue: dict, what: str) -> dict:
    return {"validate": validate.OneOf(sorted(catalogue), error=f"không có trong danh mục {what}"),
            "metadata": {"description": f"{what}: " + "; ".join(f"{k} = {v}" for k, v in catalogue.items())}}


NOT_BLANK = NotBlank()
DISTRICT_CODE: dict[str, Any] = dict(
    validate=UNIT_CODE,
    metadata={"description": "mã đơn vị hành chính đang có hiệu lực vào ngày ghi nhận: cấp huyện theo Kế hoạch "
                             "2021 (GET /api/v1/districts) trước 01/07/2025, cấp xã/phường của cấu trúc mới từ đó "
                             "(GET /api/v1/units); đơn vị đã sáp nhập hoặc giải thể bị từ chối (422)"})
NAME: dict[str, Any] = dict(validate=[validate.Length(min=1, max=300), NOT_BLANK],
                            metadata={"description": "tên doanh nghiệp"})
DATE_DEFAULT_TODAY: dict[str, Any] = {"load_default": None,
                                      "metadata": {"description": "mặc định: hôm nay (giờ Việt Nam); "
                                                                  "không sau hôm nay"}}


class Contact(Input):
    representative = fields.String(validate=validate.Length(max=200), metadata={"description": "người đại diện"})
    phone = fields.String(validate=Code(r"[0-9+ .()-]{6,20}", error="số điện thoại không hợp lệ"))
    email = fields.Email()


class Profile(Input):
    address = fields.String(validate=validate.Length(max=500), metadata={"description": "địa chỉ"})
    commune = fields.String(validate=validate.Length(max=200), metadata={"description": "xã, phường, thị trấn"})
    ownership = fields.String(**_one_of(OWNERSHIP, "loại hình sở hữu"))
    size_class = fields.String(**_one_of(SIZE_CLASSES, "quy mô"))
    industry_code = fields.String(validate=Code(r"[A-U]?[0-9]{0,5}", error="mã ngành VSIC không hợp lệ"),
                                  metadata={"description": "mã ngành kinh tế (VSIC), ví dụ C1020"})
    contact = fields.Nested(Contact)


class RegisterEnterprise(Profile):
    tax_code = fields.String(required=True, validate=Code(
        TAX_CODE_PATTERN, error="mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số + '-' + 3 chữ số"), metadata={
        "description": "mã số thuế: 10 chữ số, hoặc 10 chữ số + '-' + 3 chữ số (chi nhánh)",
        "example": "1400123456"})
    name = fields.String(required=True, **NAME)
    district_code = fields.String(required=True, **DISTRICT_CODE)
    registered_on = DoneOn(load_default=None, metadata={
        "description": "ngày doanh nghiệp tham gia chương trình (mặc định: hôm nay; không sau hôm nay)"})


class UpdateProfile(Profile):
    name = fields.String(**NAME)
    district_code = fields.String(**DISTRICT_CODE)


class MoveEnterprise(Input):
    district_code = fields.String(required=True, **DISTRICT_CODE)
    moved_on = DoneOn(**DATE_DEFAULT_TODAY)
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK],
                           metadata={"description": "lý do: chuyển trụ sở, sắp xếp đơn vị hành chính, …"})


class CloseEnterprise(Input):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])
    closed_on = DoneOn(**DATE_DEFAULT_TODAY)


class ApplyPriorityGroup(Input):
    group = fields.String(required=True, **_one_of(PRIORITY_GROUPS, "nhóm ưu tiên (mục 2.2)"))
    since = DoneOn(required=True, metadata={"description": "ngày bắt đầu thuộc nhóm"})
    ocop_stars = Int(validate=validate.Range(min=3, max=5), metadata={"description": "số sao OCOP"})


class EndPriorityGroup(Input):
    until = DoneOn(**DATE_DEFAULT_TODAY)


class ProductIn(Input):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    category = fields.String(validate=validate.Length(max=200), metadata={"description": "nhóm sản phẩm"})
    priority_groups = fields.List(fields.String(validate=validate.OneOf(sorted(PRIORITY_GROUPS))), load_default=list)
    ocop_stars = Int(validate=validate.Range(min=3, max=5))


class ProductChanges(ProductIn):
    name = fields.String(validate=[validate.Length(min=1, max=300), NOT_BLANK])
    priority_groups = fields.List(fields.String(validate=validate.OneOf(sorted(PRIORITY_GROUPS))))


class CertificationIn(Input):
    standard = fields.String(required=True, **_one_of(STANDARDS, "hệ thống quản lý / chứng nhận"))
    certificate_number = fields.String(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    body = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK],
                         metadata={"description": "tổ chức chứng nhận"})
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None)
    scope = fields.String(validate=validate.Length(max=500))


class WithdrawCertification(Input):
    withdrawn_on = DoneOn(**DATE_DEFAULT_TODAY)
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])


class Correction(Input):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK],
                           metadata={"description": "lý do (ghi nhầm, nhập sai, ...)"})


class CorrectCertification(Correction):
    standard = fields.String(**_one_of(STANDARDS, "hệ thống quản lý / chứng nhận"))
    certificate_number = fields.String(validate=[validate.Length(min=1, max=100), NOT_BLANK])
    body = fields.String(validate=[validate.Length(min=1, max=300), NOT_BLANK])
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    scope = fields.String(validate=validate.Length(max=500))


class SurveyIn(Input):
    surveyed_on = DoneOn(required=True)
    kind = fields.String(load_default="survey", validate=validate.OneOf(["survey", "diagnosis"]),
                         metadata={"description": "survey = khảo sát, diagnosis = chẩn đoán"})
    scores = fields.Dict(keys=fields.String(validate=validate.OneOf(SURVEY_AREAS)),
                         values=Int(validate=validate.Range(min=0, max=100)), load_default=dict,
                         metadata={"description": "điểm 0–100 theo lĩnh vực: " + ", ".join(SURVEY_AREAS)})
    needs = fields.List(fields.String(validate=validate.Length(min=1, max=300)), load_default=list,
                        metadata={"description": "nhu cầu hỗ trợ đã xác định"})
    surveyor = fields.String(validate=validate.Length(max=200))


class District(Schema):
    code = fields.String()
    name = fields.String()


class Certification(Schema):
    certification_id = fields.String()
    standard = fields.String()
    standard_name = fields.String()
    certificate_number = fields.String()
    body = fields.String()
    valid_from = fields.String()
    valid_to = fields.String(allow_none=True)
    scope = fields.String(allow_none=True)
    withdrawn_on = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "valid / expired / withdrawn / not_yet_valid (hôm nay)"})


class EnterpriseOut(Schema):
    id = fields.String()
    tax_code = fields.String()
    name = fields.String()
    district = fields.Nested(District)
    address = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)
    ownership = fields.String(allow_none=True)
    size_class = fields.String(allow_none=True)
    industry_code = fields.String(allow_none=True)
    contact = fields.Nested(Contact, allow_none=True)
    registered_on = fields.String()
    registered_by = fields.String(metadata={"description": "đơn vị đã đăng ký, quản lý hồ sơ doanh nghiệp"})
    status = fields.String(metadata={"description": "open = đang hoạt động, closed = ngừng hoạt động"})
    closed_on = fields.String(allow_none=True)
    priority_groups = fields.List(fields.Dict())
    products = fields.List(fields.Dict())
    certifications = fields.List(fields.Nested(Certification))
    surveys = fields.List(fields.Dict())
    version = fields.Integer()


class EnterpriseRow(Schema):
    id = fields.String()
    tax_code = fields.String()
    name = fields.String()
    district_code = fields.String()
    district_name = fields.String()
    ownership = fields.String(allow_none=True)
    size_class = fields.String(allow_none=True)
    status = fields.String()
    registered_on = fields.String()
    priority_groups = fields.List(fields.String())
    standards = fields.List(fields.String(), metadata={"description": "chứng nhận đang hiệu lực"})


class EnterpriseQuery(PageQuery):
    district_code = fields.String(**DISTRICT_CODE)
    ownership = fields.String(**_one_of(OWNERSHIP, "loại hình sở hữu"))
    size_class = fields.String(**_one_of(SIZE_CLASSES, "quy mô"))
    priority_group = fields.String(**_one_of(PRIORITY_GROUPS, "nhóm ưu tiên"))
    standard = fields.String(**_one_of(STANDARDS, "chứng nhận đang hiệu lực"))
    status = fields.String(validate=validate.OneOf(["open", "closed"]))
    q = fields.String(validate=validate.Length(min=1, max=100),
                      metadata={"description": "tìm theo tên (không phân biệt dấu) hoặc mã số thuế"})
    sort = fields.String(load_default="name", validate=validate.OneOf(
        ["name", "-name", "tax_code", "-tax_code", "registered_on", "-registered_on"]))


# ---- conformity-assessment bodies -------------------------------------------------------------------------
class RegisterBody(Input):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    district_code = fields.String(required=True, **DISTRICT_CODE)
    enterprise_id = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                                  metadata={"description": "doanh nghiệp chủ quản, nếu có: phải đã đăng ký"})
    registered_on = DoneOn(**DATE_DEFAULT_TODAY)


class AddField(Input):
    kind = fields.String(required=True, **_one_of(conformity.FIELD_KINDS, "loại lĩnh vực"))
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK],
                         metadata={"description": "tên lĩnh vực, ví dụ: hiệu chuẩn cân phân tích"})
    added_on = DoneOn(required=True, metadata={"description": "ngày lĩnh vực được bổ sung (tính chỉ tiêu I5)"})
    accreditation = fields.String(validate=validate.Length(max=200),
                                  metadata={"description": "số quyết định / chứng chỉ công nhận"})


class CorrectField(Correction):
    kind = fields.String(**_one_of(conformity.FIELD_KINDS, "loại lĩnh vực"))
    name = fields.String(validate=[validate.Length(min=1, max=300), NOT_BLANK])
    added_on = DoneOn(metadata={"description": "ngày lĩnh vực được bổ sung (tính chỉ tiêu I5)"})
    accreditation = fields.String(allow_none=True, validate=validate.Length(max=200))


class RemoveField(Input):
    removed_on = DoneOn(**DATE_DEFAULT_TODAY)
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])


class BodyOut(Schema):
    id = fields.String()
    name = fields.String()
    district_code = fields.String()
    enterprise_id = fields.String(allow_none=True)
    registered_on = fields.String()
    recorded_by = fields.String(metadata={"description": "đơn vị đã ghi nhận, quản lý tổ chức"})
    fields_ = fields.List(fields.Dict(), data_key="fields")
    version = fields.Integer()


class BodyQuery(PageQuery):
    kind = fields.String(**_one_of(conformity.FIELD_KINDS, "loại lĩnh vực đang hoạt động"))
    district_code = fields.String(**DISTRICT_CODE)


# ---- administrative units and departments ------------------------------------------------------------------
class EstablishUnit(Input):
    code = fields.String(required=True, validate=UNIT_CODE)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    category = fields.String(required=True, **_one_of(units.CATEGORIES, "loại đơn vị"))
    level = fields.String(required=True, **_one_of(units.LEVELS, "cấp"))
    parent_code = fields.String(load_default=None, validate=UNIT_CODE,
                                metadata={"description": "đơn vị cấp trên: phải đã có và còn hoạt động"})
    effective_from = fields.Date(required=True)


MAX_UNITS_PER_REQUEST = 2000


class EstablishUnits(Input):
    units = fields.List(fields.Nested(EstablishUnit), required=True,
                        validate=validate.Length(min=1, max=MAX_UNITS_PER_REQUEST),
                        metadata={"description": "các đơn vị, đơn vị cấp trên trước đơn vị cấp dưới "
                                                 f"(tối đa {MAX_UNITS_PER_REQUEST} mỗi lần)"})


class UnitLoaded(Schema):
    code = fields.String()
    result = fields.String(metadata={"description": "recorded (mới ghi), replayed (đã ghi bởi lần gửi trước), "
                                                    "already_recorded (đơn vị đã có từ trước, giữ nguyên)"})


class UnitsLoaded(Schema):
    recorded = fields.Integer()
    replayed = fields.Integer()
    already_recorded = fields.Integer()
    units = fields.List(fields.Nested(UnitLoaded))


class RenameUnit(Input):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    effective_from = fields.Date(required=True)


class MergeUnit(Input):
    successor_code = fields.String(required=True, validate=UNIT_CODE,
                                   metadata={"description": "đơn vị tiếp nhận: phải đã có và còn hoạt động"})
    effective_from = fields.Date(required=True)


class AbolishUnit(Input):
    successor_code = fields.String(load_default=None, validate=UNIT_CODE, metadata={
        "description": "đơn vị tiếp nhận, nếu có: phải đã có và còn hoạt động vào ngày hiệu lực"})
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])
    effective_from = fields.Date(required=True)


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    category = fields.String()
    level = fields.String()
    status = fields.String(metadata={"description": "active / merged / abolished / not_yet_established"})
    successor_code = fields.String(allow_none=True)
    version = fields.Integer()


class UnitResolution(Schema):
    on = fields.String()
    requested = fields.Nested(UnitOut)
    in_force = fields.Nested(UnitOut, metadata={"description": "đơn vị có hiệu lực vào ngày đó"})
    chain = fields.List(fields.Nested(UnitOut))


class OnQuery(QueryInput):
    on = fields.Date(load_default=None, metadata={"description": "ngày (mặc định: hôm nay)"})


class UnitQuery(OnQuery):
    category = fields.String(**_one_of(units.CATEGORIES, "loại đơn vị"))
