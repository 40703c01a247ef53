"""While the database is down a service answers 503 within a second (health, reads and writes), says which of
reading or writing failed; health asks the broker for metadata instead of trusting a TCP connect. Nothing listens
on port 1 (offline_settings): no server is started."""
from __future__ import annotations

import socket
import time

import pytest

from services.registry.app import create_app
from shared.bus import broker_answers
from tests.unit.http_helpers import assert_problem, auth, offline_settings

ENTERPRISES = "/api/v1/enterprises"


@pytest.fixture
def client(tmp_path):
    app = create_app(offline_settings(tmp_path))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_health_answers_503_within_a_second_while_the_database_is_down(client):
    response, elapsed = timed(lambda: client.get("/health"))
    assert response.status_code == 503 and elapsed < 1.0
    assert response.get_json()["checks"] == {"mongodb": "unreachable", "kafka": "unreachable"}


def test_a_read_answers_503_within_a_second_and_says_the_data_could_not_be_read(client):
    response, elapsed = timed(lambda: client.get(f"{ENTERPRISES}?page=1", headers=auth()))
    body = assert_problem(response, 503)
    assert elapsed < 1.0
    assert "Không đọc được" in body["detail"] and "ghi" not in body["detail"]
    assert response.headers["Retry-After"]


def test_a_write_answers_503_within_a_second_and_says_nothing_was_written(client):
    response, elapsed = timed(lambda: client.post(ENTERPRISES, headers=auth(), json={
        "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "867"}))
    body = assert_problem(response, 503)
    assert elapsed < 1.0
    assert "Không ghi được" in body["detail"]


def test_a_listener_that_is_not_a_broker_is_not_taken_for_one():
    with socket.socket() as listener:  # accepts connections (the kernel does) but never answers a request
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        started = time.monotonic()
        assert broker_answers(f"127.0.0.1:{listener.getsockname()[1]}") is False
        assert time.monotonic() - started < 1.0
