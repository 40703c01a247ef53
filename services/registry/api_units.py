"""Routes for administrative units and departments as data, resolved at any date."""
from __future__ import annotations

from services.registry import domain, units
from services.registry.readmodel import UNITS
from services.registry.schemas import (
    AbolishUnit, EstablishUnit, MergeUnit, OnQuery, RenameUnit, UnitOut, UnitQuery, UnitResolution,
)
from shared.audit import store
from shared.auth import Forbidden
from shared.commands import run_command
from shared.envelope import Envelope
from shared.errors import NotFound
from shared.http import ServiceBlueprint, command_context, current_principal, require, service_context, versioned
from shared.reference import province_today

blp = ServiceBlueprint("units", __name__, url_prefix="/api/v1",
                       description="Đơn vị hành chính và cơ quan theo thời gian (sáp nhập, đổi tên, bỏ cấp)")
STEWARDS = {"DOST"}  # who keeps the reference data besides admins


def _steward_only() -> None:
    principal = current_principal()
    if principal.role != "admin" and principal.department not in STEWARDS:
        raise Forbidden("Chỉ Sở Khoa học và Công nghệ hoặc quản trị viên được thay đổi danh mục đơn vị.")


def _out(unit: units.UnitAt) -> dict:
    return UnitOut().dump(unit.__dict__)


def _command(code: str, decide, on, status: int = 200):
    _steward_only()
    stream = units.stream_id(code)
    outcome = run_command(store(), stream, decide, command_context())
    unit = units.as_of(store().read_stream(stream, to_version=outcome.version), on)
    return versioned(_out(unit), outcome.version, status, outcome)


@blp.get("/units")
@require("read")
@blp.arguments(UnitQuery, location="query")
@blp.response(200, UnitOut(many=True))
def list_units(query):
    on = query["on"] or province_today()
    match = {"category": query["category"]} if query.get("category") else {}
    rows = service_context().database[UNITS].find(match).sort("code", 1)
    found = [units.as_of([Envelope.from_dict(item) for item in row["history"]], on) for row in rows]
    return [_out(unit) for unit in found if unit.status != "not_yet_established"]


@blp.get("/units/<code>")
@require("read")
@blp.arguments(OnQuery, location="query")
@blp.response(200, UnitResolution)
def resolve_unit(query, code):
    on = query["on"] or province_today()
    chain = units.resolve(code, on, store().read_stream)
    return {"on": on.isoformat(), "requested": _out(chain[0]), "in_force": _out(chain[-1]),
            "chain": [_out(unit) for unit in chain]}


@blp.post("/units")
@require("write")
@blp.arguments(EstablishUnit)
@blp.response(201, UnitOut)
def establish_unit(body):
    return _command(body["code"], lambda history: units.establish(history, **body), body["effective_from"], 201)


@blp.post("/units/<code>/rename")
@require("write")
@blp.arguments(RenameUnit)
@blp.response(200, UnitOut)
def rename_unit(body, code):
    return _command(code, lambda history: units.rename(history, **body), body["effective_from"])


@blp.post("/units/<code>/merge")
@require("write")
@blp.arguments(MergeUnit)
@blp.response(200, UnitOut)
def merge_unit(body, code):
    successor = store().read_stream(units.stream_id(body["successor_code"]))
    return _command(code, lambda history: units.merge_into(history, successor_history=successor, **body),
                    body["effective_from"])


@blp.post("/units/<code>/abolish")
@require("write")
@blp.arguments(AbolishUnit)
@blp.response(200, UnitOut)
def abolish_unit(body, code):
    return _command(code, lambda history: units.abolish(history, **body), body["effective_from"])


@blp.get("/enterprises/<enterprise_id>/unit")
@require("read")
@blp.arguments(OnQuery, location="query")
@blp.response(200, UnitResolution)
def enterprise_unit(query, enterprise_id):
    """The administrative unit an enterprise belonged to on a date, through any reorganisation since."""
    on = query["on"] or province_today()
    enterprise = domain.current_state(store().read_stream(enterprise_id))
    if enterprise is None:
        raise NotFound(f"Không có doanh nghiệp '{enterprise_id}'.")
    chain = units.resolve(enterprise.district_code, on, store().read_stream)
    return {"on": on.isoformat(), "requested": _out(chain[0]), "in_force": _out(chain[-1]),
            "chain": [_out(unit) for unit in chain]}
