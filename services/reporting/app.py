"""Reporting service: read-only views projected from every service's events."""
from __future__ import annotations

from flask import Flask
from marshmallow import Schema, fields

from services.reporting.dashboard import register_dashboard
from services.reporting.projections import ENTERPRISES
from services.reporting.projector import DEAD_LETTERS
from shared.config import Settings
from shared.envelope import utc_now
from shared.http import ServiceBlueprint, create_service_app, require, service_context
from shared.pagination import PageQuery, page_of, page_schema, skip_limit
from shared.readmodel import ReadModel
from shared.reference import DISTRICTS

blp = ServiceBlueprint("reports", __name__, url_prefix="/api/v1", description="Báo cáo, chỉ tiêu")


class DistrictCount(Schema):
    code = fields.String()
    name = fields.String()
    count = fields.Integer()


class EnterprisesByDistrict(Schema):
    total = fields.Integer(metadata={"description": "tổng số doanh nghiệp đã đăng ký"})
    districts = fields.List(fields.Nested(DistrictCount))
    generated_at = fields.String()


class DeadLetterOut(Schema):
    id = fields.String()
    reason = fields.String()
    event_type = fields.String(allow_none=True)
    stream_id = fields.String(allow_none=True)
    source = fields.Dict()
    recorded_at = fields.String()


DeadLetterPage = page_schema(DeadLetterOut, "DeadLetterPage")


def _read_model() -> ReadModel:
    return ReadModel(service_context().database)


@blp.get("/enterprises/by-district")
@require("read")
@blp.response(200, EnterprisesByDistrict)
def enterprises_by_district():
    counts = _read_model().count_by(ENTERPRISES, "district_code")
    districts = [{"code": code, "name": name, "count": counts.get(code, 0)} for code, name in DISTRICTS.items()]
    districts += [{"code": code, "name": code, "count": n} for code, n in counts.items() if code not in DISTRICTS]
    return {"total": sum(counts.values()), "districts": districts, "generated_at": utc_now()}


@blp.get("/dead-letters")
@require("read")
@blp.arguments(PageQuery, location="query")
@blp.response(200, DeadLetterPage)
def dead_letters(query):
    rows, total = _read_model().page(DEAD_LETTERS, {}, [("recorded_at", -1)], *skip_limit(query))
    return page_of(rows, total, query)


def create_app(settings: Settings | None = None) -> Flask:
    app, api = create_service_app("reporting", "NSCL — Báo cáo và chỉ tiêu (reporting)",
                                  "Chỉ tiêu theo sở ngành, bảng điều khiển, xuất dữ liệu, kiểm toán.", settings)
    api.register_blueprint(blp)
    register_dashboard(app)
    return app
