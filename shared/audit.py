"""The event history of a write service, for auditors: the log page by page, one stream, and verify()."""
from __future__ import annotations

from datetime import UTC

from flask import Flask
from marshmallow import Schema, ValidationError, fields, validate

from shared.envelope import NO_UPCASTERS, Envelope, Upcasters, format_instant
from shared.eventstore import EventFilter, EventStore
from shared.eventstore.mongo import MongoEventStore
from shared.http import ServiceApi, ServiceBlueprint, require, service_context


class EnvelopeSchema(Schema):
    event_id = fields.String()
    event_type = fields.String()
    schema_version = fields.Integer()
    stream_id = fields.String()
    version = fields.Integer()
    position = fields.Integer()
    occurred_at = fields.String(metadata={"description": "thời điểm nghiệp vụ (business time)"})
    recorded_at = fields.String(metadata={"description": "thời điểm hệ thống ghi nhận (system time)"})
    actor = fields.String()
    department = fields.String()
    correlation_id = fields.String()
    causation_id = fields.String(allow_none=True)
    data = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


MAX_POSITION = 2**63 - 1  # what MongoDB stores in an integer


class Instant(fields.AwareDateTime):
    """An ISO 8601 time with its zone (UTC if none), loaded as the log's own textual form of a time."""

    def __init__(self, **kwargs) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return format_instant(moment)
        except (OverflowError, ValueError):
            raise ValidationError("thời điểm nằm ngoài khoảng biểu diễn được") from None


UPCAST = fields.Boolean(load_default=False, metadata={
    "description": "true: đọc theo phiên bản lược đồ mới nhất (khi đó hash không còn khớp nội dung); "
                   "mặc định: đúng như đã lưu, kiểm chứng được bằng hash"})


class LogQuery(Schema):
    from_position = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_POSITION),
                                   metadata={"description": "vị trí bắt đầu trong nhật ký"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    stream_id = fields.String(metadata={"description": "chỉ một luồng (bản ghi)"})
    event_type = fields.String(metadata={"description": "chỉ một loại sự kiện"})
    actor = fields.String(metadata={"description": "người thực hiện"})
    department = fields.String(metadata={"description": "đơn vị của người thực hiện"})
    occurred_from = Instant(metadata={"description": "thời điểm nghiệp vụ từ (bao gồm)"})
    occurred_to = Instant(metadata={"description": "thời điểm nghiệp vụ đến (bao gồm)"})
    recorded_from = Instant(metadata={"description": "thời điểm hệ thống ghi nhận từ (bao gồm)"})
    recorded_to = Instant(metadata={"description": "thời điểm hệ thống ghi nhận đến (bao gồm)"})
    upcast = UPCAST


class LogPage(Schema):
    events = fields.List(fields.Nested(EnvelopeSchema))
    next_from_position = fields.Integer(allow_none=True, metadata={
        "description": "gửi lại làm from_position để đọc tiếp; null khi không còn gì sau from_position"})
    head_position = fields.Integer()


class StreamQuery(Schema):
    to_version = fields.Integer(validate=validate.Range(min=1, max=MAX_POSITION))
    as_of = Instant(metadata={"description": "chỉ các sự kiện hệ thống đã biết tại thời điểm này"})
    upcast = UPCAST


class VerifySchema(Schema):
    ok = fields.Boolean()
    checked = fields.Integer()
    head_hash = fields.String()
    problems = fields.List(fields.Dict())


FILTERS = tuple(name for name in EventFilter.__dataclass_fields__)


def _shown(events: list[Envelope], upcast: bool) -> list[dict]:
    upcasters = store().upcasters
    return [(upcasters.upcast(event) if upcast else event).to_dict() for event in events]


def store() -> EventStore:
    return service_context().store


def attach_event_store(app: Flask, api: ServiceApi, upcasters: Upcasters = NO_UPCASTERS,
                       event_store: EventStore | None = None) -> EventStore:
    """The service's event store (MongoDB unless a test passes another) and its audit endpoints."""
    context = app.extensions["nscl"]
    if event_store is None:
        event_store = MongoEventStore(context.database, upcasters)  # connects on first use, not here
    context.store = event_store
    api.register_blueprint(_audit_blueprint())
    return event_store


def _audit_blueprint() -> ServiceBlueprint:
    blp = ServiceBlueprint("audit", __name__, url_prefix="/api/v1/events",
                           description="Lịch sử sự kiện (chỉ kiểm toán viên và quản trị)")

    @blp.get("/")
    @require("audit")
    @blp.arguments(LogQuery, location="query")
    @blp.response(200, LogPage)
    def log_page(query):
        """Các sự kiện đúng như đã lưu, theo thứ tự vị trí, lọc theo luồng, loại, người, đơn vị và thời gian."""
        head = store().head_position()
        page = store().read_filtered(EventFilter(**{name: query.get(name) for name in FILTERS}),
                                     query["from_position"], query["limit"])
        return {"events": _shown(page.events, query["upcast"]), "next_from_position": page.next_from_position,
                "head_position": head}

    @blp.get("/streams/<stream_id>")
    @require("audit")
    @blp.arguments(StreamQuery, location="query")
    @blp.response(200, EnvelopeSchema(many=True))
    def stream_events(query, stream_id):
        events = store().read_stream(stream_id, to_version=query.get("to_version"), as_of=query.get("as_of"),
                                     raw=True)
        return _shown(events, query["upcast"])

    @blp.get("/verify")
    @require("audit")
    @blp.response(200, VerifySchema)
    def verify():
        report = store().verify()
        return {"ok": report.ok, "checked": report.checked, "head_hash": report.head_hash,
                "problems": [problem.__dict__ for problem in report.problems]}

    return blp
