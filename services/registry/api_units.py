"""Routes for administrative units and departments as data, resolved at any date."""
from __future__ import annotations

from datetime import date

from flask import Response

from services.registry import handlers, units
from services.registry.api_enterprises import ENTERPRISE
from services.registry.bootstrap import RegistryService
from services.registry.schemas import (
    AbolishUnit,
    EstablishUnit,
    EstablishUnits,
    MergeUnit,
    OnQuery,
    RenameUnit,
    UnitOut,
    UnitQuery,
    UnitResolution,
    UnitsLoaded,
)
from shared.commands import Outcome
from shared.errors import NotFound
from shared.http import ServiceBlueprint, command_context, dependencies, dispatch, require, versioned
from shared.reference import province_today

blp = ServiceBlueprint("units", __name__, url_prefix="/api/v1",
                       description="Đơn vị hành chính và cơ quan theo thời gian (sáp nhập, đổi tên, bỏ cấp)")


UNIT_OUT = UnitOut()


def _out(unit: units.UnitAt | None) -> dict:
    if unit is None:
        raise NotFound("Không có đơn vị với mã này.")
    return UNIT_OUT.dump(unit.__dict__)


def _answer(outcome: Outcome, on: date, status: int = 200) -> Response:
    return versioned(_out(units.as_of(list(outcome.history), on)), outcome.version, status, outcome)


def _registry() -> RegistryService:
    return dependencies(RegistryService)


@blp.get("/units")
@require("read")
@blp.arguments(UnitQuery, location="query")
@blp.response(200, UnitOut(many=True))
def list_units(query):
    on = query["on"] or province_today()
    match = {"category": query["category"]} if query.get("category") else {}
    found = [units.as_of(history, on) for history in _registry().read_model.units(match)]
    return [_out(unit) for unit in found if unit is not None and unit.status != "not_yet_established"]


@blp.get("/units/<code>")
@require("read")
@blp.arguments(OnQuery, location="query")
@blp.response(200, UnitResolution)
def resolve_unit(query, code):
    on = query["on"] or province_today()
    return _resolution(code, on)


@blp.post("/units")
@require("write", handlers.steward_only)
@blp.arguments(EstablishUnit)
@blp.response(201, UnitOut)
def establish_unit(body):
    return _answer(dispatch(handlers.establish_unit, handlers.EstablishUnit(**body)), body["effective_from"], 201)


@blp.post("/units/bulk")
@require("write", handlers.steward_only)
@blp.arguments(EstablishUnits)
@blp.response(200, UnitsLoaded)
def establish_units(body):
    """Ghi nhận một danh sách đơn vị (ví dụ danh mục xã, phường chính thức của tỉnh sau sắp xếp): kiểm tra tất cả
    trước, có lỗi thì không ghi gì (422 nêu từng dòng units.<dòng>.<trường>); gửi lại cùng danh sách không ghi thêm.
    Công cụ dòng lệnh: python -m deploy.units load FILE.csv"""
    loaded = handlers.establish_units(handlers.EstablishUnits(body["units"]), _registry(), command_context())
    counts = {result: sum(1 for row in loaded if row["result"] == result)
              for result in ("recorded", "replayed", "already_recorded")}
    return {**counts, "units": loaded}


@blp.post("/units/<code>/rename")
@require("write", handlers.steward_only)
@blp.arguments(RenameUnit)
@blp.response(200, UnitOut)
def rename_unit(body, code):
    return _answer(dispatch(handlers.rename_unit, handlers.RenameUnit(code, **body)), body["effective_from"])


@blp.post("/units/<code>/merge")
@require("write", handlers.steward_only)
@blp.arguments(MergeUnit)
@blp.response(200, UnitOut)
def merge_unit(body, code):
    return _answer(dispatch(handlers.merge_unit, handlers.MergeUnit(code, **body)), body["effective_from"])


@blp.post("/units/<code>/abolish")
@require("write", handlers.steward_only)
@blp.arguments(AbolishUnit)
@blp.response(200, UnitOut)
def abolish_unit(body, code):
    return _answer(dispatch(handlers.abolish_unit, handlers.AbolishUnit(code, **body)), body["effective_from"])


@blp.get("/enterprises/<enterprise_id>/unit")
@require("read")
@blp.arguments(OnQuery, location="query")
@blp.response(200, UnitResolution)
def enterprise_unit(query, enterprise_id):
    """The administrative unit an enterprise belonged to on a date, through any reorganisation since."""
    on = query["on"] or province_today()
    enterprise = ENTERPRISE.load(_registry().store, enterprise_id)
    return _resolution(enterprise.district_code, on)


def _resolution(code: str, on: date) -> dict:
    chain = units.resolve(code, on, _registry().store.read_stream)
    return {"on": on.isoformat(), "requested": _out(chain[0]), "in_force": _out(chain[-1]),
            "chain": [_out(unit) for unit in chain]}
