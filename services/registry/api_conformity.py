"""Routes for conformity-assessment bodies and their fields of testing, calibration and inspection."""
from __future__ import annotations

from services.registry import conformity, handlers
from services.registry.bootstrap import RegistryService
from services.registry.readmodel import CONFORMITY_BODIES
from services.registry.schemas import AddField, BodyOut, BodyQuery, CorrectField, Correction, RegisterBody, RemoveField
from shared.http import Resource, ServiceBlueprint, dependencies, dispatch, require
from shared.pagination import page_of, page_schema, skip_limit

blp = ServiceBlueprint("conformity", __name__, url_prefix="/api/v1/conformity-bodies",
                       description="Tổ chức đánh giá sự phù hợp và lĩnh vực thử nghiệm, hiệu chuẩn, kiểm định")


BODY_OUT = BodyOut()


def _view(body: conformity.ConformityBody) -> dict:
    return BODY_OUT.dump({"id": body.id, "name": body.name, "district_code": body.district_code,
                          "enterprise_id": body.enterprise_id, "registered_on": body.registered_on,
                          "recorded_by": body.recorded_by,
                          "fields_": [{**f, "kind_name": conformity.FIELD_KINDS[f["kind"]]}
                                      for f in body.fields.values()], "version": body.version})


BODY = Resource(conformity.current_state, _view, "Không có tổ chức đánh giá sự phù hợp '{}'.",
                "conformity.get_body", "body_id")


@blp.post("/")
@require("write")
@blp.arguments(RegisterBody)
@blp.response(201, BodyOut)
def register_body(body):
    return BODY.answer(dispatch(handlers.register_body, handlers.RegisterBody(**body)), 201, created=True)


@blp.get("/")
@require("read")
@blp.arguments(BodyQuery, location="query")
@blp.response(200, page_schema(BodyOut, "ConformityBodyPage"))
def list_bodies(query):
    match = {key: query[key] for key in ("district_code",) if query.get(key)}
    if query.get("kind"):
        match["active_kinds"] = query["kind"]
    rows, total = dependencies(RegistryService).read_model.page(CONFORMITY_BODIES, match, [("name", 1)],
                                                                *skip_limit(query))
    return page_of([{**row, "fields_": row["fields"]} for row in rows], total, query)


@blp.get("/<body_id>")
@require("read")
@blp.response(200, BodyOut)
def get_body(body_id):
    return BODY.get(dependencies(RegistryService).store, body_id)


@blp.post("/<body_id>/fields")
@require("write")
@blp.arguments(AddField)
@blp.response(201, BodyOut)
def add_field(body, body_id):
    return BODY.answer(dispatch(handlers.add_field, handlers.AddField(body_id, **body)), 201)


@blp.post("/<body_id>/fields/<field_id>/remove")
@require("write")
@blp.arguments(RemoveField)
@blp.response(200, BodyOut)
def remove_field(body, body_id, field_id):
    return BODY.answer(dispatch(handlers.remove_field, handlers.RemoveField(body_id, field_id, **body)))


@blp.post("/<body_id>/fields/<field_id>/correction")
@require("write")
@blp.arguments(CorrectField)
@blp.response(200, BodyOut)
def correct_field(body, body_id, field_id):
    """Đính chính lĩnh vực nhập sai (loại, tên, ngày bổ sung, số công nhận), có lý do"""
    reason = body.pop("reason")
    return BODY.answer(dispatch(handlers.correct_field, handlers.CorrectField(body_id, field_id, body, reason)))


@blp.post("/<body_id>/fields/<field_id>/annulment")
@require("write")
@blp.arguments(Correction)
@blp.response(200, BodyOut)
def annul_field(body, body_id, field_id):
    """Huỷ lĩnh vực ghi nhầm (không tính vào chỉ tiêu I5); khác với thôi lĩnh vực (/remove)"""
    return BODY.answer(dispatch(handlers.annul_field, handlers.AnnulField(body_id, field_id, body["reason"])))
