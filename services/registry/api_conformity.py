"""Routes for conformity-assessment bodies and their fields of testing, calibration and inspection."""
from __future__ import annotations

import uuid

from flask import url_for

from services.registry import conformity
from services.registry.readmodel import CONFORMITY_BODIES
from services.registry.schemas import AddField, BodyOut, BodyQuery, RegisterBody, RemoveField
from shared.audit import store
from shared.commands import run_command
from shared.errors import NotFound
from shared.http import ServiceBlueprint, command_context, require, service_context, versioned
from shared.pagination import page_of, page_schema, skip_limit
from shared.readmodel import ReadModel
from shared.reference import province_today

blp = ServiceBlueprint("conformity", __name__, url_prefix="/api/v1/conformity-bodies",
                       description="Tổ chức đánh giá sự phù hợp và lĩnh vực thử nghiệm, hiệu chuẩn, kiểm định")


def _view(body: conformity.ConformityBody) -> dict:
    return BodyOut().dump({"id": body.id, "name": body.name, "district_code": body.district_code,
                           "enterprise_id": body.enterprise_id, "registered_on": body.registered_on,
                           "fields_": [{**f, "kind_name": conformity.FIELD_KINDS[f["kind"]]}
                                       for f in body.fields.values()], "version": body.version})


def _at_version(body_id: str, version: int | None = None) -> conformity.ConformityBody:
    body = conformity.current_state(store().read_stream(body_id, to_version=version))
    if body is None:
        raise NotFound(f"Không có tổ chức đánh giá sự phù hợp '{body_id}'.")
    return body


def _command(body_id: str, decide, status: int = 200, location: str | None = None):
    outcome = run_command(store(), body_id, decide, command_context())
    body = _at_version(outcome.stream_id, outcome.version)
    return versioned(_view(body), body.version, status, outcome, location=location)


@blp.post("/")
@require("write")
@blp.arguments(RegisterBody)
@blp.response(201, BodyOut)
def register_body(body):
    body_id = str(uuid.uuid4())
    return _command(body_id, lambda history: conformity.register_body(
        history, name=body["name"], district_code=body["district_code"], enterprise_id=body["enterprise_id"],
        registered_on=body["registered_on"] or province_today()), 201,
        location=url_for("conformity.get_body", body_id=body_id))


@blp.get("/")
@require("read")
@blp.arguments(BodyQuery, location="query")
@blp.response(200, page_schema(BodyOut, "ConformityBodyPage"))
def list_bodies(query):
    match = {key: query[key] for key in ("district_code",) if query.get(key)}
    if query.get("kind"):
        match["active_kinds"] = query["kind"]
    rows, total = ReadModel(service_context().database).page(CONFORMITY_BODIES, match, [("name", 1)],
                                                             *skip_limit(query))
    return page_of([{**row, "fields_": row["fields"]} for row in rows], total, query)


@blp.get("/<body_id>")
@require("read")
@blp.response(200, BodyOut)
def get_body(body_id):
    body = _at_version(body_id)
    return versioned(_view(body), body.version)


@blp.post("/<body_id>/fields")
@require("write")
@blp.arguments(AddField)
@blp.response(201, BodyOut)
def add_field(body, body_id):
    return _command(body_id, lambda history: conformity.add_field(history, **body), 201)


@blp.post("/<body_id>/fields/<field_id>/remove")
@require("write")
@blp.arguments(RemoveField)
@blp.response(200, BodyOut)
def remove_field(body, body_id, field_id):
    return _command(body_id, lambda history: conformity.remove_field(
        history, field_id, removed_on=body["removed_on"] or province_today(), reason=body["reason"]))
