"""schemathesis walks every operation of every service's OpenAPI document with a valid token and generated
input (valid and invalid): no 5xx, and every answer is one the document declares, with its declared content
type and schema. The apps run in-process on the real MongoDB-protocol server, each on a database of its own.

The examples per operation are bounded (``NSCL_SCHEMATHESIS_EXAMPLES``, 8 by default) so the suite stays fast;
raise it for a longer hunt, e.g. ``NSCL_SCHEMATHESIS_EXAMPLES=200 ./dev test tests/integration/test_schemathesis.py``.
"""
from __future__ import annotations

import os
import secrets
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.registry import bootstrap as registry
from services.registry.app import create_app as registry_app
from services.reporting import bootstrap as reporting
from services.reporting.app import create_app as reporting_app
from services.support import bootstrap as support
from services.support.app import create_app as support_app
from services.training import bootstrap as training
from services.training.app import create_app as training_app
from shared.auth import Principal, TokenService
from shared.config import Settings
from shared.digests import generate_private_pem
from shared.eventstore.mongo import MongoEventStore

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("NSCL_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
WRITE_APPS = {"registry": (registry.bootstrap, registry_app), "support": (support.bootstrap, support_app),
              "training": (training.bootstrap, training_app)}


@pytest.fixture(scope="module")
def served(embedded_servers, jwt_secret, mongo_client, tmp_path_factory):
    """Each service's app on databases of its own, and an admin's token (every operation is open to it)."""
    settings = Settings.from_env({"MONGO_URL": embedded_servers.mongo_url,
                                  "KAFKA_BOOTSTRAP": embedded_servers.kafka_bootstrap, "NSCL_JWT_SECRET": jwt_secret,
                                  "NSCL_STATE_DIR": str(tmp_path_factory.mktemp("schemathesis")),
                                  "NSCL_AUDIT_SIGNING_KEY": generate_private_pem(),
                                  "NSCL_PERSON_KEY_SECRET": secrets.token_hex(32)})
    databases = {service: mongo_client[f"fuzz_{service}_{uuid.uuid4().hex[:8]}"] for service in (*WRITE_APPS,
                                                                                                  "reporting")}
    apps = {service: factory(service=build(settings, database=databases[service]))
            for service, (build, factory) in WRITE_APPS.items()}
    apps["reporting"] = reporting_app(settings, reporting.bootstrap(
        settings, mongo_client, projection_name=databases["reporting"].name,
        reports=MongoEventStore(databases["reporting"])))
    token = TokenService(jwt_secret).issue(Principal("fuzz-admin", "DOST", "admin"))
    yield apps, {"Authorization": f"Bearer {token}"}
    for database in databases.values():
        mongo_client.drop_database(database.name)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def fuzz(app, headers: dict[str, str]) -> tuple[int, int, dict[str, str]]:
    """Every operation, with valid and with invalid input: (operations, requests, failures by operation)."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations, requests, failures = 0, 0, {}
    for found in schema.get_all_operations():
        if not isinstance(found, Ok):  # the document itself is broken here: a failure of its own
            failures[f"invalid operation {operations}"] = str(found.err())
            continue
        operation = found.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def send(case) -> None:
                nonlocal requests
                requests += 1
                case.call_and_validate(headers=headers, checks=CHECKS)
            try:
                send()
            except Unsatisfiable:
                continue  # no input of this operation can be made invalid (e.g. one free-text path parameter)
            except Exception as failure:  # noqa: BLE001 - each operation's first failure is reported, the walk goes on
                failures[f"{operation.label} ({mode.value})"] = str(failure)[:2000]
    return operations, requests, failures


@pytest.mark.parametrize("service", ["registry", "support", "training", "reporting"])
def test_every_operation_answers_generated_requests_as_documented(served, service):
    apps, headers = served
    operations, requests, failures = fuzz(apps[service], headers)
    print(f"schemathesis {service}: {operations} operations, {requests} requests, {len(failures)} failing")
    assert operations >= 5 and requests >= operations * 2
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
