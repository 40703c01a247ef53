"""Only the relay's events count (issue 11): a copy of an EnterpriseRegistered produced straight to the registry's
topic with kafka-python, as anyone on the network could, is a dead letter in reporting, support and training;
nobody counts it and no support case can be opened for the enterprise it invents."""
from __future__ import annotations

import uuid
from typing import Any

import pytest
from kafka import KafkaProducer

from deploy.processes import wait_until
from shared.contracts import registry as contract
from shared.envelope import Envelope

pytestmark = pytest.mark.e2e


def registered_event(api, enterprise_id: str) -> dict[str, Any]:
    auditor = api("registry", "DOST", "auditor")
    position = 1
    while True:
        page = auditor.get("/events/", from_position=position, limit=1000).json()
        for event in page["events"]:
            if event["stream_id"] == enterprise_id and event["event_type"] == contract.ENTERPRISE_REGISTERED:
                return event
        assert page["next_from_position"] is not None, "the registration is in the registry's log"
        position = page["next_from_position"]


def by_district(api, code: str) -> int:
    districts = api("reporting", "DOST", "viewer").get("/enterprises/by-district").json()["districts"]
    return sum(row["count"] for row in districts if row["code"] == code)


def dead_letter_reasons(api, service: str, stream_ids: tuple[str, ...]) -> dict[str, str]:
    """The reasons of the service's dead letters whose value names one of ``stream_ids``, by that stream."""
    letters = api(service, "DOST", "auditor").items("/dead-letters", page_size=100)
    return {stream_id: letter["reason"] for letter in letters for stream_id in stream_ids
            if f'"{stream_id}"' in (letter["value"] or "")}


def test_an_event_the_relay_did_not_sign_is_a_dead_letter_everywhere_and_opens_nothing(
        api, register_enterprise, embedded_servers):
    before = by_district(api, "872")  # other tests register there too
    real = register_enterprise(district_code="872", name="HTX Thật")
    event = {key: value for key, value in registered_event(api, real["id"]).items() if key in Envelope.__annotations__}
    counted = before + 1
    wait_until(lambda: by_district(api, "872") == counted, 30, "reporting counted the real enterprise")

    forged_id, resealed_id = f"forged-{uuid.uuid4().hex[:8]}", f"forged-{uuid.uuid4().hex[:8]}"
    finding = {**event, "event_id": str(uuid.uuid4()), "stream_id": forged_id, "position": 999999, "hash": "f" * 64}
    # The same with its hash computed as the store would: only the signature tells it apart.
    resealed = Envelope.from_dict({**event, "event_id": str(uuid.uuid4()), "stream_id": resealed_id,
                                   "position": 999998}).sealed()
    producer = KafkaProducer(bootstrap_servers=embedded_servers.kafka_bootstrap)
    for stream_id, value in ((forged_id, Envelope.from_dict(finding).to_json()), (resealed_id, resealed.to_json())):
        producer.send(contract.TOPIC, key=stream_id.encode(), value=value).get(timeout=10)
    producer.close()

    for service in ("reporting", "support", "training"):
        wait_until(lambda service=service: len(dead_letter_reasons(api, service, (forged_id, resealed_id))) == 2, 30,
                   f"{service} made dead letters of both forged events")
        reasons = dead_letter_reasons(api, service, (forged_id, resealed_id))
        assert all("thiếu chữ ký" in reason for reason in reasons.values()), (service, reasons)

    assert by_district(api, "872") == counted
    for stream_id in (forged_id, resealed_id):
        assert api("support").get(f"/enterprises/{stream_id}").status_code == 404
        refused = api("support").post("/cases", {"enterprise_id": stream_id, "support_type": "barcode",
                                                 "need": "Đăng ký mã số mã vạch", "requested_amount": 5_000_000})
        assert refused.status_code == 422 and list(refused.json()["errors"]) == ["enterprise_id"]
