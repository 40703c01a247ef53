from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import replace

import pytest
from pymongo.errors import AutoReconnect

from shared.bus import ConsumerSettings
from shared.consumer import (
    MAX_STORED_VALUE_BYTES,
    MAX_VALUE_BYTES,
    ConsumerLoop,
    DeadLetter,
    DeadLetters,
    Delivery,
    FetchPace,
    RebalanceWatch,
)
from shared.digests import generate_private_pem
from shared.envelope import Envelope, Upcasters
from shared.provenance import EnvelopeSigner, EnvelopeVerifier
from tests.fakes import stored_event as sealed
from tests.signing import signed, verifier_of

TOPIC = "nscl.registry.events"
ENTERPRISE = "enterprise-1"


class RecordingDeadLetters(DeadLetters):
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    def record(self, letter: DeadLetter) -> None:
        self.letters.append(letter)


class RecordingHandler:
    def __init__(self, error: BaseException | None = None) -> None:
        self.seen: list[Envelope] = []
        self.error = error

    def __call__(self, envelope: Envelope) -> None:
        self.seen.append(envelope)
        if self.error is not None:
            raise self.error


def stored_event(event_type: str = "EnterpriseRegistered", data: dict | None = None,
                 schema_version: int = 1) -> Envelope:
    return sealed(ENTERPRISE, event_type, data or {"name": "Sen Hồng"}, schema_version)


VERIFIER = verifier_of(TOPIC)


def delivery_of(value: bytes | None, offset: int = 42, timestamp: int = 1_700_000_000_000) -> Delivery:
    """A record as the topic's relay signs it (whatever its value)."""
    return Delivery(topic=TOPIC, partition=2, offset=offset, key=b"enterprise-1", value=value, timestamp=timestamp,
                    headers=signed(value) if value else ())


def test_a_good_event_reaches_the_handler_and_no_dead_letter_is_recorded():
    event = stored_event()
    handler, dead_letters = RecordingHandler(), RecordingDeadLetters()

    ConsumerLoop(handler, dead_letters, verifier=VERIFIER).process(delivery_of(event.to_json()))

    assert handler.seen == [event]
    assert dead_letters.letters == []


def test_the_handler_sees_the_upcast_event():
    upcasters = Upcasters()

    @upcasters.register("EnterpriseRegistered", 1)
    def add_district_name(data):
        return {**data, "district_name": "Thành phố Sa Đéc"}

    event = stored_event(data={"name": "Sen Hồng", "district_code": "867"})
    handler = RecordingHandler()

    def contract_at_version_2(event, topic):
        return None if event.schema_version == 2 else "not version 2"

    ConsumerLoop(handler, RecordingDeadLetters(), upcasters, vet=contract_at_version_2, verifier=VERIFIER).process(
        delivery_of(event.to_json()))

    [seen] = handler.seen
    assert seen.schema_version == 2
    assert seen.data == {"name": "Sen Hồng", "district_code": "867", "district_name": "Thành phố Sa Đéc"}
    assert seen.event_id == event.event_id


def sealed_dict(event: Envelope, **changes) -> dict:
    """The event's JSON form with ``changes``, sealed again (a well-formed envelope someone else produced)."""
    changed = replace(event, **changes)
    return changed.sealed().to_dict()


def json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


VALID = stored_event()
UNDECODABLE = {
    "null (tombstone)": (None, "null"),
    "empty": (b"", "rỗng"),
    "not utf-8": (b"\xff\xfe not utf-8", "UTF-8"),
    "not json": (b"{not json", "JSON"),
    "a json array": (b"[1, 2, 3]", "list"),
    "a json string": (b'"EnterpriseRegistered"', "str"),
    "deeply nested": (b"[" * 100000 + b"]" * 100000, "JSON"),
    "missing fields": (b'{"event_id": "only-this"}', "thiếu trường"),
    "wrong field types": (json_bytes({**VALID.to_dict(), "version": "1"}), "version"),
    "a boolean version": (json_bytes({**VALID.to_dict(), "version": True}), "version"),
    "data not an object": (json_bytes({**VALID.to_dict(), "data": [1]}), "data"),
    "version zero": (json_bytes(sealed_dict(VALID, version=0)), "từ 1"),
    "a forged hash": (json_bytes({**VALID.to_dict(), "hash": "f" * 64}), "hash"),
    "oversized": (b" " * (MAX_VALUE_BYTES + 1), "quá lớn"),
}


@pytest.mark.parametrize("value, says", UNDECODABLE.values(), ids=UNDECODABLE.keys())
def test_an_undecodable_delivery_becomes_one_dead_letter_with_its_reason_and_raw_value(value, says):
    handler, dead_letters = RecordingHandler(), RecordingDeadLetters()

    ConsumerLoop(handler, dead_letters, verifier=VERIFIER).process(delivery_of(value, offset=7))

    assert handler.seen == []
    [letter] = dead_letters.letters
    assert says in letter.reason
    assert letter.event_type is None and letter.stream_id is None and letter.event_id is None
    assert letter.source == {"topic": TOPIC, "partition": 2, "offset": 7, "timestamp": 1_700_000_000_000}
    if value is None:
        assert (letter.value, letter.value_encoding, letter.value_bytes) == (None, None, None)
        return
    assert letter.value_bytes == len(value) and letter.value_sha256 == hashlib.sha256(value).hexdigest()
    kept = base64.b64decode(letter.value) if letter.value_encoding == "base64" else letter.value.encode()
    assert value.startswith(kept) and len(kept) <= MAX_STORED_VALUE_BYTES
    assert letter.value_truncated == (len(value) > MAX_STORED_VALUE_BYTES)


