"""The enterprise aggregate: pure rules, no I/O. Its events are the registry's facts."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shared.envelope import Envelope, business_time
from shared.errors import DomainError, NotFound
from shared.eventstore import NewEvent
from shared.reference import DISTRICTS

ENTERPRISE_REGISTERED = "EnterpriseRegistered"
ENTERPRISE_PROFILE_UPDATED = "EnterpriseProfileUpdated"

TAX_CODE = re.compile(r"\d{10}(-\d{3})?")
PROFILE_FIELDS = ("name", "district_code")


def is_valid_tax_code(value: str) -> bool:
    """Mã số thuế: 10 digits, or 10 digits + '-' + 3 digits for a branch."""
    return bool(TAX_CODE.fullmatch(value or ""))


class AlreadyRegistered(DomainError):
    slug = "already-registered"
    title = "Doanh nghiệp đã được đăng ký"


class InvalidEnterprise(DomainError):
    status = 422
    slug = "invalid-enterprise"
    title = "Thông tin doanh nghiệp không hợp lệ"


@dataclass(frozen=True)
class Enterprise:
    id: str
    tax_code: str
    name: str
    district_code: str
    registered_on: str
    version: int
    status: str = "open"

    @property
    def district_name(self) -> str:
        return DISTRICTS.get(self.district_code, self.district_code)


def register(history: list[Envelope], *, tax_code: str, name: str, district_code: str,
             registered_on: date) -> list[NewEvent]:
    if history:
        raise AlreadyRegistered("Mã định danh này đã có doanh nghiệp.")
    _check(tax_code=tax_code, name=name, district_code=district_code)
    return [NewEvent(ENTERPRISE_REGISTERED, {
        "tax_code": tax_code, "name": name.strip(), "district_code": district_code,
        "district_name": DISTRICTS[district_code], "registered_on": registered_on.isoformat(),
    }, occurred_at=business_time(registered_on))]


def update_profile(history: list[Envelope], changes: dict[str, Any]) -> list[NewEvent]:
    enterprise = current_state(history)
    if enterprise is None:
        raise NotFound("Không có doanh nghiệp với mã định danh này.")
    changes = {**changes, **({"name": changes["name"].strip()} if "name" in changes else {})}
    _check(**changes)
    changed = {field: value for field, value in changes.items()
               if field in PROFILE_FIELDS and getattr(enterprise, field) != value}
    if not changed:
        return []
    if "district_code" in changed:
        changed["district_name"] = DISTRICTS[changed["district_code"]]
    return [NewEvent(ENTERPRISE_PROFILE_UPDATED, changed)]


def current_state(history: list[Envelope]) -> Enterprise | None:
    enterprise = None
    for event in history:
        enterprise = evolve(enterprise, event)
    return enterprise


def evolve(enterprise: Enterprise | None, event: Envelope) -> Enterprise | None:
    data = event.data
    if event.event_type == ENTERPRISE_REGISTERED:
        return Enterprise(id=event.stream_id, tax_code=data["tax_code"], name=data["name"],
                          district_code=data["district_code"], registered_on=data["registered_on"],
                          version=event.version)
    if event.event_type == ENTERPRISE_PROFILE_UPDATED and enterprise is not None:
        return replace(enterprise, version=event.version,
                       **{field: data[field] for field in PROFILE_FIELDS if field in data})
    return replace(enterprise, version=event.version) if enterprise else None


def _check(**fields: Any) -> None:
    if "tax_code" in fields and not is_valid_tax_code(fields["tax_code"]):
        raise InvalidEnterprise("Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số + '-' + 3 chữ số.",
                                errors={"tax_code": ["mã số thuế không hợp lệ"]})
    if "name" in fields and not str(fields["name"]).strip():
        raise InvalidEnterprise("Tên doanh nghiệp không được để trống.", errors={"name": ["bắt buộc"]})
    if "district_code" in fields and fields["district_code"] not in DISTRICTS:
        raise InvalidEnterprise("Đơn vị hành chính cấp huyện không có trong danh mục.",
                                errors={"district_code": ["không có trong danh mục"]})
