"""Every service's OpenAPI document, as another tool reads it: every error response is application/problem+json,
every pattern is a regular expression ECMA-262 reads the same way, every integer a client sends is bounded to
what MongoDB stores, and the documented limits are there. Offline: the Flask test clients, no server."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from services.registry.app import create_app as registry_app
from services.registry.bootstrap import bootstrap as registry_bootstrap
from services.reporting.app import create_app as reporting_app
from services.support.app import create_app as support_app
from services.support.bootstrap import bootstrap as support_bootstrap
from services.training.app import create_app as training_app
from services.training.bootstrap import bootstrap as training_bootstrap
from shared.eventstore.memory import InMemoryEventStore
from shared.inputs import MAX_INT, MIN_INT
from tests.unit.http_helpers import offline_settings

METHODS = ("get", "post", "put", "patch", "delete")
# Constructs Python reads and ECMA-262 (JSON Schema's dialect) does not, or reads otherwise.
PYTHON_ONLY = [
    (r"\(\?[aiLmsux]+[:)]", "inline flags such as (?s)"), (r"\(\?P[<=]", "named groups (?P<…>)"),
    (r"\(\?<[=!]", "lookbehind"), (r"\\[AZz]", r"\A, \Z, \z anchors"), (r"[*+?}]\+", "possessive quantifiers"),
    (r"\(\?>", "atomic groups"), (r"\(\?\(", "conditionals"), (r"\\[pP]\{", "Unicode classes without the u flag"),
]


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    built = {
        "registry": registry_app(service=registry_bootstrap(offline_settings(tmp_path_factory.mktemp("r")),
                                                            store=InMemoryEventStore())),
        "support": support_app(service=support_bootstrap(offline_settings(tmp_path_factory.mktemp("s")),
                                                         store=InMemoryEventStore())),
        "training": training_app(service=training_bootstrap(offline_settings(tmp_path_factory.mktemp("t")),
                                                            store=InMemoryEventStore())),
        "reporting": reporting_app(offline_settings(tmp_path_factory.mktemp("p"))),
    }
    specs = {name: app.test_client().get("/openapi.json").get_json() for name, app in built.items()}
    for app in built.values():
        app.extensions["nscl"].mongo.close()
    return specs


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def schemas_in(spec: dict, node: Any, seen: set[str] | None = None) -> Iterator[tuple[str, dict]]:
    """Every (property name, schema) reachable from ``node``, following references once."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            if ref not in seen:
                seen.add(ref)
                yield from schemas_in(spec, resolve(spec, node), seen)
            return
        for name, value in node.get("properties", {}).items():
            yield name, resolve(spec, value) if "$ref" in value else value
        for value in node.values():
            yield from schemas_in(spec, value, seen)
    elif isinstance(node, list):
        for item in node:
            yield from schemas_in(spec, item, seen)


def inputs_of(spec: dict) -> Iterator[tuple[str, str, dict]]:
    """(operation, name, schema) of every parameter and request body property a client sends."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation, where = item[method], f"{method.upper()} {path}"
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                parameter = resolve(spec, parameter)
                yield where, parameter["name"], parameter.get("schema", {})
            for name, schema in schemas_in(spec, operation.get("requestBody", {})):
                yield where, name, schema


def responses_of(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            for status, response in item.get(method, {}).get("responses", {}).items():
                yield f"{method.upper()} {path}", status, resolve(spec, response)


def test_every_service_documents_operations(documents):
    assert all(len(spec["paths"]) >= 5 for spec in documents.values())


@pytest.mark.parametrize("service", ["registry", "support", "training", "reporting"])
def test_every_error_response_is_problem_json(documents, service):
    spec = documents[service]
    errors = [(where, status, response) for where, status, response in responses_of(spec)
              if status == "default" or status.startswith(("4", "5"))]
    assert errors
    wrong = [(where, status, sorted(response.get("content", {}))) for where, status, response in errors
             if set(response.get("content", {})) != {"application/problem+json"}]
    assert not wrong


@pytest.mark.parametrize("service", ["registry", "support", "training", "reporting"])
def test_every_pattern_is_portable_to_ecma_262(documents, service):
    patterns = [(where, name, schema["pattern"]) for where, name, schema in inputs_of(documents[service])
                if "pattern" in schema]
    for where, name, pattern in patterns:
        for construct, meaning in PYTHON_ONLY:
            assert not re.search(construct, pattern), f"{where} {name}: {pattern!r} uses {meaning}"
        assert pattern.startswith("^") and pattern.endswith("$"), f"{where} {name}: {pattern!r} is not anchored"
        re.compile(pattern)


def test_the_patterns_that_were_python_only_are_gone(documents):
    text = repr(documents)
    assert "(?s)" not in text and r"\d" not in text


@pytest.mark.parametrize("service", ["registry", "support", "training", "reporting"])
def test_every_integer_a_client_sends_is_bounded_to_64_bits(documents, service):
    integers = [(where, name, schema) for where, name, schema in inputs_of(documents[service])
                if schema.get("type") == "integer"]
    unbounded = [(where, name) for where, name, schema in integers
                 if schema.get("minimum", MIN_INT - 1) < MIN_INT or schema.get("maximum", MAX_INT + 1) > MAX_INT]
    assert not unbounded


def test_the_command_limits_are_documented(documents):
    parameters = [resolve(documents["support"], parameter) for item in documents["support"]["paths"].values()
                  for operation in item.values() if isinstance(operation, dict)
                  for parameter in operation.get("parameters", [])]
    keys = [parameter for parameter in parameters if parameter["name"] == "Idempotency-Key"]
    assert keys and all(parameter["schema"]["maxLength"] == 200 for parameter in keys)
    ids = [parameter for parameter in parameters if parameter["name"] == "X-Correlation-Id"]
    assert ids and all(parameter["schema"]["maxLength"] == 100 for parameter in ids)
    case = documents["support"]["components"]["schemas"]["ProposeCase"]["properties"]
    assert case["need"]["maxLength"] == 2000 and case["requested_amount"]["maximum"] == MAX_INT


def test_the_problem_schema_is_documented(documents):
    for spec in documents.values():
        problem = spec["components"]["schemas"]["Problem"]["properties"]
        assert {"type", "title", "status", "detail", "errors"} <= set(problem)
