"""Who a person is in training's records (a course participant, an expert), and where they come from.

Identity: the national ID number (CCCD, 9 or 12 digits) when it is given; otherwise the full name, normalised
(Unicode NFC, case-folded, inner spaces collapsed, diacritics kept: "Nguyễn Văn An" and "Nguyễn Văn Ân" are
different people) together with where the person comes from (the enterprise id or the organisation code).
The key is stored hashed. Pure rules, no I/O; also the data errors every training record shares.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from shared.errors import DomainError
from shared.reference import DEPARTMENTS

NATIONAL_ID = re.compile(r"[0-9]{9}|[0-9]{12}")  # ASCII digits, the whole value (fullmatch)


class InvalidTrainingData(DomainError):
    status = 422
    slug = "invalid-training-data"
    title = "Dữ liệu không hợp lệ theo quy tắc nghiệp vụ"


class UnknownEnterprise(DomainError):
    status = 422
    slug = "unknown-enterprise"
    title = "Doanh nghiệp chưa có trong danh bạ"


def invalid(field_name: str, message: str) -> InvalidTrainingData:
    return InvalidTrainingData(message, errors={field_name: [message]})


def normalise_name(full_name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", full_name).casefold().split())


def person_key(full_name: str, national_id: str | None, origin: str) -> str:
    """The identity of a person, hashed so a national ID number never appears in a key or a read model."""
    basis = f"cccd:{national_id}" if national_id else f"name:{normalise_name(full_name)}|{origin}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def origin_of(enterprise_id: str | None, organisation_code: str | None) -> str:
    return f"enterprise:{enterprise_id}" if enterprise_id else f"organisation:{organisation_code}"


def check_origin(enterprise_id: str | None, organisation_code: str | None,
                 enterprise: dict[str, Any] | None) -> None:
    """Exactly one of an enterprise known from registry events (and open) or an organisation code."""
    if bool(enterprise_id) == bool(organisation_code):
        raise InvalidTrainingData("Cần đúng một trong hai: enterprise_id hoặc organisation_code.",
                                  errors={"enterprise_id": ["cần đúng một trong enterprise_id, organisation_code"]})
    if organisation_code and organisation_code not in DEPARTMENTS:
        raise invalid("organisation_code", f"mã đơn vị '{organisation_code}' không có trong danh mục")
    if enterprise_id and enterprise is None:
        raise UnknownEnterprise(f"Dịch vụ đào tạo chưa biết doanh nghiệp '{enterprise_id}' "
                                "(chưa đăng ký, hoặc sự kiện đăng ký chưa đến).",
                                errors={"enterprise_id": ["doanh nghiệp chưa có trong danh bạ"]})
    if enterprise_id and enterprise is not None and enterprise.get("status") == "closed":
        raise UnknownEnterprise(f"Doanh nghiệp '{enterprise_id}' đã ngừng hoạt động.",
                                errors={"enterprise_id": ["doanh nghiệp đã ngừng hoạt động"]})

