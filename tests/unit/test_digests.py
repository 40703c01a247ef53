"""Signed digests of a log's head: signing, verifying, the schedule, and the audit API that serves them."""
from __future__ import annotations

import json
import stat
import threading
from dataclasses import replace

import pytest
from kafka.errors import KafkaConnectionError

from deploy.processes import wait_until
from services.registry.app import create_app
from services.registry.bootstrap import bootstrap
from shared.auth import ensure_dev_audit_key
from shared.claims import InMemoryUniqueClaims
from shared.config import Settings
from shared.digests import (
    DIGEST_TOPIC,
    Digest,
    DigestInvalid,
    DigestPublisher,
    DigestSchedule,
    DigestSigner,
    generate_private_pem,
    load_public_key,
    verify_digest,
)
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from shared.relay import Relay
from tests.unit.http_helpers import SECRET, assert_problem, auth
from tests.unit.test_relay import DictCheckpoints, FakePublisher

KEY = generate_private_pem()
META = Metadata("an", "DOST")


class RecordingDigestPublisher(DigestPublisher):
    def __init__(self) -> None:
        self.published: list[Digest] = []
        self.fail_with: Exception | None = None
        self.closed = 0

    def publish(self, digest: Digest) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.published.append(digest)

    def close(self) -> None:
        self.closed += 1


def store_with(count: int) -> InMemoryEventStore:
    store = InMemoryEventStore()
    for n in range(count):
        store.append(f"s-{n % 2}", None, [NewEvent("Noted", {"n": n})], META)
    return store


# ---- signing and verifying ----------------------------------------------------------------------------
def test_a_digest_states_the_head_and_verifies_with_the_public_key():
    signer, store = DigestSigner(KEY), store_with(3)
    digest = signer.digest_of("registry", store)
    assert (digest.service, digest.position, digest.hash) == ("registry", 3, store.head().hash)
    assert digest.key_id == signer.key_id and digest.algorithm == "Ed25519"
    verify_digest(Digest.from_dict(json.loads(json.dumps(digest.to_dict()))), load_public_key(signer.public_pem))


def test_a_digest_of_an_empty_log_names_position_0():
    digest = DigestSigner(KEY).digest_of("support", InMemoryEventStore())
    assert digest.position == 0 and digest.hash == "0" * 64


@pytest.mark.parametrize("change", [
    {"position": 4}, {"hash": "f" * 64}, {"service": "training"}, {"time": "2020-01-01T00:00:00.000Z"},
])
def test_a_changed_digest_no_longer_verifies(change):
    signer = DigestSigner(KEY)
    digest = signer.sign("registry", 3, "a" * 64)
    with pytest.raises(DigestInvalid, match="signature"):
        verify_digest(replace(digest, **change), signer.public_key)


def test_a_digest_signed_with_another_key_does_not_verify():
    digest = DigestSigner(generate_private_pem()).sign("registry", 3, "a" * 64)
    with pytest.raises(DigestInvalid):
        verify_digest(digest, DigestSigner(KEY).public_key)
    with pytest.raises(DigestInvalid, match="signature"):
        verify_digest(replace(digest, key_id=DigestSigner(KEY).key_id), DigestSigner(KEY).public_key)


@pytest.mark.parametrize("raw", [{}, {"service": "registry"}, {
    "service": "r", "position": "3", "hash": "a", "time": "t", "key_id": "k", "signature": "s"}])
def test_a_malformed_digest_is_refused(raw):
    with pytest.raises(DigestInvalid):
        Digest.from_dict(raw)


def test_the_dev_audit_key_is_generated_once_and_owner_readable_only(tmp_path):
    first, second = ensure_dev_audit_key(tmp_path), ensure_dev_audit_key(tmp_path)
    assert first == second
    DigestSigner(first)
    assert stat.S_IMODE((tmp_path / "audit-signing-key.pem").stat().st_mode) == 0o600
    assert Settings.from_env({"NSCL_STATE_DIR": str(tmp_path)}).audit_signing_key == first


# ---- the schedule -------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_schedule_publishes_at_once_then_at_its_interval():
    clock, publisher, store = Clock(), RecordingDigestPublisher(), store_with(2)
    schedule = DigestSchedule("registry", store, DigestSigner(KEY), publisher, 60, clock)
    assert schedule.tick().position == 2
    clock.now += 59
    assert schedule.tick() is None
    store.append("s-9", 0, [NewEvent("Noted", {})], META)
    clock.now += 1
    assert schedule.tick().position == 3
    assert [digest.position for digest in publisher.published] == [2, 3]


