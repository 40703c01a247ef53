"""What the services' HTTP unit tests share: settings that reach no server, tokens, problem checks."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from shared.auth import Principal, TokenService
from shared.config import Settings

SECRET = secrets.token_hex(32)
PERSON_KEY_SECRET = secrets.token_hex(32)
PROBLEM_JSON = "application/problem+json"


def offline_settings(tmp_path) -> Settings:
    """No server listens on port 1: a test that reached MongoDB or Kafka would fail, not pass by luck."""
    return Settings.from_env({"MONGO_URL": "mongodb://127.0.0.1:1", "KAFKA_BOOTSTRAP": "127.0.0.1:1",
                              "NSCL_JWT_SECRET": SECRET, "NSCL_STATE_DIR": str(tmp_path),
                              "NSCL_PERSON_KEY_SECRET": PERSON_KEY_SECRET})


def auth(department: str = "DOST", role: str = "clerk") -> dict[str, str]:
    token = TokenService(SECRET).issue(Principal(f"test-{department.lower()}-{role}", department, role))
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.data
    assert response.headers["Content-Type"].startswith(PROBLEM_JSON)
    body = json.loads(response.data)
    assert body["status"] == status and body["type"].startswith("urn:nscl:problem:")
    return body


def hand_signed(payload: dict, key: bytes = SECRET.encode(), header: dict | None = None) -> str:
    """A token made by hand (HS256, or unsigned with ``{"alg": "none"}``): PyJWT would refuse to encode some of
    these payloads; a forger would not."""
    header = header or {"alg": "HS256", "typ": "JWT"}

    def part(value: dict) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")
    signing_input = part(header) + b"." + part(payload)
    if header["alg"] != "HS256":
        return (signing_input + b".").decode()
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()
