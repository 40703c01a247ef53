"""The event history of a write service, for auditors: the log as stored (filtered, page by page), one stream,
verify(), signed digests of the head on demand, and the public key that checks them."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, Response, current_app
from marshmallow import Schema, fields, validate

from shared.digests import DIGEST_TOPIC, PUBLISH_ERRORS, DigestPublisher, DigestSigner, KafkaDigestPublisher
from shared.envelope import Envelope, format_instant
from shared.errors import DomainError
from shared.eventstore import EventFilter, EventStore
from shared.http import ServiceApi, ServiceBlueprint, require, service_context
from shared.inputs import MAX_INT, Instant, Int, QueryInput


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


log = logging.getLogger("nscl.audit")
AUDIT_EXTENSION = "nscl.audit"
AUDIT_KEY_PATH = "/.well-known/nscl-audit-key"
MAX_POSITION = MAX_INT


class LogInstant(Instant):
    """An instant loaded as the log's own textual form of a time."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:  # type: ignore[override]  # the log keeps text
        return format_instant(super()._deserialize(value, attr, data, **kwargs))


UPCAST = fields.Boolean(load_default=False, metadata={
    "description": "true: đọc theo phiên bản lược đồ mới nhất (khi đó hash không còn khớp nội dung); "
                   "mặc định: đúng như đã lưu, kiểm chứng được bằng hash"})


class LogQuery(QueryInput):
    from_position = Int(load_default=1, validate=validate.Range(min=1, max=MAX_POSITION),
                                   metadata={"description": "vị trí bắt đầu trong nhật ký"})
    limit = Int(load_default=100, validate=validate.Range(min=1, max=1000))
    stream_id = fields.String(metadata={"description": "chỉ một luồng (bản ghi)"})
    event_type = fields.String(metadata={"description": "chỉ một loại sự kiện"})
    actor = fields.String(metadata={"description": "người thực hiện"})
    department = fields.String(metadata={"description": "đơn vị của người thực hiện"})
    occurred_from = LogInstant(metadata={"description": "thời điểm nghiệp vụ từ (bao gồm)"})
    occurred_to = LogInstant(metadata={"description": "thời điểm nghiệp vụ đến (bao gồm)"})
    recorded_from = LogInstant(metadata={"description": "thời điểm hệ thống ghi nhận từ (bao gồm)"})
    recorded_to = LogInstant(metadata={"description": "thời điểm hệ thống ghi nhận đến (bao gồm)"})
    upcast = UPCAST


class LogPage(Schema):
    events = fields.List(fields.Nested(EnvelopeSchema))
    next_from_position = fields.Integer(allow_none=True, metadata={
        "description": "gửi lại làm from_position để đọc tiếp; null khi không còn gì sau from_position"})
    head_position = fields.Integer()


class StreamQuery(QueryInput):
    to_version = Int(validate=validate.Range(min=1, max=MAX_POSITION))
    as_of = LogInstant(metadata={"description": "chỉ các sự kiện hệ thống đã biết tại thời điểm này"})
    upcast = UPCAST


class DigestSchema(Schema):
    service = fields.String()
    position = fields.Integer(metadata={"description": "vị trí cuối của nhật ký khi ký"})
    hash = fields.String(metadata={"description": "hash của sự kiện ở vị trí đó"})
    time = fields.String(metadata={"description": "thời điểm ký"})
    key_id = fields.String(metadata={"description": "mã khoá công khai (xem /.well-known/nscl-audit-key)"})
    algorithm = fields.String()
    signature = fields.String(metadata={"description": "chữ ký Ed25519 (base64)"})


class DigestOut(Schema):
    digest = fields.Nested(DigestSchema, metadata={"description": "giữ lại để kiểm chứng nhật ký về sau"})
    published_to = fields.String(allow_none=True, metadata={
        "description": f"chủ đề Kafka đã ghi ({DIGEST_TOPIC}); null nếu Kafka tạm thời không ghi được"})


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


@dataclass
class AuditKeys:
    signer: DigestSigner | None  # None when no signing key is configured: digests are then refused (503)
    publisher: DigestPublisher


def audit_keys() -> AuditKeys:
    return current_app.extensions[AUDIT_EXTENSION]


def _signer() -> DigestSigner:
    signer = audit_keys().signer
    if signer is None:
        raise KeyNotConfigured()
    return signer


class KeyNotConfigured(DomainError):
    status = 503
    slug = "audit-key-not-configured"
    title = "Chưa cấu hình khoá ký kiểm toán"

    def __init__(self) -> None:
        super().__init__("Dịch vụ chưa có khoá ký bản tóm tắt nhật ký: đặt NSCL_AUDIT_SIGNING_KEY (PEM Ed25519) "
                         "hoặc NSCL_AUDIT_SIGNING_KEY_FILE.")


def attach_event_store(app: Flask, api: ServiceApi, event_store: EventStore) -> EventStore:
    """The audit endpoints of a service not built by shared.bootstrap (reporting), on the store it gives."""
    app.extensions["nscl"].event_store = event_store
    register_audit(app, api)
    return event_store


def register_audit(app: Flask, api: ServiceApi) -> None:
    """The audit endpoints, on the event store the service's bootstrap built (``ServiceContext.store``)."""
    settings = app.extensions["nscl"].settings
    app.extensions[AUDIT_EXTENSION] = AuditKeys(
        DigestSigner(settings.audit_signing_key) if settings.audit_signing_key else None,
        KafkaDigestPublisher(settings.kafka_bootstrap))  # connects on first publish, not here
    app.add_url_rule(AUDIT_KEY_PATH, "audit_public_key", _public_key)
    api.register_blueprint(_audit_blueprint())


def _public_key() -> Response:
    """Public: the key that checks this service's digests (Ed25519, PEM)."""
    signer = _signer()
    return Response(signer.public_pem, mimetype="application/x-pem-file", headers={"X-Key-Id": signer.key_id})


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

    @blp.post("/digests")
    @require("audit")
    @blp.response(201, DigestOut)
    def sign_digest():
        """Ký bản tóm tắt đầu nhật ký (vị trí, hash, thời điểm) và ghi vào chủ đề kiểm toán; giữ lại để kiểm chứng."""
        digest = _signer().digest_of(service_context().name, store())
        try:
            audit_keys().publisher.publish(digest)
            published_to = DIGEST_TOPIC
        except PUBLISH_ERRORS as error:
            log.warning("digest signed but not published: %s", error)
            audit_keys().publisher.close()
            published_to = None
        return {"digest": digest.to_dict(), "published_to": published_to}

    @blp.get("/verify")
    @require("audit")
    @blp.response(200, VerifySchema)
    def verify():
        report = store().verify()
        return {"ok": report.ok, "checked": report.checked, "head_hash": report.head_hash,
                "problems": [problem.__dict__ for problem in report.problems]}

    return blp
