"""The HTTP frame every service shares: app factory, problem+json errors, auth, and command headers."""
from __future__ import annotations

import hashlib
import hmac
import http
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import wraps
from typing import Any, Generic, TypeVar

from flask import Flask, Response, current_app, g, jsonify, request, url_for
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, RAISE, Schema, fields
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import HTTPException

from shared.aggregate import Aggregate
from shared.assets import SWAGGER_UI_URL, register_shared_assets
from shared.auth import Forbidden, Principal, TokenService, Unauthenticated, authorize, reads_personal_data
from shared.bootstrap import WriteService
from shared.bus import broker_answers
from shared.commands import CommandContext, Outcome
from shared.config import Settings
from shared.envelope import Envelope, canonical_json
from shared.errors import DomainError, NotFound, PreconditionFailed
from shared.eventstore import ConcurrencyError, EventStore, IdempotencyKeyReused, StorageUnavailable
from shared.inputs import JsonRejected, load_json
from shared.mongo import TRANSIENT_ERRORS, connect_for, ping
from shared.reference import province_today
from shared.units import UnitDirectory

log = logging.getLogger("nscl.http")
PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "urn:nscl:problem:"
MAX_IDEMPOTENCY_KEY = 200
HEALTH_ANSWER_S = 0.9  # /health answers by then: a probe that has not answered counts as unreachable
# Below gunicorn's own limits (deploy/gunicorn.conf.py: request line 8190 bytes, header line 16380), so the
# application answers these with problem+json; gunicorn answers only beyond its limits, with its own text/html.
MAX_URL_LENGTH = 4000
MAX_HEADER_LINE = 8000
MAX_HEADER_BYTES = 64 * 1024
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}", re.ASCII)  # anything else is replaced by a fresh id
# Vietnamese titles of the HTTP errors the frame itself answers (routing, body size, methods).
HTTP_TITLES = {
    400: "Yêu cầu không hợp lệ", 404: "Không tìm thấy", 405: "Phương thức không được hỗ trợ",
    406: "Không có định dạng phù hợp", 408: "Hết thời gian chờ yêu cầu", 411: "Thiếu độ dài nội dung",
    413: "Nội dung yêu cầu quá lớn", 414: "Địa chỉ yêu cầu quá dài", 415: "Kiểu nội dung không được hỗ trợ",
    429: "Quá nhiều yêu cầu", 431: "Tiêu đề yêu cầu quá lớn", 500: "Lỗi hệ thống",
}
HTTP_DETAILS = {
    404: "Không có tài nguyên tại địa chỉ này.", 405: "Địa chỉ này không nhận phương thức HTTP đã gửi.",
    413: "Nội dung yêu cầu vượt quá giới hạn cho phép ({limit} byte).",
    414: "Địa chỉ (đường dẫn và tham số) vượt quá {limit} ký tự.",
    415: "Hãy gửi nội dung JSON với Content-Type: application/json.",
    431: "Các tiêu đề của yêu cầu vượt quá giới hạn cho phép ({limit} byte).",
}


