"""Who a person is in training's records (a course participant, an expert), and where they come from.

Identity: the national ID number (CCCD, 9 or 12 digits) when it is given; otherwise the full name, normalised
(Unicode NFC, case-folded, inner spaces collapsed, diacritics kept: "Nguyễn Văn An" and "Nguyễn Văn Ân" are
different people) together with where the person comes from (the enterprise id or the organisation code).
The key is an HMAC-SHA256 of that identity under a secret the service is configured with
(``NSCL_PERSON_KEY_SECRET``): whoever reads the events or the database without the secret cannot test guesses of
a national id against it (a 12-digit id is guessed in well under a second from a plain hash).
Pure rules, no I/O; also the data errors every training record shares.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from typing import Any

from shared.errors import DomainError
from shared.reference import DEPARTMENTS
from shared.units import UnitDirectory

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


MIN_SECRET_LENGTH = 32


def person_key(secret: bytes, full_name: str, national_id: str | None, origin: str) -> str:
    """The identity of a person as a keyed hash (HMAC-SHA256 under ``secret``), so a national ID number never
    appears in a key, an event or a read model, and cannot be recovered from one without the secret."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"the person key secret must be at least {MIN_SECRET_LENGTH} bytes")
    basis = f"cccd:{national_id}" if national_id else f"name:{normalise_name(full_name)}|{origin}"
    return hmac.new(secret, basis.encode("utf-8"), hashlib.sha256).hexdigest()


def origin_of(enterprise_id: str | None, organisation_code: str | None) -> str:
    return f"enterprise:{enterprise_id}" if enterprise_id else f"organisation:{organisation_code}"


def check_origin(enterprise_id: str | None, organisation_code: str | None,
                 enterprise: dict[str, Any] | None, units: UnitDirectory | None = None, on: str = "") -> None:
    """Exactly one of an enterprise known from registry events (and open) or an organisation code; with the units
    (shared.units), the organisation must still be in force ``on`` the record's date (not merged or abolished)."""
    if bool(enterprise_id) == bool(organisation_code):
        raise InvalidTrainingData("Cần đúng một trong hai: enterprise_id hoặc organisation_code.",
                                  errors={"enterprise_id": ["cần đúng một trong enterprise_id, organisation_code"]})
    if organisation_code and organisation_code not in DEPARTMENTS:
        raise invalid("organisation_code", f"mã đơn vị '{organisation_code}' không có trong danh mục")
    ended = units.ended(organisation_code, on) if units is not None and organisation_code and on else None
    if ended is not None:
        successor = f"; đơn vị tiếp nhận: '{ended[1]}'" if ended[1] else ""
        raise invalid("organisation_code", f"đơn vị '{organisation_code}' không còn hoạt động vào ngày {on}{successor}")
    if enterprise_id and enterprise is None:
        raise UnknownEnterprise(f"Dịch vụ đào tạo chưa biết doanh nghiệp '{enterprise_id}' "
                                "(chưa đăng ký, hoặc sự kiện đăng ký chưa đến).",
                                errors={"enterprise_id": ["doanh nghiệp chưa có trong danh bạ"]})
    if enterprise_id and enterprise is not None and enterprise.get("status") == "closed":
        raise UnknownEnterprise(f"Doanh nghiệp '{enterprise_id}' đã ngừng hoạt động.",
                                errors={"enterprise_id": ["doanh nghiệp đã ngừng hoạt động"]})

