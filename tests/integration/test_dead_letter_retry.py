"""An admin retries a dead letter after its cause was fixed (issue 11): the record goes through every check and the
handler again, on the real MongoDB-protocol server, and the letter is marked resolved; a letter still refused
answers 422 with the reason and stays as it was."""
from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from services.support.app import create_app
from services.support.bootstrap import bootstrap
from shared.consumer import Delivery, RetryRefused
from shared.contracts import contract_problem
from shared.contracts import registry as contract
from shared.digests import generate_private_pem
from shared.directory import DEAD_LETTERS, directory_consumer
from shared.envelope import Envelope
from shared.provenance import EnvelopeSigner
from tests.fakes import stored_event

pytestmark = pytest.mark.integration


def registration(stream_id: str, **changes) -> Envelope:
    event = stored_event(stream_id, contract.ENTERPRISE_REGISTERED, {
        "tax_code": f"14{uuid.uuid4().int % 10**8:08d}", "name": "HTX Sen Tháp Mười", "district_code": "875",
        "district_name": "Huyện Tháp Mười", "registered_on": "2022-03-01"})
    return Envelope.from_dict({**event.to_dict(), **changes}).sealed() if changes else event


def deliver(loop, value: bytes, signer: EnvelopeSigner | None, offset: int) -> None:
    loop.process(Delivery(contract.TOPIC, 0, offset, b"key", value, 1_700_000_000_000 + offset,
                          tuple(signer.headers(value)) if signer else ()))


def letter_of(database, value: bytes) -> dict:
    [letter] = [found for found in database[DEAD_LETTERS].find() if found["value"] == value.decode()]
    return letter


def test_a_letter_refused_for_a_key_not_yet_configured_is_applied_by_an_admins_retry_once_it_is(
        settings, fresh_database, tokens):
    service = bootstrap(settings, database=fresh_database)
    loop = directory_consumer(service)
    rotated = EnvelopeSigner(generate_private_pem())  # the registry's relay got a new key; consumers not yet
    signed_by_new_key = registration("ent-rotated").to_json()
    deliver(loop, signed_by_new_key, rotated, 1)
    deliver(loop, b"{not json", EnvelopeSigner(settings.relay_signing_keys["registry"]), 2)
    assert service.known_enterprises.lookup("ent-rotated") is None
    letter, garbage = letter_of(fresh_database, signed_by_new_key), letter_of(fresh_database, b"{not json")
    assert "chữ ký không hợp lệ" in letter["reason"]

    before_fix = create_app(settings, service).test_client()
    admin = tokens("DOST", "admin")
    refused = before_fix.post(f"/api/v1/dead-letters/{letter['_id']}/retry", headers=admin)
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    assert "chữ ký không hợp lệ" in refused.json["detail"]

    # The fix: the consumers are given the relay's new public key beside the old one.
    keys = {**settings.relay_public_keys, "registry": settings.relay_public_keys["registry"] + rotated.public_pem}
    fixed_settings = replace(settings, relay_public_keys=keys)
    fixed = bootstrap(fixed_settings, database=fresh_database)
    client = create_app(fixed_settings, fixed).test_client()
    assert client.post(f"/api/v1/dead-letters/{letter['_id']}/retry", headers=tokens("DOST", "auditor")).status_code \
        == 403
    assert client.post(f"/api/v1/dead-letters/{letter['_id']}/retry").status_code == 401
    retried = client.post(f"/api/v1/dead-letters/{letter['_id']}/retry", headers=admin)
    assert retried.status_code == 200, retried.json
    assert retried.json["resolved_at"] and retried.json["resolved_by"] == "test-dost-admin"
    assert fixed.known_enterprises.lookup("ent-rotated")["status"] == "open"
    again = client.post(f"/api/v1/dead-letters/{letter['_id']}/retry", headers=admin)
    assert again.status_code == 200 and again.json["resolved_at"] == retried.json["resolved_at"]

    still = client.post(f"/api/v1/dead-letters/{garbage['_id']}/retry", headers=admin)
    assert still.status_code == 422 and "JSON" in still.json["detail"]
    assert fresh_database[DEAD_LETTERS].find_one({"_id": garbage["_id"]}).get("resolved_at") is None
    assert client.post("/api/v1/dead-letters/dl-none/retry", headers=admin).status_code == 404
    assert fresh_database[DEAD_LETTERS].count_documents({}) == 2  # retrying recorded nothing new


def test_an_event_of_a_schema_version_the_contracts_did_not_describe_yet_is_applied_after_they_do(
        settings, fresh_database):
    service = bootstrap(settings, database=fresh_database)
    loop = directory_consumer(service)
    newer = registration("ent-v2", schema_version=2).to_json()
    deliver(loop, newer, EnvelopeSigner(settings.relay_signing_keys["registry"]), 1)
    letter = letter_of(fresh_database, newer)
    assert "phiên bản lược đồ 2" in letter["reason"]
    with pytest.raises(RetryRefused):
        loop.retry(letter["_id"], "admin")

    # The fix: this consumer is deployed with contracts that describe version 2 as well.
    loop.vet = lambda event, topic: None if event.schema_version == 2 else contract_problem(event, topic)
    resolved = loop.retry(letter["_id"], "admin")
    assert resolved["resolved_by"] == "admin"
    assert service.known_enterprises.lookup("ent-v2") is not None