def problem(status: int, slug: str, title: str, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    if request:
        body.setdefault("instance", request.path)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Problem(Schema):
    """RFC 9457 problem details, as every error of every service is answered. Extension members beside the
    documented ones are allowed, as the RFC says (a client ignores what it does not know)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(metadata={"description": "urn:nscl:problem:<loại lỗi>, ổn định"})
    title = fields.String(metadata={"description": "tiêu đề tiếng Việt"})
    status = fields.Integer()
    detail = fields.String(metadata={"description": "mô tả tiếng Việt"})
    instance = fields.String(metadata={"description": "đường dẫn của yêu cầu"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "dữ liệu không hợp lệ: tên trường → các thông báo"})
    current_version = fields.Integer(metadata={"description": "409/412: phiên bản hiện tại của bản ghi"})
    current_state = fields.String(metadata={"description": "409: trạng thái hiện tại không cho phép thao tác"})
    existing_id = fields.String(metadata={"description": "409: bản ghi đã giữ giá trị duy nhất này"})
    owner = fields.String(metadata={"description": "403 not-owner: đơn vị quản lý bản ghi"})
    allowed = fields.List(fields.String(), metadata={"description": "403 not-owner: các đơn vị được thay đổi bản ghi"})


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # bad input is the client's error: 400 naming each field
    # An unknown parameter is an error everywhere: a mistyped filter (?district_code[$ne]=x) must not look
    # like a filtered list.
    DEFAULT_UNKNOWN_BY_LOCATION = {location: RAISE for location in FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION}

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            return load_json(req.get_data(cache=True))
        except JsonRejected as rejected:
            abort(400, messages={"json": {rejected.field: [rejected.message]}})
        except (ValueError, UnicodeDecodeError):  # not JSON, not UTF-8, or a number too long to read
            abort(400, messages={"json": {"_schema": ["nội dung không phải JSON hợp lệ (UTF-8)"]}})


class ServiceBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()

    def alt_response(self, status_code: Any, *args: Any, **kwargs: Any) -> Callable:
        """An error response documented without a schema is documented as what it is: problem+json."""
        if int(status_code) >= 400 and not args and "schema" not in kwargs and "response" not in kwargs:
            kwargs.update(schema=Problem, content_type=PROBLEM_JSON)
        return super().alt_response(status_code, *args, **kwargs)

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable:
        """As flask-smorest's, and refuses to sit above ``@require``: who may call comes before what they send
        (a department without the right gets 403, never a 400 that describes the body). A schema class is built
        once here (webargs would build one per request)."""
        decorate = super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

        def checked(view: Callable) -> Callable:
            if getattr(view, REQUIRED_ACTION, None) is not None:
                raise TypeError(f"{view.__name__}: put @require(...) above @blp.arguments(...)")
            return decorate(view)
        return checked


class ServiceApi(Api):
    ERROR_SCHEMA = Problem

    def _register_responses(self) -> None:
        """Every error response the document names is problem+json (flask-smorest's say application/json)."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": HTTP_TITLES.get(status.value, status.phrase)}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Lỗi (problem+json, RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or data.get("errors")
        if messages is not None:
            fields = _flatten_field_errors(messages)
            names = ", ".join(sorted(fields)) or "(không rõ)"
            return problem(error.code or 400, "validation-error", "Dữ liệu không hợp lệ",
                           f"Các trường không hợp lệ: {names}", errors=fields)
        if error.code == 500:
            log.error("unhandled error: %s", getattr(error, "original_exception", error))
            return problem(500, "internal-error", "Lỗi hệ thống",
                           "Đã xảy ra lỗi không mong muốn; sự cố đã được ghi lại.")
        code = error.code or 500
        limit = current_app.config.get("MAX_CONTENT_LENGTH") if code == 413 else None
        detail = HTTP_DETAILS[code].format(limit=limit) if code in HTTP_DETAILS else None
        return problem(code, _slug(error.name), HTTP_TITLES.get(code, error.name),
                       detail or data.get("message") or error.description or error.name)


def _flatten_field_errors(messages: Any) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"tax_code": [...]}}); clients want field → messages."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "querystring", "headers",
                                                        "view_args", "path", "form", "files"}:
        flat: dict[str, list[str]] = {}
        for location_errors in messages.values():
            flat.update(_flatten_field_errors(location_errors))
        return flat
    flat = {}
    for field, value in (messages.items() if isinstance(messages, dict) else [("_schema", messages)]):
        if isinstance(value, dict):
            for sub, sub_messages in _flatten_field_errors(value).items():
                flat[f"{field}.{sub}"] = sub_messages
        else:
            flat[str(field)] = [str(item) for item in (value if isinstance(value, list) else [value])]
    return flat


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ---- auth -------------------------------------------------------------------------------------------
def current_principal() -> Principal:
    return g.principal


def may_read_personal_data() -> bool:
    """Whether this request's principal reads personal data on this service (shared.auth.reads_personal_data)."""
    return reads_personal_data(current_principal(), service_context().name)


def without_personal_data(record: dict[str, Any], personal: Sequence[str]) -> dict[str, Any]:
    """``record`` without its ``personal`` fields, unless this request's principal may read them."""
    if not personal or may_read_personal_data():
        return record
    return {name: value for name, value in record.items() if name not in personal}


REQUIRED_ACTION = "_nscl_required_action"