def test_bytes_that_are_not_utf8_are_kept_exactly_in_base64():
    value = b"\xff\xfe not utf-8"
    dead_letters = RecordingDeadLetters()
    ConsumerLoop(RecordingHandler(), dead_letters, verifier=VERIFIER).process(delivery_of(value))
    [letter] = dead_letters.letters
    assert letter.value_encoding == "base64" and base64.b64decode(letter.value) == value


OTHER_RELAY = EnvelopeSigner(generate_private_pem())
RESEALED = Envelope.from_dict(sealed_dict(VALID, stream_id="forged-enterprise", position=999999))
NOT_THE_RELAYS = {
    "unsigned": (Delivery(TOPIC, 2, 42, None, VALID.to_json()), "thiếu chữ ký"),
    "signed by another key": (replace(delivery_of(VALID.to_json()), headers=signed(VALID.to_json(), OTHER_RELAY)),
                              "chữ ký không hợp lệ"),
    "changed after signing, hash recomputed": (replace(delivery_of(VALID.to_json()), value=RESEALED.to_json()),
                                               "chữ ký không hợp lệ"),
    "signed for another topic": (replace(delivery_of(VALID.to_json()), topic="nscl.support.events"),
                                 "chữ ký không hợp lệ"),
}


@pytest.mark.parametrize("delivery, says", NOT_THE_RELAYS.values(), ids=NOT_THE_RELAYS.keys())
def test_a_record_the_topics_relay_did_not_sign_is_a_dead_letter_before_any_effect(delivery, says):
    handler, dead_letters = RecordingHandler(), RecordingDeadLetters()
    verifier = EnvelopeVerifier({**VERIFIER.keys, "nscl.support.events": verifier_of(
        "nscl.support.events", signer=OTHER_RELAY).keys["nscl.support.events"]})

    ConsumerLoop(handler, dead_letters, verifier=verifier).process(delivery)

    assert handler.seen == []
    [letter] = dead_letters.letters
    assert says in letter.reason
    claimed = Envelope.from_json(delivery.value)
    assert (letter.event_id, letter.stream_id) == (claimed.event_id, claimed.stream_id)  # named, never applied


def test_the_signature_is_kept_with_the_dead_letter_so_a_retry_can_check_it_again():
    dead_letters = RecordingDeadLetters()
    value = json_bytes(sealed_dict(VALID, event_type="EnterpriseDeleted"))
    ConsumerLoop(RecordingHandler(), dead_letters, verifier=VERIFIER).process(delivery_of(value))
    [letter] = dead_letters.letters
    assert {name: base64.b64decode(kept) for name, kept in (letter.signature or {}).items()} == dict(signed(value))


def test_a_loop_refuses_to_start_on_a_topic_it_has_no_relay_key_for():
    loop = ConsumerLoop(RecordingHandler(), RecordingDeadLetters(), verifier=VERIFIER)
    with pytest.raises(ValueError, match="NSCL_RELAY_PUBLIC_KEY"):
        loop.run(ConsumerSettings("127.0.0.1:1", "group"), [TOPIC, "nscl.training.events"], threading.Event())


REFUSED_BY_CONTRACT = {
    "unknown event type": ({"event_type": "EnterpriseDeleted"}, "không có trong hợp đồng"),
    "unknown schema version": ({"schema_version": 7}, "phiên bản lược đồ 7"),
    "another service's event": ({"event_type": "SupportCaseProposed"}, "không thuộc chủ đề"),
}


@pytest.mark.parametrize("changes, says", REFUSED_BY_CONTRACT.values(), ids=REFUSED_BY_CONTRACT.keys())
def test_an_envelope_the_contracts_do_not_describe_is_a_dead_letter_by_its_event(changes, says):
    handler, dead_letters = RecordingHandler(), RecordingDeadLetters()
    value = json_bytes(sealed_dict(VALID, **changes))

    ConsumerLoop(handler, dead_letters, verifier=VERIFIER).process(delivery_of(value))

    assert handler.seen == []
    [letter] = dead_letters.letters
    assert says in letter.reason
    assert (letter.event_id, letter.stream_id) == (VALID.event_id, VALID.stream_id)


