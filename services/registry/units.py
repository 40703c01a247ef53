"""Administrative units and departments as data, with effective dates: pure rules, no I/O.

The plan (2021) names the province's departments and its district-level units; they change — Vietnam
merged departments in March 2025 and abolished the district level on 1 July 2025. Each change is an
event with the date it takes effect, so any date can be resolved to the unit (or department) then in force.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.contracts import registry as contract
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, NotFound, UnknownReference
from shared.eventstore import NewEvent

ESTABLISHED = contract.ORG_UNIT_ESTABLISHED
RENAMED = contract.ORG_UNIT_RENAMED
MERGED = contract.ORG_UNIT_MERGED
ABOLISHED = contract.ORG_UNIT_ABOLISHED

EVENT_LABELS = {
    ESTABLISHED: "Thành lập / ghi nhận đơn vị", RENAMED: "Đổi tên đơn vị",
    MERGED: "Sáp nhập vào đơn vị khác", ABOLISHED: "Giải thể / bỏ cấp đơn vị",
}
CATEGORIES = {"administrative_unit": "Đơn vị hành chính", "organisation": "Cơ quan, tổ chức"}
LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã",
          "department": "Sở, ngành", "committee": "Ủy ban nhân dân"}
PLAN_DATE = date(2021, 1, 1)


class UnitRuleViolated(DomainError):
    slug = "unit-rule-violated"
    title = "Thay đổi đơn vị không hợp lệ"


def stream_id(code: str) -> str:
    return f"orgunit-{code}"


@dataclass(frozen=True)
class UnitAt:
    code: str
    name: str
    category: str
    level: str
    status: str  # active, merged, abolished, not_yet_established
    successor_code: str | None
    version: int


def establish(history: list[Envelope], *, code: str, name: str, category: str, level: str,
              effective_from: date, parent_code: str | None = None,
              parent_history: list[Envelope] | None = None, parent_listed_from: date | None = None) -> list[NewEvent]:
    """``parent_listed_from``: the parent is established by the same list (a bulk load), from that date."""
    if history:
        raise UnitRuleViolated(f"Đơn vị '{code}' đã được ghi nhận.")
    if parent_code is not None and parent_listed_from is not None:
        if parent_listed_from > effective_from:
            raise UnknownReference.to("parent_code", f"đơn vị '{parent_code}' chỉ có từ {parent_listed_from}")
    elif parent_code is not None:
        _in_force("parent_code", parent_code, parent_history or [], effective_from)
    return [NewEvent(ESTABLISHED, {"code": code, "name": name.strip(), "category": category, "level": level,
                                   "parent_code": parent_code, "effective_from": effective_from.isoformat()},
                     occurred_at=business_time(effective_from))]


def establish_many(rows: list[dict[str, Any]], parents: Mapping[str, list[Envelope]]) -> list[list[NewEvent]]:
    """A list of units (e.g. the official list of a merged province's communes and wards), parents before their
    children: each row decided as ``establish`` decides on an empty stream, its parent recorded already
    (``parents``: its history) or listed earlier. All or nothing: every row's problem is named
    (``units.<row>.<field>``) before anything is written."""
    errors: dict[str, list[str]] = {}
    decided: list[list[NewEvent]] = []
    listed: dict[str, date] = {}
    for index, row in enumerate(rows):
        code, parent = row["code"], row.get("parent_code")
        if code in listed:
            errors[f"units.{index}.code"] = [f"mã '{code}' đã có ở một dòng trước"]
            continue
        try:
            decided.append(establish([], code=code, name=row["name"], category=row["category"], level=row["level"],
                                     effective_from=row["effective_from"], parent_code=parent,
                                     parent_history=parents.get(parent or ""),
                                     parent_listed_from=listed.get(parent or "")))
        except DomainError as refused:
            for name, messages in (refused.extra.get("errors") or {"code": [refused.detail]}).items():
                errors[f"units.{index}.{name}"] = list(messages)
        listed[code] = row["effective_from"]
    if errors:
        raise UnknownReference(f"Danh sách đơn vị có {len(errors)} lỗi; chưa ghi nhận đơn vị nào.", errors=errors)
    return decided


def rename(history: list[Envelope], *, name: str, effective_from: date) -> list[NewEvent]:
    _active_on(history, effective_from)
    return [NewEvent(RENAMED, {"name": name.strip(), "effective_from": effective_from.isoformat()},
                     occurred_at=business_time(effective_from))]


def merge_into(history: list[Envelope], *, successor_code: str, effective_from: date,
               successor_history: list[Envelope]) -> list[NewEvent]:
    unit = _active_on(history, effective_from)
    if successor_code == unit.code:
        raise UnitRuleViolated("Không thể sáp nhập một đơn vị vào chính nó.")
    _in_force("successor_code", successor_code, successor_history, effective_from)
    return [NewEvent(MERGED, {"successor_code": successor_code, "effective_from": effective_from.isoformat()},
                     occurred_at=business_time(effective_from))]


def abolish(history: list[Envelope], *, effective_from: date, successor_code: str | None,
            reason: str, successor_history: list[Envelope] | None = None) -> list[NewEvent]:
    unit = _active_on(history, effective_from)
    if successor_code is not None:
        if successor_code == unit.code:
            raise UnitRuleViolated("Một đơn vị không thể tiếp nhận chính nó.")
        _in_force("successor_code", successor_code, successor_history or [], effective_from)
    return [NewEvent(ABOLISHED, {"successor_code": successor_code, "reason": reason.strip(),
                                 "effective_from": effective_from.isoformat()},
                     occurred_at=business_time(effective_from))]


def as_of(history: list[Envelope], on: date) -> UnitAt | None:
    """The unit as it stood on a day (by the dates changes take effect, not when they were typed in)."""
    if not history:
        return None
    first = history[0].data
    unit = UnitAt(first["code"], first["name"], first["category"], first["level"], "active", None,
                  history[-1].version)
    if first["effective_from"] > on.isoformat():
        return UnitAt(**{**unit.__dict__, "status": "not_yet_established"})
    for event in sorted(history[1:], key=lambda e: (e.data["effective_from"], e.version)):
        if event.data["effective_from"] > on.isoformat():
            break
        if event.event_type == RENAMED:
            unit = UnitAt(**{**unit.__dict__, "name": event.data["name"]})
        elif event.event_type == MERGED:
            unit = UnitAt(**{**unit.__dict__, "status": "merged", "successor_code": event.data["successor_code"]})
        elif event.event_type == ABOLISHED:
            unit = UnitAt(**{**unit.__dict__, "status": "abolished",
                             "successor_code": event.data.get("successor_code")})
    return unit


def resolve(code: str, on: date, load: Callable[[str], list[Envelope]], max_steps: int = 10) -> list[UnitAt]:
    """The chain from ``code`` to the unit in force on ``on`` (following mergers and abolitions)."""
    chain: list[UnitAt] = []
    while len(chain) < max_steps:
        unit = as_of(load(stream_id(code)), on)
        if unit is None:
            raise NotFound(f"Không có đơn vị '{code}'.")
        chain.append(unit)
        if unit.status not in ("merged", "abolished") or not unit.successor_code:
            return chain
        code = unit.successor_code
    raise UnitRuleViolated("Chuỗi sáp nhập quá dài hoặc vòng lặp.", chain=[u.code for u in chain])


def _active_on(history: list[Envelope], on: date) -> UnitAt:
    unit = as_of(history, on)
    if unit is None:
        raise NotFound("Không có đơn vị với mã này.")
    if unit.status != "active":
        raise UnitRuleViolated(f"Đơn vị '{unit.code}' không còn hoạt động vào ngày {on.isoformat()} "
                               f"(trạng thái: {unit.status}).", current_state=unit.status)
    return unit


def _in_force(field_name: str, code: str, history: list[Envelope], on: date) -> UnitAt:
    """A unit a command names (parent, successor): it exists and is active on the command's date."""
    unit = as_of(history, on)
    if unit is None:
        raise UnknownReference.to(field_name, f"không có đơn vị '{code}'")
    if unit.status != "active":
        raise UnknownReference.to(field_name, f"đơn vị '{code}' không hoạt động vào ngày {on.isoformat()} "
                                              f"(trạng thái: {unit.status})")
    return unit


PLACE_LEVELS = {"district": "cấp huyện", "commune": "cấp xã"}


def place_on(code: str, history: list[Envelope], on: date, field_name: str = "district_code") -> UnitAt:
    """The administrative unit a record is placed in, as in force on its business date: a district of the plan
    before 1 July 2025, a commune or ward of the new structure after it. A unit merged or abolished by then is
    refused, naming the unit that took its place. A district of the plan is known even before the registry's
    seed has recorded it (the seed records exactly those, from the plan's date)."""
    unit = as_of(history, on) if history else _plan_district(code)
    if unit is None or unit.category != "administrative_unit" or unit.level not in PLACE_LEVELS:
        raise UnknownReference.to(field_name, f"không có đơn vị hành chính cấp huyện hoặc cấp xã mã '{code}'")
    if unit.status == "not_yet_established":
        raise UnknownReference.to(field_name, f"đơn vị '{code}' ({unit.name}) chưa có hiệu lực vào ngày "
                                              f"{on.isoformat()}")
    if unit.status != "active":
        successor = f"; thay bằng đơn vị kế thừa '{unit.successor_code}' hoặc đơn vị cấp xã mới" \
            if unit.successor_code else ""
        raise UnknownReference.to(field_name, f"đơn vị '{code}' ({unit.name}) không còn hiệu lực vào ngày "
                                              f"{on.isoformat()}{successor}")
    return unit


def _plan_district(code: str) -> UnitAt | None:
    from shared.reference import DISTRICTS

    name = DISTRICTS.get(code)
    return UnitAt(code, name, "administrative_unit", "district", "active", None, 0) if name else None


def plan_units() -> list[dict]:
    """What the plan of 2021 names: the province, its district-level units, departments and committees."""
    from shared.reference import DISTRICT_COMMITTEES, DISTRICTS, PROVINCIAL_DEPARTMENTS

    units = [{"code": "87", "name": "Tỉnh Đồng Tháp", "category": "administrative_unit", "level": "province",
              "parent_code": None}]
    units += [{"code": code, "name": name, "category": "administrative_unit", "level": "district",
               "parent_code": "87"} for code, name in DISTRICTS.items()]
    units += [{"code": code, "name": name, "category": "organisation", "level": "department", "parent_code": None}
              for code, name in PROVINCIAL_DEPARTMENTS.items()]
    units += [{"code": code, "name": name, "category": "organisation", "level": "committee",
               "parent_code": code.removeprefix("UBND-")} for code, name in DISTRICT_COMMITTEES.items()]
    return units