def require(action: str, permits: Callable[[Principal], None] | None = None) -> Callable:
    """Route decorator: a valid bearer token whose principal may do ``action`` on this service, checked before
    the request's parameters and body are read. ``permits`` adds the command's own rule that needs no record
    (e.g. only DOST approves); it raises Forbidden or a 403 DomainError, so an unknown record id or a body that
    would not validate tells a department without the right nothing."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("thiếu mã truy cập (Authorization: Bearer <token>)")
            services = service_context()
            principal = services.tokens.verify(token.strip())
            authorize(principal, services.name, action, merged_into(principal) if action == "write" else frozenset())
            if permits is not None:
                permits(principal)
            g.principal = principal
            return view(*args, **kwargs)
        setattr(guarded, REQUIRED_ACTION, action)
        return guarded
    return decorator


def _units_now(services: ServiceContext) -> UnitDirectory | None:
    """The units in time as this write service knows them (None for reporting, which writes no commands)."""
    return services.dependencies.units.directory() if services.dependencies is not None else None


def merged_into(principal: Principal) -> frozenset[str]:
    """The departments merged into the principal's by today: their rights and records are its own."""
    units = _units_now(service_context())
    return units.predecessors(principal.department, province_today().isoformat()) if units else frozenset()


# ---- command headers (ETag / If-Match / Idempotency-Key) --------------------------------------------
def command_context() -> CommandContext:
    principal = current_principal()
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        raise _HeaderError("Idempotency-Key", f"phải dài từ 1 đến {MAX_IDEMPOTENCY_KEY} ký tự")
    scoped_key = f"{principal.subject}:{request.method}:{request.path}:{key}" if key else None
    request_hash = _request_fingerprint() if key else None
    given = request.headers.get("X-Correlation-Id") or ""
    correlation_id = given if CORRELATION_ID.fullmatch(given) else str(uuid.uuid4())
    return CommandContext(principal=principal, correlation_id=correlation_id, idempotency_key=scoped_key,
                          request_hash=request_hash, expected_version=_if_match_version(),
                          units=_units_now(service_context()))


def _request_fingerprint() -> str:
    """The same JSON sent again with other spacing or key order is the same request. Kept with the commit, so it
    is keyed (HMAC with the person key secret, when configured): a body holds a national id, which a plain hash
    beside the rest of the body (in the event) would let anyone with the database guess."""
    try:
        payload = canonical_json(load_json(request.get_data(cache=True))) if request.is_json else request.get_data()
    except (ValueError, UnicodeDecodeError):  # not JSON a route would take: its bytes are its identity
        payload = request.get_data()
    secret = service_context().settings.person_key_secret
    if secret:
        return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()
    return hashlib.sha256(payload).hexdigest()


def _if_match_version() -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = re.fullmatch(r'\s*"(\d+)"\s*', header)
    if not match:
        raise _HeaderError("If-Match", 'phải là phiên bản dạng "3" (giá trị ETag đã nhận)')
    return int(match.group(1))


# OpenAPI parameters of the command headers, documented once for every service.
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 200},
                   "description": "gửi lại cùng khoá → cùng kết quả, không ghi thêm"}
IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"},
            "description": 'ETag đã nhận, ví dụ "3"; nếu bản ghi đã đổi → 412'}
CORRELATION_ID_HEADER = {"in": "header", "name": "X-Correlation-Id",
                         "schema": {"type": "string", "maxLength": 100, "pattern": "^[A-Za-z0-9._:-]{1,100}$"},
                         "description": "mã theo dõi yêu cầu, lưu trong sự kiện; giá trị khác mẫu → thay bằng mã mới"}
COMMAND_HEADERS = {"parameters": [IDEMPOTENCY_KEY, IF_MATCH, CORRELATION_ID_HEADER]}
CREATE_HEADERS = {"parameters": [IDEMPOTENCY_KEY, CORRELATION_ID_HEADER]}
ETAG_HEADER = {"ETag": {"description": "phiên bản của bản ghi"}}


def etag(version: int) -> str:
    return f'"{version}"'


