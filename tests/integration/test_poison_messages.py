"""Messages anyone on the network could produce to an event topic, through a service's real consumer loop (the
enterprises support knows) on the real embedded servers: each becomes one dead letter with its reason, the loop
commits past it and applies the valid event produced after them; the letters are listed by the service's API.
Malformed values are signed with the relay's key here (so the reason is about the value: a relay bug, or another
version of the contracts); well-formed events nobody signed are refused for that."""
from __future__ import annotations

import base64
import json
import threading
import uuid

import pytest
from kafka import KafkaConsumer, TopicPartition

from deploy.processes import free_port, wait_until
from deploy.stack import EmbeddedServers
from services.support.app import create_app
from services.support.bootstrap import bootstrap
from shared.bus import TRANSIENT_KAFKA_ERRORS, ConsumerSettings, ensure_topic, make_producer
from shared.consumer import MAX_VALUE_BYTES, ConsumerLoop, Delivery, MongoDeadLetters
from shared.contracts import registry as contract
from shared.directory import DEAD_LETTERS, EnterpriseDirectory, directory_consumer
from shared.envelope import Envelope
from shared.provenance import EnvelopeSigner, EnvelopeVerifier
from tests.fakes import stored_event
from tests.signing import verifier_of
from tests.topics import read_records

pytestmark = pytest.mark.integration


def registration(stream_id: str, tax_code: str, **changes) -> Envelope:
    event = stored_event(stream_id, contract.ENTERPRISE_REGISTERED, {
        "tax_code": tax_code, "name": "HTX Xoài Cao Lãnh", "district_code": "873", "district_name": "Huyện Cao Lãnh",
        "registered_on": "2022-03-01"})
    return Envelope.from_dict({**event.to_dict(), **changes}).sealed() if changes else event


def poison() -> dict[str, tuple[bytes | None, str]]:
    """What is produced (signed by the relay, but for the last two), with a word its dead letter's reason must
    contain."""
    valid = registration("ent-poison", "1400000100")
    return {
        "null": (None, "null"),
        "empty": (b"", "rỗng"),
        "not utf-8": (b"\xff\xfe\x00 not utf-8", "UTF-8"),
        "not json": (b"{not json", "JSON"),
        "array": (b"[1, 2, 3]", "list"),
        "missing fields": (b'{"event_id": "x", "event_type": "EnterpriseRegistered"}', "thiếu trường"),
        "forged hash": (json.dumps({**valid.to_dict(), "hash": "f" * 64}).encode(), "hash"),
        "unknown type": (registration("ent-x", "1400000101", event_type="EnterpriseVanished").to_json(), "hợp đồng"),
        "unknown schema version": (registration("ent-y", "1400000102", schema_version=9).to_json(), "phiên bản"),
        "oversized": (b"{" + b" " * MAX_VALUE_BYTES + b"}", "quá lớn"),
        UNSIGNED[0]: (registration("ent-forged", "1400000103", position=999999).to_json(), "thiếu chữ ký"),
        UNSIGNED[1]: (json.dumps({**registration("ent-forged-2", "1400000104").to_dict(), "position": 999999,
                                  "hash": "f" * 64}).encode(), "thiếu chữ ký"),
    }


UNSIGNED = ("unsigned, hash recomputed", "unsigned, hash f×64 (the finding)")


def committed(bootstrap_servers: str, group: str, topic: str) -> int | None:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False)
    try:
        return consumer.committed(TopicPartition(topic, 0))
    finally:
        consumer.close()


def test_no_message_kills_the_consumer_each_is_a_dead_letter_and_the_next_event_is_applied(
        settings, fresh_database, tokens):
    bootstrap_servers = settings.kafka_bootstrap
    topic = f"nscl.test-{uuid.uuid4().hex[:8]}.events"
    ensure_topic(bootstrap_servers, topic, 1)  # one partition: the valid event is read after every poison
    producer = make_producer(bootstrap_servers, "test-poison", max_request_size=4 * MAX_VALUE_BYTES)
    messages = poison()
    relay_key = EnvelopeSigner(settings.relay_signing_keys["registry"])
    for name, (value, _) in messages.items():
        headers = relay_key.headers(value) if value and name not in UNSIGNED else None
        producer.send(topic, key=b"poison", value=value, headers=headers).get(timeout=10)
    good = registration("ent-good", "1400000199")
    producer.send(topic, key=good.stream_id.encode(), value=good.to_json(),
                  headers=relay_key.headers(good.to_json())).get(timeout=10)
    producer.close()

    service = bootstrap(settings, database=fresh_database)
    loop = directory_consumer(service)
    loop.verifier = loop.verifier.reading(topic, as_topic=contract.TOPIC)  # this test's topic, fed as registry's
    group = f"support-dir-{uuid.uuid4().hex[:6]}"
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(ConsumerSettings(bootstrap_servers, group, 3000, 20),
                                                     [topic], stop))
    thread.start()
    try:
        wait_until(lambda: service.known_enterprises.lookup("ent-good") is not None, 30, "the valid event applied")
        wait_until(lambda: committed(bootstrap_servers, group, topic) == len(messages) + 1, 15,
                   "the offsets committed past every message")
        assert thread.is_alive(), "the consumer loop died"
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert service.known_enterprises.lookup("ent-good")["tax_code"] == "1400000199"
    for unknown in ("ent-poison", "ent-x", "ent-y", "ent-forged", "ent-forged-2"):
        assert service.known_enterprises.lookup(unknown) is None

    letters = {letter["source"]["offset"]: letter for letter in fresh_database[DEAD_LETTERS].find()}
    assert sorted(letters) == list(range(len(messages)))
    for offset, (name, (value, says)) in enumerate(messages.items()):
        letter = letters[offset]
        assert says in letter["reason"], (name, letter["reason"])
        assert letter["deliveries"] == 1
        if value is None:
            assert letter["value"] is None and letter["value_encoding"] is None
        elif letter["value_encoding"] == "base64":
            assert base64.b64decode(letter["value"]) == value
        elif not letter["value_truncated"]:
            assert letter["value"].encode() == value
    assert letters[2]["value_encoding"] == "base64" and letters[9]["value_truncated"]

    # Every letter is listed by support's API, for auditors (and admins) only.
    client = create_app(settings, service).test_client()
    page = client.get("/api/v1/dead-letters?page_size=6", headers=tokens("DOST", "auditor"))
    assert page.status_code == 200
    body = page.get_json()
    assert body["total"] == len(messages) and len(body["items"]) == 6 and body["pages"] == 2
    listed = {item["id"] for page_number in (1, 2) for item in client.get(
        f"/api/v1/dead-letters?page_size=6&page={page_number}", headers=tokens("DOST", "admin")).get_json()["items"]}
    assert listed == {letter["_id"] for letter in letters.values()}
    assert all("_id" not in item for item in body["items"])
    assert client.get("/api/v1/dead-letters", headers=tokens("DOST", "viewer")).status_code == 403
    assert client.get("/api/v1/dead-letters").status_code == 401


