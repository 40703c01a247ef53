"""Registry service: enterprises and organisations (walking skeleton: register, read, update profile)."""
from __future__ import annotations

import uuid
from flask import Flask, url_for

from services.registry import domain
from services.registry.schemas import District, EnterpriseOut, RegisterEnterprise, UpdateProfile
from shared.audit import attach_event_store, store
from shared.commands import run_command
from shared.config import Settings
from shared.eventstore import EventStore
from shared.errors import NotFound
from shared.http import ServiceBlueprint, command_context, create_service_app, require, versioned
from shared.reference import DISTRICTS, province_today

blp = ServiceBlueprint("enterprises", __name__, url_prefix="/api/v1",
                       description="Doanh nghiệp, tổ chức tham gia chương trình NSCL")


def _view(enterprise: domain.Enterprise) -> dict:
    return EnterpriseOut().dump({
        "id": enterprise.id, "tax_code": enterprise.tax_code, "name": enterprise.name,
        "district": {"code": enterprise.district_code, "name": enterprise.district_name},
        "registered_on": enterprise.registered_on, "status": enterprise.status, "version": enterprise.version})


def _at_version(enterprise_id: str, version: int | None = None) -> domain.Enterprise:
    enterprise = domain.current_state(store().read_stream(enterprise_id, to_version=version))
    if enterprise is None:
        raise NotFound(f"Không có doanh nghiệp '{enterprise_id}'.")
    return enterprise


@blp.post("/enterprises")
@require("write")
@blp.arguments(RegisterEnterprise)
@blp.response(201, EnterpriseOut, headers={"ETag": {"description": "phiên bản của bản ghi"}})
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                      "description": "gửi lại cùng khoá → cùng kết quả, không ghi thêm"}])
def register_enterprise(body):
    enterprise_id = str(uuid.uuid4())
    outcome = run_command(store(), enterprise_id, lambda history: domain.register(
        history, tax_code=body["tax_code"], name=body["name"], district_code=body["district_code"],
        registered_on=body["registered_on"] or province_today()), command_context())
    enterprise = _at_version(outcome.stream_id, outcome.version)
    return versioned(_view(enterprise), enterprise.version, 201, outcome,
                     location=url_for("enterprises.get_enterprise", enterprise_id=enterprise.id))


@blp.get("/enterprises/<enterprise_id>")
@require("read")
@blp.response(200, EnterpriseOut)
def get_enterprise(enterprise_id):
    enterprise = _at_version(enterprise_id)
    return versioned(_view(enterprise), enterprise.version)


@blp.patch("/enterprises/<enterprise_id>")
@require("write")
@blp.arguments(UpdateProfile)
@blp.response(200, EnterpriseOut)
@blp.doc(parameters=[{"in": "header", "name": "If-Match", "schema": {"type": "string"},
                      "description": "ETag đã nhận; nếu bản ghi đã đổi → 412"}])
def update_enterprise(changes, enterprise_id):
    outcome = run_command(store(), enterprise_id, lambda history: domain.update_profile(history, changes),
                          command_context())
    enterprise = _at_version(enterprise_id, outcome.version)
    return versioned(_view(enterprise), enterprise.version, 200, outcome)


@blp.get("/districts")
@require("read")
@blp.response(200, District(many=True))
def list_districts():
    return [{"code": code, "name": name} for code, name in DISTRICTS.items()]


def create_app(settings: Settings | None = None, event_store: EventStore | None = None) -> Flask:
    app, api = create_service_app("registry", "NSCL — Đăng ký doanh nghiệp (registry)",
                                  "Doanh nghiệp, tổ chức, sản phẩm và năng lực đánh giá sự phù hợp.", settings)
    attach_event_store(app, api, event_store=event_store)
    api.register_blueprint(blp)
    return app