def versioned(body: Any, version: int, status: int = 200, outcome: Outcome | None = None,
              location: str | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = etag(version)
    if location:
        response.headers["Location"] = location
    if outcome is not None and outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


Command = TypeVar("Command")


def dispatch(handler: Callable[[Command, Any, CommandContext], Outcome], command: Command) -> Outcome:
    """Runs a command handler with this app's bootstrapped dependencies and this request's command context."""
    return handler(command, service_context().dependencies, command_context())


State = TypeVar("State")


@dataclass(frozen=True)
class Resource(Generic[State]):
    """One kind of record served from its own stream: load it or answer 404, and answer a command with the
    record as the command left it (ETag, Location for a new one, Idempotent-Replayed), without a second read.

    ``missing`` is the 404 detail, with ``{}`` for the id; ``endpoint`` and ``id_arg`` name the GET route of
    one record, for the Location header. A record folded by an ``aggregate`` (shared.aggregate) is read from its
    newest snapshot and the events after it, and its commands (``run_folded``) carry its state."""
    fold: Callable[[list[Envelope]], State | None]
    render: Callable[[State], Any]
    missing: str
    endpoint: str = ""
    id_arg: str = "id"
    aggregate: Aggregate[State] | None = None

    def state(self, history: Sequence[Envelope], stream_id: str) -> State:
        return self._found(self.fold(list(history)) if history else None, stream_id)

    def load(self, store: EventStore, stream_id: str) -> State:
        if self.aggregate is not None:
            return self._found(self.aggregate.load(store, stream_id).state, stream_id)
        return self.state(store.read_stream(stream_id), stream_id)

    def get(self, store: EventStore, stream_id: str) -> Response:
        if self.aggregate is not None:
            loaded = self.aggregate.load(store, stream_id)
            return versioned(self.render(self._found(loaded.state, stream_id)), loaded.version)
        history = store.read_stream(stream_id)
        return versioned(self.render(self.state(history, stream_id)), history[-1].version)

    def answer(self, outcome: Outcome, status: int = 200, *, created: bool = False) -> Response:
        if self.aggregate is not None:
            state = self._found(outcome.state, outcome.stream_id)
        else:
            state = self.state(outcome.history, outcome.stream_id)
        location = url_for(self.endpoint, **{self.id_arg: outcome.stream_id}) if created else None  # type: ignore[arg-type]
        return versioned(self.render(state), outcome.version, status, outcome, location)

    def _found(self, state: State | None, stream_id: str) -> State:
        if state is None:
            raise NotFound(self.missing.format(stream_id))
        return state


class _HeaderError(Exception):
    def __init__(self, header: str, message: str) -> None:
        super().__init__(message)
        self.header, self.message = header, message


# ---- the app factory --------------------------------------------------------------------------------
@dataclass
class ServiceContext:
    name: str
    settings: Settings
    tokens: TokenService
    mongo: Any
    database: Any
    dependencies: WriteService | None = None  # a write service: what its bootstrap() built
    event_store: EventStore | None = None  # the store of a service not built by shared.bootstrap (reporting)

    @property
    def store(self) -> EventStore:
        if self.dependencies is not None:
            return self.dependencies.store
        if self.event_store is None:
            raise RuntimeError(f"{self.name} has no event store")
        return self.event_store


def service_context() -> ServiceContext:
    return current_app.extensions["nscl"]


Built = TypeVar("Built", bound=WriteService)


def dependencies(kind: type[Built]) -> Built:
    """The write service's bootstrapped dependencies, typed: ``dependencies(RegistryService).claims``."""
    found = service_context().dependencies
    if not isinstance(found, kind):
        raise RuntimeError(f"this app was not bootstrapped with {kind.__name__}")
    return found


def create_service_app(name: str, title: str, description: str, settings: Settings | None = None,
                       mongo_client: Any = None, dependencies: WriteService | None = None) -> tuple[Flask, ServiceApi]:
    """A Flask app with OpenAPI at /openapi.json, /health, bearer auth and problem+json errors.
    Clients are built here, never at import time (gunicorn forks after import)."""
    from shared.config import database_for

    settings = settings or Settings.from_env()
    if not (settings.jwt_secret or settings.jwt_public_key or settings.jwt_jwks_file):
        raise RuntimeError("no way to verify tokens: set NSCL_JWT_SECRET (the launcher generates a dev one), "
                           "NSCL_JWT_PUBLIC_KEY(_FILE) or NSCL_JWT_JWKS_FILE")
    app = Flask(name)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,  # larger bodies are refused (413) before they are read
        API_TITLE=title, API_VERSION="v1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json", OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL, OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                              "bearerFormat": "JWT"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # the default provider's settings
    app.json.sort_keys = False  # type: ignore[attr-defined]
    mongo = mongo_client or connect_for(settings)
    database = dependencies.database if dependencies else mongo[database_for(name)]
    app.extensions["nscl"] = ServiceContext(name=name, settings=settings, tokens=TokenService.from_settings(settings),
                                            mongo=mongo, database=database, dependencies=dependencies)
    api = ServiceApi(app)
    register_shared_assets(app)
    _register_error_handlers(app)
    app.before_request(_within_request_limits)
    _register_health(app, name, settings)
    return app, api


def _within_request_limits() -> Response | None:
    """An address or headers beyond the limits: 414 or 431, problem+json, before any route runs."""
    target = request.environ.get("RAW_URI") or request.full_path
    if len(target) > MAX_URL_LENGTH:
        return problem(414, "uri-too-long", HTTP_TITLES[414], HTTP_DETAILS[414].format(limit=MAX_URL_LENGTH))
    lines = [len(name) + 2 + len(value) for name, value in request.headers.items()]
    if max(lines, default=0) > MAX_HEADER_LINE or sum(lines) > MAX_HEADER_BYTES:
        limit = MAX_HEADER_LINE if max(lines) > MAX_HEADER_LINE else MAX_HEADER_BYTES
        return problem(431, "request-header-fields-too-large", HTTP_TITLES[431], HTTP_DETAILS[431].format(limit=limit))
    return None


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Unauthenticated)
    def unauthenticated(error):
        return problem(401, "unauthenticated", "Chưa xác thực", str(error),
                       headers={"WWW-Authenticate": 'Bearer realm="nscl"'})

    @app.errorhandler(Forbidden)
    def forbidden(error):
        return problem(403, "forbidden", "Không có quyền", str(error))

    @app.errorhandler(_HeaderError)
    def bad_header(error):
        return problem(400, "invalid-header", "Tiêu đề yêu cầu không hợp lệ",
                       f"{error.header}: {error.message}", errors={error.header: [error.message]})

    @app.errorhandler(PreconditionFailed)
    def precondition_failed(error):
        return problem(412, "stale-version", "Phiên bản đã cũ",
                       f"Bạn gửi If-Match phiên bản {error.expected}, bản ghi hiện ở phiên bản {error.current}; "
                       "hãy tải lại rồi thử lại.", headers={"ETag": etag(error.current)},
                       current_version=error.current)

    @app.errorhandler(ConcurrencyError)
    def concurrency(error):
        return problem(409, "concurrent-modification", "Xung đột ghi đồng thời",
                       f"Một người khác vừa ghi vào bản ghi này (phiên bản hiện tại {error.current}); "
                       "hãy tải lại rồi thử lại.", headers={"ETag": etag(error.current)},
                       current_version=error.current)

    @app.errorhandler(IdempotencyKeyReused)
    def key_reused(error):
        return problem(422, "idempotency-key-reused", "Idempotency-Key đã được dùng",
                       "Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác.",
                       errors={"Idempotency-Key": ["đã được dùng cho một yêu cầu khác"]})

    @app.errorhandler(DomainError)
    def domain_error(error):
        return problem(error.status, error.slug, error.title, error.detail, **error.extra)

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        detail = ("Không đọc được dữ liệu. Hãy thử lại sau ít phút." if request.method in ("GET", "HEAD") else
                  "Không ghi được; không có gì bị ghi dở. Hãy thử lại sau ít phút.")
        return problem(503, "storage-unavailable", "Cơ sở dữ liệu tạm thời không truy cập được", detail,
                       headers={"Retry-After": "5"})

    for transient in TRANSIENT_ERRORS:
        app.register_error_handler(transient, storage_unavailable)


def _register_health(app: Flask, name: str, settings: Settings) -> None:
    @app.get("/health")
    def health():
        services = service_context()
        deadline = time.monotonic() + HEALTH_ANSWER_S
        pool = ThreadPoolExecutor(max_workers=1)  # both probes at once
        broker = pool.submit(broker_answers, settings.kafka_bootstrap)
        pool.shutdown(wait=False)  # a probe still closing its client does not hold the answer back
        database_ok = ping(services.mongo)
        try:  # a broker that has not answered by the deadline counts as unreachable
            broker_ok = broker.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            broker_ok = False
        # Writes need only the database; without the broker the relay catches up later.
        status = "ok" if database_ok and broker_ok else ("degraded" if database_ok else "down")
        body = {"service": name, "status": status,
                "checks": {"mongodb": "ok" if database_ok else "unreachable",
                           "kafka": "ok" if broker_ok else "unreachable"}}
        return body, 200 if database_ok else 503
