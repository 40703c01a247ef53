from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.registry.domain import is_valid_tax_code
from shared.reference import DISTRICTS

DISTRICT_CODE = dict(validate=validate.OneOf(sorted(DISTRICTS), error="không có trong danh mục đơn vị hành chính"),
                     metadata={"description": "mã đơn vị hành chính cấp huyện (xem GET /api/v1/districts)"})
NAME = dict(validate=[validate.Length(min=1, max=300),
                      validate.Regexp(r".*\S", error="không được để trống")],
            metadata={"description": "tên doanh nghiệp"})


class RegisterEnterprise(Schema):
    tax_code = fields.String(required=True, metadata={
        "description": "mã số thuế: 10 chữ số, hoặc 10 chữ số + '-' + 3 chữ số (chi nhánh)",
        "example": "1400123456"})
    name = fields.String(required=True, **NAME)
    district_code = fields.String(required=True, **DISTRICT_CODE)
    registered_on = fields.Date(load_default=None, metadata={
        "description": "ngày doanh nghiệp tham gia chương trình (mặc định: hôm nay)"})

    @validates("tax_code")
    def _tax_code(self, value: str, **_) -> None:
        if not is_valid_tax_code(value):
            raise ValidationError("mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số + '-' + 3 chữ số")


class UpdateProfile(Schema):
    name = fields.String(**NAME)
    district_code = fields.String(**DISTRICT_CODE)


class District(Schema):
    code = fields.String()
    name = fields.String()


class EnterpriseOut(Schema):
    id = fields.String()
    tax_code = fields.String()
    name = fields.String()
    district = fields.Nested(District)
    registered_on = fields.String()
    status = fields.String()
    version = fields.Integer()