def test_a_dead_letter_the_broker_does_not_take_is_retried_then_the_delivery_fails_transiently(
        fresh_database, caplog):
    letters = MongoDeadLetters(fresh_database[DEAD_LETTERS], "127.0.0.1:1", "nscl.test.dead-letters", timeout_s=1,
                               retry_wait_s=0.01)
    loop = ConsumerLoop(lambda event: None, letters, verifier=verifier_of("nscl.registry.events"))

    with pytest.raises(TRANSIENT_KAFKA_ERRORS):
        loop.process(Delivery("nscl.registry.events", 0, 5, None, b"{not json", 1_700_000_000_000))

    failures = [record for record in caplog.records if record.levelname == "ERROR" and "not published" in
                record.getMessage()]
    assert len(failures) == MongoDeadLetters.PUBLISH_ATTEMPTS
    [letter] = fresh_database[DEAD_LETTERS].find()  # kept for the API; the redelivery will publish it again
    assert letter["source"]["offset"] == 5


def test_while_the_dead_letters_cannot_be_published_nothing_is_committed_and_once_they_can_nothing_is_lost(
        settings, fresh_database, tmp_path):
    """The loop reads from the session's broker; its dead letters go to a broker that is down, then up."""
    bootstrap_servers = settings.kafka_bootstrap
    topic = f"nscl.test-{uuid.uuid4().hex[:8]}.events"
    ensure_topic(bootstrap_servers, topic, 1)
    good = registration("ent-after-poison", "1400000299")
    producer = make_producer(bootstrap_servers, "test-poison")
    producer.send(topic, key=b"poison", value=b"{not json").get(timeout=10)
    producer.send(topic, key=good.stream_id.encode(), value=good.to_json(),
                  headers=EnvelopeSigner(settings.relay_signing_keys["registry"]).headers(good.to_json())).get(
        timeout=10)
    producer.close()

    dead_letter_broker = EmbeddedServers(tmp_path / "dlq-broker", free_port(), free_port())
    dead_letter_topic = f"nscl.test-{uuid.uuid4().hex[:8]}.dead-letters"
    service = bootstrap(settings, database=fresh_database)
    letters = MongoDeadLetters(fresh_database[DEAD_LETTERS], dead_letter_broker.kafka_bootstrap, dead_letter_topic,
                               timeout_s=1, retry_wait_s=0.05)
    loop = ConsumerLoop(EnterpriseDirectory(fresh_database).handle, letters,
                        verifier=EnvelopeVerifier.from_settings(settings).reading(topic, as_topic=contract.TOPIC))
    group, stop = f"support-dir-{uuid.uuid4().hex[:6]}", threading.Event()
    thread = threading.Thread(target=loop.run, args=(ConsumerSettings(bootstrap_servers, group, 3000, 20), [topic],
                                                     stop, 0.2))
    thread.start()
    try:
        def redelivered() -> bool:
            found = fresh_database[DEAD_LETTERS].find_one({})
            return found is not None and found["deliveries"] >= 2
        wait_until(redelivered, 60, "the poison redelivered after its dead letter could not be published")
        assert committed(bootstrap_servers, group, topic) is None  # nothing committed past the poison
        assert service.known_enterprises.lookup("ent-after-poison") is None  # the loop did not skip ahead

        dead_letter_broker.start_kafka()
        wait_until(lambda: committed(bootstrap_servers, group, topic) == 2, 60,
                   "the offsets committed once the dead letter was published")
        assert service.known_enterprises.lookup("ent-after-poison") is not None
        published = read_records(dead_letter_broker.kafka_bootstrap, dead_letter_topic, 1)
    finally:
        stop.set()
        thread.join(timeout=15)
        dead_letter_broker.stop()
    assert not thread.is_alive()
    assert [json.loads(record.value)["value"] for record in published][-1] == "{not json"
    [letter] = fresh_database[DEAD_LETTERS].find()
    assert "thiếu chữ ký" in letter["reason"]
