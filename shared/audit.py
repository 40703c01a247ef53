"""The event history of a write service, for auditors: the log page by page, one stream, and verify()."""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, fields, validate

from shared.envelope import format_instant
from shared.eventstore import EventStore
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


class LogQuery(Schema):
    from_position = fields.Integer(load_default=1, validate=validate.Range(min=1))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class LogPage(Schema):
    events = fields.List(fields.Nested(EnvelopeSchema))
    next_from_position = fields.Integer(allow_none=True)
    head_position = fields.Integer()


class StreamQuery(Schema):
    to_version = fields.Integer(validate=validate.Range(min=1))
    as_of = fields.AwareDateTime(default_timezone=timezone.utc, metadata={"description": "chỉ các sự kiện hệ thống đã biết tại thời điểm này"})


class VerifySchema(Schema):
    ok = fields.Boolean()
    checked = fields.Integer()
    head_hash = fields.String()
    problems = fields.List(fields.Dict())


def store() -> EventStore:
    return service_context().store


def register_audit(api: ServiceApi) -> None:
    """The audit endpoints, on the event store the service's bootstrap built (``ServiceContext.store``)."""
    api.register_blueprint(_audit_blueprint())


def _audit_blueprint() -> ServiceBlueprint:
    blp = ServiceBlueprint("audit", __name__, url_prefix="/api/v1/events",
                           description="Lịch sử sự kiện (chỉ kiểm toán viên và quản trị)")

    @blp.get("/")
    @require("audit")
    @blp.arguments(LogQuery, location="query")
    @blp.response(200, LogPage)
    def log_page(query):
        batch = next(iter(store().read_all(query["from_position"], query["limit"])), [])[:query["limit"]]
        return {"events": [event.to_dict() for event in batch],
                "next_from_position": batch[-1].position + 1 if batch else None,
                "head_position": store().head_position()}

    @blp.get("/streams/<stream_id>")
    @require("audit")
    @blp.arguments(StreamQuery, location="query")
    @blp.response(200, EnvelopeSchema(many=True))
    def stream_events(query, stream_id):
        as_of = format_instant(query["as_of"]) if query.get("as_of") else None
        return [event.to_dict() for event in store().read_stream(stream_id, to_version=query.get("to_version"),
                                                                  as_of=as_of)]

    @blp.get("/verify")
    @require("audit")
    @blp.response(200, VerifySchema)
    def verify():
        report = store().verify()
        return {"ok": report.ok, "checked": report.checked, "head_hash": report.head_hash,
                "problems": [problem.__dict__ for problem in report.problems]}

    return blp