def test_a_dead_letter_id_is_the_same_for_a_redelivery_and_new_for_another_record_at_the_same_place():
    dead_letters = RecordingDeadLetters()
    loop = ConsumerLoop(RecordingHandler(), dead_letters, verifier=VERIFIER)
    loop.process(delivery_of(b"{not json", offset=7))
    loop.process(delivery_of(b"{not json", offset=7))  # redelivered (a replay, a restart before the commit)
    loop.process(delivery_of(b"{not json", offset=7, timestamp=1_800_000_000_000))  # the topic created anew
    loop.process(delivery_of(b"{other", offset=7))
    forged = json_bytes(sealed_dict(VALID, event_type="EnterpriseDeleted"))
    loop.process(delivery_of(forged, offset=8))
    loop.process(delivery_of(forged, offset=900))  # the same event republished elsewhere after a broker restart
    ids = [letter.id for letter in dead_letters.letters]
    assert ids[0] == ids[1] and ids[4] == ids[5]
    assert len({ids[0], ids[2], ids[3], ids[4]}) == 4


def test_a_failing_handler_dead_letters_the_event_by_its_id_and_names_the_error():
    event = stored_event()
    handler = RecordingHandler(ValueError("ngày kết thúc trước ngày bắt đầu"))
    dead_letters = RecordingDeadLetters()

    ConsumerLoop(handler, dead_letters, verifier=VERIFIER).process(delivery_of(event.to_json()))

    assert len(handler.seen) == 1
    [letter] = dead_letters.letters
    assert letter.event_id == event.event_id
    assert "ValueError" in letter.reason
    assert "ngày kết thúc trước ngày bắt đầu" in letter.reason
    assert (letter.event_type, letter.stream_id) == (event.event_type, event.stream_id)
    assert (letter.value, letter.value_encoding) == (event.to_json().decode("utf-8"), "utf-8")
    assert letter.source == {"topic": TOPIC, "partition": 2, "offset": 42, "timestamp": 1_700_000_000_000}


def test_an_unreachable_database_propagates_and_records_no_dead_letter():
    event = stored_event()
    handler = RecordingHandler(AutoReconnect("connection closed"))
    dead_letters = RecordingDeadLetters()

    with pytest.raises(AutoReconnect):
        ConsumerLoop(handler, dead_letters, verifier=VERIFIER).process(delivery_of(event.to_json()))

    assert len(handler.seen) == 1
    assert dead_letters.letters == []


def test_the_loop_moves_on_after_a_dead_letter():
    first, second = stored_event(data={"n": 1}), stored_event(data={"n": 2})
    handler = RecordingHandler()
    dead_letters = RecordingDeadLetters()
    loop = ConsumerLoop(handler, dead_letters, verifier=VERIFIER)

    loop.process(delivery_of(b"garbage", offset=1))
    loop.process(delivery_of(first.to_json(), offset=2))
    loop.process(delivery_of(second.to_json(), offset=3))

    assert [letter.source["offset"] for letter in dead_letters.letters] == [1]
    assert [seen.data for seen in handler.seen] == [{"n": 1}, {"n": 2}]


def test_an_upcaster_that_fails_dead_letters_the_event_by_its_id():
    upcasters = Upcasters()

    @upcasters.register("EnterpriseRegistered", 1)
    def broken(data):
        raise AttributeError("no such field")

    event, handler, dead_letters = stored_event(), RecordingHandler(), RecordingDeadLetters()
    ConsumerLoop(handler, dead_letters, upcasters, verifier=VERIFIER).process(delivery_of(event.to_json()))
    assert handler.seen == []
    assert [letter.event_id for letter in dead_letters.letters] == [event.event_id]
    assert "AttributeError" in dead_letters.letters[0].reason


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_rebalance_that_never_ends_is_noticed_after_the_limit_and_an_ended_one_is_not():
    clock = _Clock()
    watch = RebalanceWatch("g", limit_s=20, clock=clock)
    clock.now += 19
    assert not watch.stuck()  # a new member waits for its first assignment
    watch.on_partitions_assigned([("t", 0)])
    clock.now += 60
    assert not watch.stuck()  # assigned: polls go on however long nothing arrives
    watch.on_partitions_revoked([("t", 0)])  # the broker restarted: the group rejoins
    clock.now += 19
    assert not watch.stuck()
    watch.on_partitions_revoked([])  # a second revoke does not restart the count
    clock.now += 2
    assert watch.stuck()
    watch.on_partitions_assigned([("t", 0)])
    assert not watch.stuck()


def test_fetches_wait_longer_once_the_topics_were_quiet_and_shorter_as_soon_as_an_event_comes():
    clock = _Clock()
    pace = FetchPace(active_ms=20, quiet_ms=200, quiet_after_s=2.0, clock=clock)
    pace.current_ms = 20  # a new consumer fetches with the short wait
    assert pace.wait_after(brought=True) is None
    clock.now += 1.9
    assert pace.wait_after(brought=False) is None  # not quiet long enough
    clock.now += 0.2
    assert pace.wait_after(brought=False) == 200
    clock.now += 60
    assert pace.wait_after(brought=False) is None  # already told
    assert pace.wait_after(brought=True) == 20
    assert pace.wait_after(brought=False) is None


def test_a_quiet_wait_shorter_than_the_active_one_is_never_used():
    clock = _Clock()
    pace = FetchPace(active_ms=100, quiet_ms=50, quiet_after_s=1.0, clock=clock)
    pace.current_ms = 100
    clock.now += 5
    assert pace.wait_after(brought=False) is None
