"""Every operation of every service's OpenAPI document, held against broken tokens and missing rights.

No token, a bad signature, ``alg: none``, an expired token or one for another audience → 401; a role or a
department without the right → 403, before anything else (so a body that would not validate still gets the
401 or 403). The operations documented as public stay public. Offline: the Flask test clients, no server.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import jwt
import pytest

from services.registry import bootstrap as registry
from services.registry.app import create_app as registry_app
from services.reporting.app import create_app as reporting_app
from services.support import bootstrap as support
from services.support.app import create_app as support_app
from services.training import bootstrap as training
from services.training.app import create_app as training_app
from shared.auth import AUDIENCE, ISSUER, WRITERS, Principal, TokenService
from shared.claims import InMemoryUniqueClaims
from shared.config import Settings
from shared.digests import generate_private_pem
from shared.eventstore.memory import InMemoryEventStore
from shared.reference import DEPARTMENTS
from tests.unit.http_helpers import SECRET, assert_problem, hand_signed

METHODS = ("get", "post", "put", "patch", "delete")
# What the documents declare public (security: []), and the plain routes every service serves without a token.
DOCUMENTED_PUBLIC = {("training", "GET", "/api/v1/certificates/{public_id}")}
UNDOCUMENTED_PUBLIC = ("/openapi.json", "/docs")
FACTORIES = {"registry": registry_app, "support": support_app, "training": training_app, "reporting": reporting_app}
BOOTSTRAPS = {"registry": registry.bootstrap, "support": support.bootstrap,
              "training": partial(training.bootstrap, certificate_ids=InMemoryUniqueClaims())}


def _settings(tmp_path) -> Settings:
    return Settings.from_env({"MONGO_URL": "mongodb://127.0.0.1:1", "KAFKA_BOOTSTRAP": "127.0.0.1:1",
                              "NSCL_JWT_SECRET": SECRET, "NSCL_STATE_DIR": str(tmp_path),
                              "NSCL_AUDIT_SIGNING_KEY": generate_private_pem(), "NSCL_PERSON_KEY_SECRET": SECRET})


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    built = {}
    for service, factory in FACTORIES.items():
        settings = _settings(tmp_path_factory.mktemp(service))
        built[service] = factory(settings) if service == "reporting" else factory(
            service=BOOTSTRAPS[service](settings, store=InMemoryEventStore()))
    yield built
    for app in built.values():
        app.extensions["nscl"].mongo.close()


def operations(app) -> list[tuple[str, str, dict]]:
    spec = app.test_client().get("/openapi.json").get_json()
    found = []
    for path, item in spec["paths"].items():
        shared_parameters = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                operation = item[method]
                parameters = shared_parameters + operation.get("parameters", [])
                found.append((method.upper(), path, {**operation, "parameters": parameters,
                                                     "public": operation.get("security", spec["security"]) == []}))
    return found


def concrete(path: str, operation: dict) -> str:
    """The path with a value its route accepts: an integer at its documented minimum, else an id that names nothing."""
    schemas = {parameter["name"]: parameter.get("schema", {}) for parameter in operation["parameters"]
               if parameter.get("in") == "path"}

    def value(name: str) -> str:
        schema = schemas.get(name, {})
        return str(schema.get("minimum", 1)) if schema.get("type") == "integer" else "khong-co-ma-nay"
    return re.sub(r"\{(\w+)\}", lambda m: value(m.group(1)), path)


def action_of(method: str, path: str) -> str:
    if path.startswith("/api/v1/events"):
        return "audit"
    return "read" if method == "GET" else "write"


# ---- tokens that must not pass --------------------------------------------------------------------------
ISSUER_OF_TESTS = TokenService(SECRET)


def _admin_claims(**overrides) -> dict:
    now = int(datetime.now(UTC).timestamp())
    return {"sub": "mallory", "dept": "DOST", "role": "admin", "iss": ISSUER, "aud": AUDIENCE, "iat": now,
            "exp": now + 3600, **overrides}


def _bad_signature() -> str:
    token = ISSUER_OF_TESTS.issue(Principal("mallory", "DOST", "admin"))
    head, payload, signature = token.split(".")
    return f"{head}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


BROKEN_TOKENS = {
    "no token": None,
    "not a bearer": "Basic YWRtaW46YWRtaW4=",
    "bad signature": f"Bearer {_bad_signature()}",
    "another secret": f"Bearer {TokenService('y' * 64).issue(Principal('mallory', 'DOST', 'admin'))}",
    "alg none": f"Bearer {hand_signed(_admin_claims(), header={'alg': 'none', 'typ': 'JWT'})}",
    "expired": "Bearer " + ISSUER_OF_TESTS.issue(Principal("mallory", "DOST", "admin"), timedelta(minutes=-10)),
    "another audience": "Bearer " + jwt.encode(_admin_claims(aud="another-api"), SECRET, algorithm="HS256"),
    "numeric-string exp": f"Bearer {hand_signed(_admin_claims(exp=str(_admin_claims()['exp'])))}",
}


def principals_without_the_right(service: str, action: str) -> list[Principal]:
    if action == "read":
        return []
    outsider = next(department for department in DEPARTMENTS if department not in WRITERS[service])
    if action == "audit":
        return [Principal("p", "DOST", "viewer"), Principal("p", "DOST", "clerk")]
    return [Principal("p", "DOST", "viewer"), Principal("p", "DOST", "auditor"), Principal("p", outsider, "clerk")]


def call(client, method: str, path: str, authorization: str | None):
    headers = {"Authorization": authorization} if authorization else {}
    body: dict[str, Any] = {"json": {}} if method != "GET" else {}
    return client.open(path, method=method, headers=headers, **body)


# ---- the walk -------------------------------------------------------------------------------------------
def test_every_protected_operation_refuses_broken_tokens_and_missing_rights(apps):
    checked, failures, protected = 0, [], 0
    for service, app in apps.items():
        client = app.test_client()
        for method, template, operation in operations(app):
            if operation["public"]:
                continue
            protected += 1
            path = concrete(template, operation)
            for label, authorization in BROKEN_TOKENS.items():
                response = call(client, method, path, authorization)
                checked += 1
                if response.status_code != 401 or not response.headers.get("WWW-Authenticate", "").startswith(
                        "Bearer") or response.mimetype != "application/problem+json":
                    failures.append(f"{service} {method} {template} [{label}] → {response.status_code}")
            for principal in principals_without_the_right(service, action_of(method, template)):
                response = call(client, method, path, f"Bearer {ISSUER_OF_TESTS.issue(principal)}")
                checked += 1
                if response.status_code != 403 or response.mimetype != "application/problem+json":
                    failures.append(f"{service} {method} {template} [{principal.department} {principal.role}] → "
                                    f"{response.status_code}")
    assert failures == []
    assert protected >= 70, f"only {protected} protected operations found: is the walk reading the documents?"
    print(f"{protected} protected operations, {checked} requests checked")


def test_the_documented_public_operations_are_exactly_the_certificate_check(apps):
    public = {(service, method, path) for service, app in apps.items()
              for method, path, operation in operations(app) if operation["public"]}
    assert public == DOCUMENTED_PUBLIC


def test_the_public_operations_answer_without_a_token(apps):
    for service, method, template in DOCUMENTED_PUBLIC:
        response = apps[service].test_client().open(template.replace("{public_id}", "NSCL-KHONG-CO"), method=method)
        assert_problem(response, 404)  # a certificate that does not exist: not 401, not 403
    for service, app in apps.items():
        client = app.test_client()
        for path in UNDOCUMENTED_PUBLIC:
            assert client.get(path).status_code == 200, (service, path)
        assert client.get("/.well-known/nscl-audit-key").status_code == 200, service


@pytest.mark.parametrize("service", ["registry", "support", "training", "reporting"])
def test_the_history_endpoints_are_audited_operations_in_every_service_with_a_store(apps, service):
    paths = {(method, path) for method, path, _ in operations(apps[service])}
    assert {("GET", "/api/v1/events/"), ("GET", "/api/v1/events/verify"),
            ("GET", "/api/v1/events/streams/{stream_id}"), ("POST", "/api/v1/events/digests")} <= paths