def test_the_schedule_retries_soon_after_a_broker_outage():
    clock, publisher = Clock(), RecordingDigestPublisher()
    schedule = DigestSchedule("registry", store_with(1), DigestSigner(KEY), publisher, 300, clock)
    publisher.fail_with = KafkaConnectionError("down")
    assert schedule.tick() is None and publisher.closed == 1
    publisher.fail_with = None
    clock.now += 5
    assert schedule.tick().position == 1


def test_the_relay_publishes_digests_beside_the_events():
    store, digests = store_with(3), RecordingDigestPublisher()
    relay = Relay(store, DictCheckpoints(), FakePublisher(), "nscl.registry.events",
                  digests=DigestSchedule("registry", store, DigestSigner(KEY), digests, 3600))
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"idle_wait_s": 0.01})
    thread.start()
    try:
        wait_until(lambda: digests.published, 10, "a digest from the relay")
    finally:
        stop.set()
        thread.join(5)
    assert digests.published[0].service == "registry"
    assert digests.closed >= 1  # the relay closes the digest publisher when it stops


# ---- the audit API ------------------------------------------------------------------------------------
@pytest.fixture
def app(tmp_path):
    settings = Settings.from_env({"MONGO_URL": "mongodb://127.0.0.1:1", "KAFKA_BOOTSTRAP": "127.0.0.1:1",
                                  "NSCL_JWT_SECRET": SECRET, "NSCL_STATE_DIR": str(tmp_path),
                                  "NSCL_AUDIT_SIGNING_KEY": KEY})
    app = create_app(service=bootstrap(settings, store=store_with(4), claims=InMemoryUniqueClaims()))
    app.extensions["nscl.audit"].publisher = RecordingDigestPublisher()
    yield app
    app.extensions["nscl"].mongo.close()


def test_the_public_key_is_served_without_a_token(app):
    response = app.test_client().get("/.well-known/nscl-audit-key")
    assert response.status_code == 200 and response.mimetype == "application/x-pem-file"
    assert response.headers["X-Key-Id"] == DigestSigner(KEY).key_id
    load_public_key(response.data)


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_an_auditor_gets_a_signed_digest_of_the_head_also_written_to_the_topic(app, role):
    client = app.test_client()
    response = client.post("/api/v1/events/digests", headers=auth("DOF", role))
    assert response.status_code == 201, response.data
    body = response.get_json()
    digest = Digest.from_dict(body["digest"])
    assert (digest.service, digest.position) == ("registry", 4) and body["published_to"] == DIGEST_TOPIC
    verify_digest(digest, load_public_key(client.get("/.well-known/nscl-audit-key").data))
    assert app.extensions["nscl.audit"].publisher.published == [digest]


def test_a_digest_is_still_given_when_the_broker_is_down(app):
    app.extensions["nscl.audit"].publisher.fail_with = KafkaConnectionError("down")
    body = app.test_client().post("/api/v1/events/digests", headers=auth("DOST", "auditor")).get_json()
    assert body["published_to"] is None and body["digest"]["position"] == 4


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_only_auditors_and_admins_ask_for_digests(app, role):
    assert_problem(app.test_client().post("/api/v1/events/digests", headers=auth("DOST", role)), 403)
    assert app.extensions["nscl.audit"].publisher.published == []


def test_without_a_signing_key_digests_are_503_problems(tmp_path):
    settings = Settings.from_env({"MONGO_URL": "mongodb://127.0.0.1:1", "KAFKA_BOOTSTRAP": "127.0.0.1:1",
                                  "NSCL_JWT_SECRET": SECRET, "NSCL_STATE_DIR": str(tmp_path)})
    app = create_app(service=bootstrap(settings, store=store_with(1), claims=InMemoryUniqueClaims()))
    try:
        client = app.test_client()
        assert_problem(client.post("/api/v1/events/digests", headers=auth("DOST", "auditor")), 503)
        assert_problem(client.get("/.well-known/nscl-audit-key"), 503)
    finally:
        app.extensions["nscl"].mongo.close()
