"""What the services' HTTP unit tests share: settings that reach no server, tokens, problem checks."""
from __future__ import annotations

import json
import secrets

from shared.auth import Principal, TokenService
from shared.config import Settings

SECRET = secrets.token_hex(32)
PROBLEM_JSON = "application/problem+json"


def offline_settings(tmp_path) -> Settings:
    """No server listens on port 1: a test that reached MongoDB or Kafka would fail, not pass by luck."""
    return Settings.from_env({"MONGO_URL": "mongodb://127.0.0.1:1", "KAFKA_BOOTSTRAP": "127.0.0.1:1",
                              "NSCL_JWT_SECRET": SECRET, "NSCL_STATE_DIR": str(tmp_path)})


def auth(department: str = "DOST", role: str = "clerk") -> dict[str, str]:
    token = TokenService(SECRET).issue(Principal(f"test-{department.lower()}-{role}", department, role))
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.data
    assert response.headers["Content-Type"].startswith(PROBLEM_JSON)
    body = json.loads(response.data)
    assert body["status"] == status and body["type"].startswith("urn:nscl:problem:")
    return body


def offline_reporting_app(tmp_path):
    """Reporting's app with no database read at start (the projection named, reports in memory)."""
    from services.reporting.app import create_app
    from services.reporting.bootstrap import bootstrap
    from shared.eventstore.memory import InMemoryEventStore
    from shared.mongo import connect

    settings = offline_settings(tmp_path)
    dependencies = bootstrap(settings, connect(settings.mongo_url), projection_name="nscl_reporting",
                             reports=InMemoryEventStore())
    return create_app(settings, dependencies)
