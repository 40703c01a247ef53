"""Conformity-assessment bodies of the province and their fields (seed 2.3.5): pure rules, no I/O.

Each field of testing, calibration or inspection is added with its date: that date is what indicator I5
(new fields of local capability) counts by.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from services.registry import units
from shared.contracts import registry as contract
from shared.corrections import changed_fields, reason_given
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, NotFound, UnknownReference
from shared.eventstore import NewEvent
from shared.ownership import Owned, Owner

BODY_REGISTERED = contract.CONFORMITY_BODY_REGISTERED
FIELD_ADDED = contract.CAPABILITY_FIELD_ADDED
FIELD_REMOVED = contract.CAPABILITY_FIELD_REMOVED
FIELD_CORRECTED = contract.CAPABILITY_FIELD_CORRECTED
FIELD_ANNULLED = contract.CAPABILITY_FIELD_ANNULLED
CORRECTABLE = ("kind", "name", "added_on", "accreditation")

EVENT_LABELS = {
    BODY_REGISTERED: "Đăng ký tổ chức đánh giá sự phù hợp",
    FIELD_ADDED: "Bổ sung lĩnh vực thử nghiệm / hiệu chuẩn / kiểm định",
    FIELD_REMOVED: "Thôi lĩnh vực",
    FIELD_CORRECTED: "Đính chính lĩnh vực",
    FIELD_ANNULLED: "Huỷ lĩnh vực ghi nhầm",
}
FIELD_KINDS = {"testing": "Thử nghiệm", "calibration": "Hiệu chuẩn", "inspection": "Kiểm định"}


class DuplicateField(DomainError):
    slug = "duplicate-field"
    title = "Lĩnh vực đã có"


class BodyAlreadyRegistered(DomainError):
    slug = "body-already-registered"
    title = "Tổ chức đã được đăng ký"


@dataclass(frozen=True)
class ConformityBody:
    id: str
    name: str
    district_code: str
    registered_on: str
    version: int
    enterprise_id: str | None = None
    fields: dict = field(default_factory=dict)  # field id → field
    recorded_by: str = ""  # the department that registered it (its first event's): its owner


def register_body(history: list[Envelope], *, name: str, district_code: str, registered_on: date,
                  unit_history: list[Envelope] | None = None, enterprise_id: str | None = None,
                  enterprise_known: bool = False) -> list[NewEvent]:
    """``unit_history``: the events of the unit ``district_code`` names (in force on ``registered_on``; without
    them only the plan's districts are known);
    ``enterprise_known``: the enterprise ``enterprise_id`` names is registered (the handler looked it up)."""
    if history:
        raise BodyAlreadyRegistered("Mã định danh này đã có tổ chức.")
    if enterprise_id is not None and not enterprise_known:
        raise UnknownReference.to("enterprise_id", f"không có doanh nghiệp '{enterprise_id}' đã đăng ký")
    place = units.place_on(district_code, unit_history or [], registered_on)
    return [NewEvent(BODY_REGISTERED, {"name": name.strip(), "district_code": district_code,
                                       "district_name": place.name, "enterprise_id": enterprise_id,
                                       "registered_on": registered_on.isoformat()},
                     occurred_at=business_time(registered_on))]


def add_field(history: list[Envelope], *, kind: str, name: str, added_on: date, accreditation: str | None = None,
              field_id: str | None = None) -> list[NewEvent]:
    body = _existing(history)
    wanted = (kind, name.strip().casefold())
    for current in body.fields.values():
        if not current.get("removed_on") and (current["kind"], current["name"].casefold()) == wanted:
            raise DuplicateField(f"Tổ chức đã có lĩnh vực {FIELD_KINDS[kind].lower()} '{current['name']}'.",
                                 field_id=current["field_id"])
    return [NewEvent(FIELD_ADDED, {"field_id": field_id or str(uuid.uuid4()), "kind": kind, "name": name.strip(),
                                   "accreditation": accreditation, "added_on": added_on.isoformat()},
                     occurred_at=business_time(added_on))]


def remove_field(history: list[Envelope], field_id: str, *, removed_on: date, reason: str) -> list[NewEvent]:
    body = _existing(history)
    current = body.fields.get(field_id)
    if current is None or current.get("removed_on"):
        raise NotFound(f"Tổ chức không có lĩnh vực '{field_id}' đang hoạt động.")
    return [NewEvent(FIELD_REMOVED, {"field_id": field_id, "removed_on": removed_on.isoformat(),
                                     "reason": reason.strip()}, occurred_at=business_time(removed_on))]


def correct_field(history: list[Envelope], field_id: str, *, changes: dict[str, Any], reason: str) -> list[NewEvent]:
    """A field typed wrongly (its kind, name, date or accreditation), given anew; only what differs."""
    current = _field(history, field_id)
    if "kind" in changes and changes["kind"] not in FIELD_KINDS:
        raise UnknownReference.to("kind", "loại lĩnh vực không có trong danh mục")
    changed = changed_fields(current, changes, CORRECTABLE)
    return [NewEvent(FIELD_CORRECTED, {"field_id": field_id, "changes": changed,
                                       "previous": {name: current.get(name) for name in changed},
                                       "reason": reason_given(reason)},
                     occurred_at=business_time(changed.get("added_on", current["added_on"])))]


def annul_field(history: list[Envelope], field_id: str, *, reason: str) -> list[NewEvent]:
    """A field recorded by mistake: it never counted (a removal ends a field that was real)."""
    _field(history, field_id)
    return [NewEvent(FIELD_ANNULLED, {"field_id": field_id, "reason": reason_given(reason)})]


def _field(history: list[Envelope], field_id: str) -> dict[str, Any]:
    current = _existing(history).fields.get(field_id)
    if current is None:
        raise NotFound(f"Tổ chức không có lĩnh vực '{field_id}' (hoặc lĩnh vực đã bị huỷ do ghi nhầm).")
    return current


def current_state(history: list[Envelope]) -> ConformityBody | None:
    body = None
    for event in history:
        data = event.data
        if event.event_type == BODY_REGISTERED:
            body = ConformityBody(id=event.stream_id, name=data["name"], district_code=data["district_code"],
                                  registered_on=data["registered_on"], enterprise_id=data.get("enterprise_id"),
                                  version=event.version, recorded_by=event.department)
        elif body is not None:
            body = replace(body, version=event.version)
            if event.event_type == FIELD_ADDED:
                body = replace(body, fields={**body.fields, data["field_id"]: dict(data)})
            elif event.event_type == FIELD_REMOVED:
                removed = {**body.fields[data["field_id"]], "removed_on": data["removed_on"],
                           "removal_reason": data["reason"]}
                body = replace(body, fields={**body.fields, data["field_id"]: removed})
            elif event.event_type == FIELD_CORRECTED:
                corrected = {**body.fields[data["field_id"]], **data["changes"]}
                body = replace(body, fields={**body.fields, data["field_id"]: corrected})
            elif event.event_type == FIELD_ANNULLED:
                body = replace(body, fields={key: value for key, value in body.fields.items()
                                             if key != data["field_id"]})
    return body


# Changed only by the department that recorded it (shared.ownership, rule "conformity_body").
OWNED = Owned("conformity_body", current_state, lambda body: Owner(body.recorded_by))


def _existing(history: list[Envelope]) -> ConformityBody:
    body = current_state(history)
    if body is None:
        raise NotFound("Không có tổ chức đánh giá sự phù hợp với mã định danh này.")
    return body
