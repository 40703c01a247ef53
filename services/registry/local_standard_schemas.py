"""What clients send and receive for base standards and local technical regulations."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.registry import local_standards
from shared.inputs import DoneOn, Input, Int, NotBlank
from shared.pagination import PageQuery

NOT_BLANK = NotBlank()
CODE: dict[str, Any] = dict(validate=[validate.Length(min=2, max=80), NOT_BLANK],
            metadata={"description": "số hiệu, ví dụ: QCĐP 01:2025/ĐT hoặc TCCS 02:2025/SKHCN; duy nhất "
                                     "(không phân biệt hoa thường, khoảng trắng)"})


def _kinds(what: str) -> dict[str, Any]:
    return {"validate": validate.OneOf(sorted(local_standards.KINDS), error="không có trong danh mục loại văn bản"),
            "metadata": {"description": f"{what}: " + "; ".join(f"{k} = {v}"
                                                              for k, v in local_standards.KINDS.items())}}


class StartDrafting(Input):
    code = fields.String(required=True, **CODE)
    kind = fields.String(required=True, **_kinds("loại văn bản"))
    title = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])
    field = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK],
                          metadata={"description": "lĩnh vực, ví dụ: xoài xuất khẩu, nước mắm"})
    started_on = DoneOn(load_default=None, metadata={"description": "mặc định: hôm nay; không sau hôm nay"})


class Issue(Input):
    issued_on = DoneOn(required=True, metadata={"description": "ngày ban hành (tính nhóm nhiệm vụ tiêu chuẩn hoá "
                                                              "của kế hoạch năm)"})
    decision_number = fields.String(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK],
                                    metadata={"description": "số quyết định ban hành"})


class Withdraw(Input):
    withdrawn_on = DoneOn(load_default=None, metadata={"description": "mặc định: hôm nay"})
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])
    replaced_by = fields.String(load_default=None, validate=validate.Length(min=2, max=80),
                                metadata={"description": "số hiệu của văn bản thay thế, nếu có"})


class LocalStandardOut(Schema):
    id = fields.String()
    code = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    title = fields.String()
    field = fields.String()
    drafting_department = fields.String()
    started_on = fields.String()
    state = fields.String()
    state_label = fields.String()
    issued_on = fields.String(allow_none=True)
    decision_number = fields.String(allow_none=True)
    withdrawn_on = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    replaced_by = fields.String(allow_none=True)
    version = fields.Integer()


class LocalStandardQuery(PageQuery):
    kind = fields.String(**_kinds("loại văn bản"))
    state = fields.String(validate=validate.OneOf(sorted(local_standards.STATES)),
                          metadata={"description": "drafting, issued hoặc withdrawn"})
    issued_in = Int(validate=validate.Range(min=2000, max=2100), metadata={"description": "năm ban hành"})
