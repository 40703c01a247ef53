"""The enterprise aggregate: pure rules, no I/O. Its events are the registry's facts.

An enterprise's stream holds its profile, priority groups (seed 2.2), products, the management systems
and certifications it holds, and the surveys/diagnoses of its NSCL state (seed 2.3.3).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from services.registry import units
from shared.contracts import registry as contract
from shared.corrections import changed_fields, reason_given
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, NotFound
from shared.eventstore import NewEvent
from shared.ownership import NotOwner, Owned, Owner, committee_district

ENTERPRISE_REGISTERED = contract.ENTERPRISE_REGISTERED
ENTERPRISE_PROFILE_UPDATED = contract.ENTERPRISE_PROFILE_UPDATED
ENTERPRISE_MOVED = contract.ENTERPRISE_MOVED
ENTERPRISE_CLOSED = contract.ENTERPRISE_CLOSED
PRIORITY_GROUP_APPLIED = contract.PRIORITY_GROUP_APPLIED
PRIORITY_GROUP_ENDED = contract.PRIORITY_GROUP_ENDED
PRODUCT_ADDED = contract.PRODUCT_ADDED
PRODUCT_UPDATED = contract.PRODUCT_UPDATED
PRODUCT_REMOVED = contract.PRODUCT_REMOVED
CERTIFICATION_RECORDED = contract.CERTIFICATION_RECORDED
CERTIFICATION_WITHDRAWN = contract.CERTIFICATION_WITHDRAWN
SURVEY_RECORDED = contract.SURVEY_RECORDED
SURVEY_WITHDRAWN = contract.SURVEY_WITHDRAWN
CERTIFICATION_CORRECTED = contract.CERTIFICATION_CORRECTED
CERTIFICATION_ANNULLED = contract.CERTIFICATION_ANNULLED
CERTIFICATION_FIELDS = ("standard", "certificate_number", "body", "valid_from", "valid_to", "scope")

EVENT_LABELS = {
    ENTERPRISE_REGISTERED: "Đăng ký doanh nghiệp",
    ENTERPRISE_PROFILE_UPDATED: "Cập nhật thông tin doanh nghiệp",
    ENTERPRISE_CLOSED: "Doanh nghiệp ngừng hoạt động",
    PRIORITY_GROUP_APPLIED: "Bắt đầu thuộc nhóm ưu tiên",
    PRIORITY_GROUP_ENDED: "Thôi thuộc nhóm ưu tiên",
    PRODUCT_ADDED: "Thêm sản phẩm",
    PRODUCT_UPDATED: "Cập nhật sản phẩm",
    PRODUCT_REMOVED: "Bỏ sản phẩm",
    CERTIFICATION_RECORDED: "Ghi nhận chứng nhận / hệ thống quản lý",
    CERTIFICATION_WITHDRAWN: "Thu hồi chứng nhận",
    SURVEY_RECORDED: "Khảo sát, chẩn đoán NSCL",
    SURVEY_WITHDRAWN: "Rút khảo sát ghi nhầm",
    CERTIFICATION_CORRECTED: "Đính chính chứng nhận",
    CERTIFICATION_ANNULLED: "Huỷ bản ghi chứng nhận ghi nhầm",
}

TAX_CODE_PATTERN = r"[0-9]{10}(-[0-9]{3})?"  # ASCII digits only: a fullwidth copy is not a second code
TAX_CODE = re.compile(TAX_CODE_PATTERN)
PROFILE_FIELDS = ("name", "address", "district_code", "commune", "ownership", "size_class", "industry_code",
                  "contact")

OWNERSHIP = {
    "state": "Doanh nghiệp nhà nước", "private": "Doanh nghiệp tư nhân / ngoài nhà nước",
    "collective": "Hợp tác xã, tổ hợp tác", "fdi": "Doanh nghiệp có vốn đầu tư nước ngoài",
    "household": "Hộ kinh doanh", "public_unit": "Đơn vị sự nghiệp, tổ chức",
}
SIZE_CLASSES = {"micro": "Siêu nhỏ", "small": "Nhỏ", "medium": "Vừa", "large": "Lớn"}
# Section 2.2 of the seed: the groups of products and enterprises the plan gives priority to.
PRIORITY_GROUPS = {
    "key_product": "Sản phẩm chủ lực của tỉnh",
    "rural_industrial": "Sản phẩm công nghiệp nông thôn tiêu biểu",
    "ocop": "Sản phẩm OCOP",
    "import_substitution": "Sản phẩm thay thế hàng nhập khẩu",
    "export": "Sản phẩm xuất khẩu",
}
# Section 2.3.3: management systems, models and certifications an enterprise may hold.
STANDARDS = {
    "iso_9001": "ISO 9001 (quản lý chất lượng)", "iso_14001": "ISO 14001 (quản lý môi trường)",
    "iso_22000": "ISO 22000 (an toàn thực phẩm)", "iso_45001": "ISO 45001 (an toàn, sức khỏe nghề nghiệp)",
    "iso_50001": "ISO 50001 (quản lý năng lượng)", "iso_56000": "ISO 56000 series (quản lý đổi mới)",
    "iso_17025": "ISO/IEC 17025 (phòng thử nghiệm, hiệu chuẩn)", "haccp": "HACCP",
    "vietgap": "VietGAP", "globalgap": "GlobalGAP", "organic": "Hữu cơ (organic)",
    "traceability": "Hệ thống truy xuất nguồn gốc", "other": "Khác",
}
SURVEY_AREAS = ("leadership", "strategy", "customers", "measurement", "workforce", "operations", "results")


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


class EnterpriseClosed(DomainError):
    slug = "enterprise-closed"
    title = "Doanh nghiệp đã ngừng hoạt động"


class RuleViolated(DomainError):
    slug = "registry-rule-violated"
    title = "Vi phạm quy tắc của sổ đăng ký"


@dataclass(frozen=True)
class Enterprise:
    id: str
    tax_code: str
    name: str
    district_code: str
    district_name: str
    registered_on: str
    version: int
    status: str = "open"
    address: str | None = None
    commune: str | None = None
    ownership: str | None = None
    size_class: str | None = None
    industry_code: str | None = None
    contact: dict | None = None
    closed_on: str | None = None
    closure_reason: str | None = None
    priority_groups: dict = field(default_factory=dict)  # group → {since, ocop_stars?}
    products: dict = field(default_factory=dict)  # product id → product
    certifications: dict = field(default_factory=dict)  # certification id → certification
    surveys: tuple = ()
    registered_by: str = ""  # the department that registered it (its first event's): its owner

    @property
    def owner(self) -> Owner:
        """Its owner for shared.ownership: who registered it, and its district (for that district's committee)."""
        return Owner(self.registered_by, self.district_code)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


# ---- decisions ------------------------------------------------------------------------------------------
def register(history: list[Envelope], *, tax_code: str, name: str, district_code: str,
             registered_on: date, unit_history: list[Envelope] | None = None, registrar: str | None = None,
             **profile: Any) -> list[NewEvent]:
    """``unit_history``: the events of the unit ``district_code`` names (it must be in force on ``registered_on``;
    without them only the plan's districts are known);
    ``registrar``: the registering department; a district committee registers only in its own district
    (seed 2.5.6)."""
    if history:
        raise AlreadyRegistered("Mã định danh này đã có doanh nghiệp.")
    own_district = committee_district(registrar or "")
    if own_district is not None and district_code != own_district:
        raise NotOwner(f"{registrar} chỉ đăng ký doanh nghiệp trên địa bàn mình (mã {own_district}); "
                       f"doanh nghiệp này thuộc mã {district_code} (Kế hoạch, mục 2.5.6).",
                       errors={"district_code": [f"chỉ được mã {own_district}"]})
    profile = {key: value for key, value in profile.items() if key in PROFILE_FIELDS and value is not None}
    _check(tax_code=tax_code, name=name, **profile)
    place = units.place_on(district_code, unit_history or [], registered_on)
    return [NewEvent(ENTERPRISE_REGISTERED, {
        "tax_code": tax_code, "name": name.strip(), "district_code": district_code,
        "district_name": place.name, "registered_on": registered_on.isoformat(), **profile,
    }, occurred_at=business_time(registered_on))]


def update_profile(history: list[Envelope], changes: dict[str, Any], *, on: date,
                   unit_history: list[Envelope] | None = None) -> list[NewEvent]:
    """``unit_history``: when ``changes`` names a ``district_code``, that unit's events (it must be in force ``on``,
    the day of the change)."""
    enterprise = _open(history)
    changes = {**changes, **({"name": changes["name"].strip()} if "name" in changes else {})}
    _check(**{key: value for key, value in changes.items() if key != "district_code"})
    changed = {key: value for key, value in changes.items()
               if key in PROFILE_FIELDS and getattr(enterprise, key) != value}
    if not changed:
        return []
    if "district_code" in changed:
        changed["district_name"] = units.place_on(changed["district_code"], unit_history or [], on).name
    return [NewEvent(ENTERPRISE_PROFILE_UPDATED, changed)]


def move(history: list[Envelope], *, district_code: str, moved_on: date, reason: str,
         unit_history: list[Envelope] | None = None) -> list[NewEvent]:
    """The enterprise is placed in another administrative unit from ``moved_on``: it moved, or a reorganisation
    re-assigned it (e.g. to a commune of the 2025 structure). The unit must be in force that day; what it did before
    stays counted where it was then."""
    enterprise = _open(history)
    if moved_on.isoformat() < enterprise.registered_on:
        raise RuleViolated("Ngày chuyển không thể trước ngày đăng ký.", errors={"moved_on": ["trước ngày đăng ký"]})
    if district_code == enterprise.district_code:
        raise RuleViolated(f"Doanh nghiệp đã thuộc đơn vị '{district_code}'.",
                           errors={"district_code": ["đã là đơn vị hiện tại"]})
    if not reason.strip():
        raise InvalidEnterprise("Cần nêu lý do chuyển.", errors={"reason": ["bắt buộc"]})
    place = units.place_on(district_code, unit_history or [], moved_on)
    return [NewEvent(ENTERPRISE_MOVED, {"district_code": district_code, "district_name": place.name,
                                        "moved_on": moved_on.isoformat(), "reason": reason.strip()},
                     occurred_at=business_time(moved_on))]


def close(history: list[Envelope], *, reason: str, closed_on: date) -> list[NewEvent]:
    enterprise = _open(history)
    if closed_on.isoformat() < enterprise.registered_on:
        raise RuleViolated("Ngày ngừng hoạt động không thể trước ngày đăng ký.",
                           errors={"closed_on": ["trước ngày đăng ký"]})
    return [NewEvent(ENTERPRISE_CLOSED, {"reason": reason.strip(), "closed_on": closed_on.isoformat()},
                     occurred_at=business_time(closed_on))]


def apply_priority_group(history: list[Envelope], *, group: str, since: date,
                         ocop_stars: int | None = None) -> list[NewEvent]:
    enterprise = _open(history)
    if group == "ocop" and ocop_stars is None:
        raise InvalidEnterprise("Nhóm OCOP cần số sao (3–5).", errors={"ocop_stars": ["bắt buộc với OCOP"]})
    current = enterprise.priority_groups.get(group)
    wanted = {"since": since.isoformat(), **({"ocop_stars": ocop_stars} if group == "ocop" else {})}
    if current == wanted:
        return []
    return [NewEvent(PRIORITY_GROUP_APPLIED, {"group": group, **wanted}, occurred_at=business_time(since))]


def end_priority_group(history: list[Envelope], *, group: str, until: date) -> list[NewEvent]:
    enterprise = _open(history)
    if group not in enterprise.priority_groups:
        raise RuleViolated(f"Doanh nghiệp không thuộc nhóm '{PRIORITY_GROUPS.get(group, group)}'.",
                           current_groups=sorted(enterprise.priority_groups))
    return [NewEvent(PRIORITY_GROUP_ENDED, {"group": group, "until": until.isoformat()},
                     occurred_at=business_time(until))]


def add_product(history: list[Envelope], product: dict[str, Any], product_id: str | None = None) -> list[NewEvent]:
    _open(history)
    return [NewEvent(PRODUCT_ADDED, {"product_id": product_id or str(uuid.uuid4()), **_product(product)})]


def update_product(history: list[Envelope], product_id: str, changes: dict[str, Any]) -> list[NewEvent]:
    enterprise = _open(history)
    current = _product_of(enterprise, product_id)
    changed = {key: value for key, value in _product({**current, **changes}).items() if current.get(key) != value}
    return [NewEvent(PRODUCT_UPDATED, {"product_id": product_id, **changed})] if changed else []


def remove_product(history: list[Envelope], product_id: str) -> list[NewEvent]:
    _product_of(_open(history), product_id)
    return [NewEvent(PRODUCT_REMOVED, {"product_id": product_id})]


def record_certification(history: list[Envelope], certification: dict[str, Any],
                         certification_id: str | None = None) -> list[NewEvent]:
    _open(history)
    valid_from, valid_to = certification["valid_from"], certification.get("valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidEnterprise("Ngày hết hiệu lực phải sau ngày hiệu lực.",
                                errors={"valid_to": ["trước ngày hiệu lực"]})
    data = {"certification_id": certification_id or str(uuid.uuid4()), "standard": certification["standard"],
            "certificate_number": certification["certificate_number"].strip(),
            "body": certification["body"].strip(), "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None, "scope": certification.get("scope")}
    return [NewEvent(CERTIFICATION_RECORDED, data, occurred_at=business_time(valid_from))]


def withdraw_certification(history: list[Envelope], certification_id: str, *, withdrawn_on: date,
                           reason: str) -> list[NewEvent]:
    enterprise = _open(history)
    certification = enterprise.certifications.get(certification_id)
    if certification is None:
        raise NotFound(f"Không có chứng nhận '{certification_id}' của doanh nghiệp này.")
    if certification.get("withdrawn_on"):
        raise RuleViolated("Chứng nhận đã bị thu hồi.", withdrawn_on=certification["withdrawn_on"])
    return [NewEvent(CERTIFICATION_WITHDRAWN, {"certification_id": certification_id,
                                               "withdrawn_on": withdrawn_on.isoformat(), "reason": reason.strip()},
                     occurred_at=business_time(withdrawn_on))]


def record_survey(history: list[Envelope], survey: dict[str, Any], survey_id: str | None = None) -> list[NewEvent]:
    _open(history)
    scores = survey.get("scores") or {}
    unknown = sorted(set(scores) - set(SURVEY_AREAS))
    if unknown:
        raise InvalidEnterprise(f"Lĩnh vực đánh giá không có trong danh mục: {', '.join(unknown)}.",
                                errors={"scores": [f"không rõ: {', '.join(unknown)}"]})
    data = {"survey_id": survey_id or str(uuid.uuid4()), "surveyed_on": survey["surveyed_on"].isoformat(),
            "kind": survey.get("kind", "survey"), "scores": scores, "needs": list(survey.get("needs") or []),
            "surveyor": survey.get("surveyor")}
    return [NewEvent(SURVEY_RECORDED, data, occurred_at=business_time(survey["surveyed_on"]))]


# ---- corrections: facts recorded by mistake or typed wrongly (also on a closed enterprise) -----------------
def withdraw_survey(history: list[Envelope], survey_id: str, *, reason: str) -> list[NewEvent]:
    """A survey recorded by mistake (e.g. on the wrong enterprise: record it again on the right one)."""
    enterprise = _existing(history)
    if not any(survey["survey_id"] == survey_id for survey in enterprise.surveys):
        raise NotFound(f"Doanh nghiệp không có khảo sát '{survey_id}' (hoặc khảo sát đã được rút).")
    return [NewEvent(SURVEY_WITHDRAWN, {"survey_id": survey_id, "reason": reason_given(reason)})]


def correct_certification(history: list[Envelope], certification_id: str, *, changes: dict[str, Any],
                          reason: str) -> list[NewEvent]:
    """Fields of a certification typed wrongly (dates, number, body, ...), given anew; only what differs."""
    certification = _certification(history, certification_id)
    changed = changed_fields(certification, changes, CERTIFICATION_FIELDS)
    merged = {**certification, **changed}
    if merged.get("valid_to") and merged["valid_to"] < merged["valid_from"]:
        raise InvalidEnterprise("Ngày hết hiệu lực phải sau ngày hiệu lực.",
                                errors={"valid_to": ["trước ngày hiệu lực"]})
    return [NewEvent(CERTIFICATION_CORRECTED, {
        "certification_id": certification_id, "changes": changed,
        "previous": {name: certification.get(name) for name in changed}, "reason": reason_given(reason)},
        occurred_at=business_time(merged["valid_from"]))]


def annul_certification(history: list[Envelope], certification_id: str, *, reason: str) -> list[NewEvent]:
    """A certification recorded by mistake: annulled, it never held (the body's own withdrawal is another event)."""
    _certification(history, certification_id)
    return [NewEvent(CERTIFICATION_ANNULLED, {"certification_id": certification_id, "reason": reason_given(reason)})]


def _certification(history: list[Envelope], certification_id: str) -> dict[str, Any]:
    certification = _existing(history).certifications.get(certification_id)
    if certification is None:
        raise NotFound(f"Không có chứng nhận '{certification_id}' của doanh nghiệp này (hoặc bản ghi đã bị huỷ).")
    return certification


# ---- derived facts ---------------------------------------------------------------------------------------
def certification_status(certification: dict[str, Any], on: date) -> str:
    """valid / expired / withdrawn / not_yet_valid on a day; expiry is derived, never an event."""
    day = on.isoformat()
    if certification.get("withdrawn_on") and certification["withdrawn_on"] <= day:
        return "withdrawn"
    if certification["valid_from"] > day:
        return "not_yet_valid"
    if certification.get("valid_to") and certification["valid_to"] < day:
        return "expired"
    return "valid"


# ---- state -----------------------------------------------------------------------------------------------
def current_state(history: list[Envelope]) -> Enterprise | None:
    enterprise = None
    for event in history:
        enterprise = evolve(enterprise, event)
    return enterprise


def evolve(enterprise: Enterprise | None, event: Envelope) -> Enterprise | None:
    data, kind = event.data, event.event_type
    if kind == ENTERPRISE_REGISTERED:
        return Enterprise(id=event.stream_id, tax_code=data["tax_code"], name=data["name"],
                          district_code=data["district_code"],
                          district_name=data.get("district_name") or data["district_code"],
                          registered_on=data["registered_on"], version=event.version, registered_by=event.department,
                          **{key: data[key] for key in PROFILE_FIELDS
                             if key in data and key not in ("name", "district_code")})
    if enterprise is None:
        return None
    enterprise = replace(enterprise, version=event.version)
    if kind == ENTERPRISE_PROFILE_UPDATED:
        return replace(enterprise, **{key: data[key] for key in (*PROFILE_FIELDS, "district_name") if key in data})
    if kind == ENTERPRISE_MOVED:
        return replace(enterprise, district_code=data["district_code"], district_name=data["district_name"])
    if kind == ENTERPRISE_CLOSED:
        return replace(enterprise, status="closed", closed_on=data["closed_on"], closure_reason=data["reason"])
    if kind == PRIORITY_GROUP_APPLIED:
        entry = {key: data[key] for key in ("since", "ocop_stars") if key in data}
        return replace(enterprise, priority_groups={**enterprise.priority_groups, data["group"]: entry})
    if kind == PRIORITY_GROUP_ENDED:
        return replace(enterprise, priority_groups={group: entry for group, entry in enterprise.priority_groups.items()
                                                    if group != data["group"]})
    if kind in (PRODUCT_ADDED, PRODUCT_UPDATED):
        merged = {**enterprise.products.get(data["product_id"], {}), **data}
        return replace(enterprise, products={**enterprise.products, data["product_id"]: merged})
    if kind == PRODUCT_REMOVED:
        return replace(enterprise, products={key: value for key, value in enterprise.products.items()
                                             if key != data["product_id"]})
    if kind == CERTIFICATION_RECORDED:
        return replace(enterprise, certifications={**enterprise.certifications, data["certification_id"]: dict(data)})
    if kind == CERTIFICATION_WITHDRAWN:
        withdrawn = {**enterprise.certifications[data["certification_id"]], "withdrawn_on": data["withdrawn_on"],
                     "withdrawal_reason": data["reason"]}
        return replace(enterprise, certifications={**enterprise.certifications, data["certification_id"]: withdrawn})
    if kind == SURVEY_RECORDED:
        return replace(enterprise, surveys=enterprise.surveys + (dict(data),))
    if kind == SURVEY_WITHDRAWN:
        return replace(enterprise, surveys=tuple(survey for survey in enterprise.surveys
                                                 if survey["survey_id"] != data["survey_id"]))
    if kind == CERTIFICATION_CORRECTED:
        corrected = {**enterprise.certifications[data["certification_id"]], **data["changes"]}
        return replace(enterprise, certifications={**enterprise.certifications, data["certification_id"]: corrected})
    if kind == CERTIFICATION_ANNULLED:
        return replace(enterprise, certifications={key: value for key, value in enterprise.certifications.items()
                                                   if key != data["certification_id"]})
    return enterprise


# Changed only by its owner (shared.ownership, rule "enterprise").
OWNED = Owned("enterprise", current_state, lambda enterprise: enterprise.owner)


# ---- helpers ---------------------------------------------------------------------------------------------
def _existing(history: list[Envelope]) -> Enterprise:
    enterprise = current_state(history)
    if enterprise is None:
        raise NotFound("Không có doanh nghiệp với mã định danh này.")
    return enterprise


def _open(history: list[Envelope]) -> Enterprise:
    enterprise = _existing(history)
    if not enterprise.is_open:
        raise EnterpriseClosed(f"Doanh nghiệp đã ngừng hoạt động từ {enterprise.closed_on}.",
                               closed_on=enterprise.closed_on)
    return enterprise


def _product(product: dict[str, Any]) -> dict[str, Any]:
    groups = sorted(set(product.get("priority_groups") or []))
    unknown = [group for group in groups if group not in PRIORITY_GROUPS]
    if unknown:
        raise InvalidEnterprise("Nhóm ưu tiên không có trong danh mục.", errors={"priority_groups": unknown})
    name = (product.get("name") or "").strip()
    if not name:
        raise InvalidEnterprise("Tên sản phẩm không được để trống.", errors={"name": ["bắt buộc"]})
    return {"name": name, "category": product.get("category"), "priority_groups": groups,
            "ocop_stars": product.get("ocop_stars") if "ocop" in groups else None}


def _product_of(enterprise: Enterprise, product_id: str) -> dict[str, Any]:
    product = enterprise.products.get(product_id)
    if product is None:
        raise NotFound(f"Không có sản phẩm '{product_id}' của doanh nghiệp này.")
    return product


def _check(**fields: Any) -> None:
    if "tax_code" in fields and not is_valid_tax_code(fields["tax_code"]):
        raise InvalidEnterprise("Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số + '-' + 3 chữ số.",
                                errors={"tax_code": ["mã số thuế không hợp lệ"]})
    if "name" in fields and not str(fields["name"]).strip():
        raise InvalidEnterprise("Tên doanh nghiệp không được để trống.", errors={"name": ["bắt buộc"]})
    for name, catalogue in (("ownership", OWNERSHIP), ("size_class", SIZE_CLASSES)):
        if fields.get(name) is not None and fields[name] not in catalogue:
            raise InvalidEnterprise(f"Giá trị '{fields[name]}' không có trong danh mục.",
                                    errors={name: ["không có trong danh mục"]})
