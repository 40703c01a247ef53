"""What every service serves the same way: a write service's app on its bootstrapped dependencies (with the
audit endpoints), a record's event history with Vietnamese labels, the enterprises it knows from registry, and
every service's dead letters."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask
from marshmallow import Schema, fields

from shared.audit import register_audit
from shared.auth import Forbidden, Principal
from shared.bootstrap import WriteService
from shared.consumer import ConsumerLoop, LetterNotFound, RetryRefused
from shared.directory import DEAD_LETTERS, KnownEnterprises, directory_consumer
from shared.envelope import Envelope
from shared.errors import NotFound, StillUnprocessable
from shared.eventstore import EventStore
from shared.http import (
    ServiceBlueprint,
    create_service_app,
    current_principal,
    require,
    service_context,
    without_personal_data,
)
from shared.pagination import PageQuery, page_of, page_schema, skip_limit
from shared.readmodel import ReadModel
from shared.reference import DISTRICTS


def create_write_app(service: WriteService, title: str, description: str,
                     *blueprints: ServiceBlueprint) -> Flask:
    app, api = create_service_app(service.name, title, description, service.settings, service.mongo, service)
    register_audit(app, api)
    api.register_blueprint(dead_letters_blueprint(lambda: directory_consumer(service)))
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app


# ---- a record's history ---------------------------------------------------------------------------------
class HistoryItem(Schema):
    version = fields.Integer()
    position = fields.Integer()
    event_type = fields.String()
    label = fields.String(metadata={"description": "tên sự kiện bằng tiếng Việt"})
    occurred_at = fields.String(metadata={"description": "thời điểm nghiệp vụ"})
    recorded_at = fields.String(metadata={"description": "thời điểm hệ thống ghi nhận"})
    actor = fields.String()
    department = fields.String()
    data = fields.Dict()


HISTORY_ITEM = HistoryItem()


def history(store: EventStore, stream_id: str, labels: dict[str, str], missing: str, personal: Sequence[str] = (),
            hidden: Callable[[list[Envelope]], Sequence[str]] | None = None) -> list[dict[str, Any]]:
    """A stream's events in order, each with its Vietnamese label; 404 (``missing``, ``{}`` for the id).
    ``personal`` data fields are omitted for who may not read personal data; ``hidden(events)`` names further data
    fields this reader may not see (the events stay whole for auditors in /api/v1/events)."""
    events = store.read_stream(stream_id)
    if not events:
        raise NotFound(missing.format(stream_id))
    names = set(hidden(events)) if hidden is not None else set()
    items = []
    for event in events:
        data = without_personal_data(event.data, personal)
        if names:
            data = {name: value for name, value in data.items() if name not in names}
        items.append(HISTORY_ITEM.dump({**event.to_dict(), "data": data,
                                        "label": labels.get(event.event_type, event.event_type)}))
    return items


# ---- the enterprises a service knows ------------------------------------------------------------------------
class District(Schema):
    code = fields.String()
    name = fields.String()


class KnownEnterprise(Schema):
    id = fields.String()
    tax_code = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    district = fields.Nested(District)
    registered_on = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "open hoặc closed"})
    closed_on = fields.String(allow_none=True)


def known_enterprises_blueprint(service_label: str, known: Callable[[], KnownEnterprises]) -> ServiceBlueprint:
    """``GET /api/v1/enterprises/<id>``: an enterprise as this service knows it from registry events (404 while
    its registration has not arrived). ``service_label`` names the service in Vietnamese ("hỗ trợ")."""
    blp = ServiceBlueprint("known_enterprises", __name__, url_prefix="/api/v1",
                           description=f"Doanh nghiệp dịch vụ {service_label} đã biết (từ sự kiện của registry)")

    @blp.get("/enterprises/<enterprise_id>")
    @require("read")
    @blp.response(200, KnownEnterprise)
    def get_known_enterprise(enterprise_id: str) -> dict[str, Any]:
        found = known().lookup(enterprise_id)
        if found is None:
            raise NotFound(f"Dịch vụ {service_label} chưa biết doanh nghiệp '{enterprise_id}'.")
        code = found.get("district_code")
        return {**found, "id": enterprise_id,
                "district": {"code": code, "name": found.get("district_name") or DISTRICTS.get(code or "", code)}}

    return blp


# ---- dead letters -------------------------------------------------------------------------------------------
class DeadLetterOut(Schema):
    id = fields.String()
    reason = fields.String(metadata={"description": "vì sao không xử lý được"})
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    stream_id = fields.String(allow_none=True)
    source = fields.Dict(metadata={"description": "topic, partition, offset, timestamp của bản ghi"})
    value = fields.String(allow_none=True, metadata={"description": "giá trị gốc (null khi bản ghi không có giá trị)"})
    value_encoding = fields.String(allow_none=True,
                                   metadata={"description": "utf-8, hoặc base64 khi không phải UTF-8"})
    value_bytes = fields.Integer(allow_none=True)
    value_sha256 = fields.String(allow_none=True)
    value_truncated = fields.Boolean(metadata={"description": "chỉ giữ 64 KiB đầu của giá trị"})
    deliveries = fields.Integer(metadata={"description": "số lần bản ghi được giao (giao lại không tạo thư mới)"})
    recorded_at = fields.String()
    last_delivered_at = fields.String()
    resolved_at = fields.String(allow_none=True, metadata={"description": "khi được xử lý lại thành công"})
    resolved_by = fields.String(allow_none=True, metadata={"description": "quản trị viên đã cho xử lý lại"})


def admin_only(principal: Principal) -> None:
    if principal.role != "admin":
        raise Forbidden("chỉ quản trị viên (admin) được cho xử lý lại một dead letter")


def dead_letters_blueprint(consumer: Callable[[], ConsumerLoop] | None = None) -> ServiceBlueprint:
    """``GET /api/v1/dead-letters``: what this service's consumers could not apply, newest first (auditors);
    ``POST /api/v1/dead-letters/<id>/retry``: an admin applies one again after a fix, with ``consumer``'s checks
    and handler (a service without a consumer keeps no dead letters)."""
    blp = ServiceBlueprint("dead_letters", __name__, url_prefix="/api/v1",
                           description="Sự kiện không xử lý được (dead letters) và lý do")

    @blp.get("/dead-letters")
    @require("audit")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, page_schema(DeadLetterOut, "DeadLetterPage"))
    def list_dead_letters(query: dict[str, Any]) -> dict[str, Any]:
        rows, total = ReadModel(service_context().database).page(DEAD_LETTERS, {}, [("recorded_at", -1)],
                                                                 *skip_limit(query))
        return page_of(rows, total, query)

    @blp.post("/dead-letters/<string:letter_id>/retry")
    @require("audit", permits=admin_only)
    @blp.response(200, DeadLetterOut)
    @blp.alt_response(404)
    @blp.alt_response(422)
    def retry_dead_letter(letter_id: str) -> dict[str, Any]:
        """Xử lý lại một dead letter sau khi đã sửa nguyên nhân (chỉ admin); thành công thì đánh dấu đã xử lý."""
        try:
            if consumer is None:
                raise LetterNotFound(letter_id)
            return consumer().retry(letter_id, current_principal().subject)
        except LetterNotFound:
            raise NotFound(f"Không có dead letter '{letter_id}'.") from None
        except RetryRefused as refused:
            raise StillUnprocessable(f"Vẫn không xử lý được: {refused}") from None

    return blp
