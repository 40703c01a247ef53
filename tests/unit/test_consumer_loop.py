from __future__ import annotations

import pytest
from pymongo.errors import AutoReconnect

from shared.consumer import ConsumerLoop, DeadLetter, DeadLetters, Delivery
from shared.envelope import Envelope, Upcasters
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore

TOPIC = "nscl.registry.events"


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
    store = InMemoryEventStore()
    store.append("enterprise-1", 0, [NewEvent(event_type, data or {"name": "Sen Hồng"},
                                              schema_version=schema_version)],
                 Metadata(actor="test-dost-clerk", department="DOST"))
    [[event]] = list(store.read_all(raw=True))
    return event


def delivery_of(value: bytes, offset: int = 42) -> Delivery:
    return Delivery(topic=TOPIC, partition=2, offset=offset, key=b"enterprise-1", value=value)


def test_a_good_event_reaches_the_handler_and_no_dead_letter_is_recorded():
    event = stored_event()
    handler, dead_letters = RecordingHandler(), RecordingDeadLetters()

    ConsumerLoop(handler, dead_letters).process(delivery_of(event.to_json()))

    assert handler.seen == [event]
    assert dead_letters.letters == []


def test_the_handler_sees_the_upcast_event():
    upcasters = Upcasters()

    @upcasters.register("EnterpriseRegistered", 1)
    def add_district_name(data):
        return {**data, "district_name": "Thành phố Sa Đéc"}

    event = stored_event(data={"name": "Sen Hồng", "district_code": "867"})
    handler = RecordingHandler()

    ConsumerLoop(handler, RecordingDeadLetters(), upcasters).process(delivery_of(event.to_json()))

    [seen] = handler.seen
    assert seen.schema_version == 2
    assert seen.data == {"name": "Sen Hồng", "district_code": "867", "district_name": "Thành phố Sa Đéc"}
    assert seen.event_id == event.event_id


@pytest.mark.parametrize("value", [
    b"\xff\xfe not utf-8",
    b"{not json",
    b"[1, 2, 3]",
    b'{"event_id": "only-this"}',
])
def test_an_undecodable_delivery_becomes_one_dead_letter_keyed_by_its_place(value):
    handler, dead_letters = RecordingHandler(), RecordingDeadLetters()

    ConsumerLoop(handler, dead_letters).process(delivery_of(value, offset=7))

    assert handler.seen == []
    [letter] = dead_letters.letters
    assert letter.id == f"{TOPIC}:2:7"
    assert letter.reason
    assert letter.event_type is None and letter.stream_id is None
    assert letter.source == {"topic": TOPIC, "partition": 2, "offset": 7}
    assert letter.value == value.decode("utf-8", errors="replace")


def test_a_failing_handler_dead_letters_the_event_by_its_id_and_names_the_error():
    event = stored_event()
    handler = RecordingHandler(ValueError("ngày kết thúc trước ngày bắt đầu"))
    dead_letters = RecordingDeadLetters()

    ConsumerLoop(handler, dead_letters).process(delivery_of(event.to_json()))

    assert len(handler.seen) == 1
    [letter] = dead_letters.letters
    assert letter.id == event.event_id
    assert "ValueError" in letter.reason
    assert "ngày kết thúc trước ngày bắt đầu" in letter.reason
    assert (letter.event_type, letter.stream_id) == (event.event_type, event.stream_id)
    assert letter.value == event.to_json().decode("utf-8")
    assert letter.source == {"topic": TOPIC, "partition": 2, "offset": 42}


def test_an_unreachable_database_propagates_and_records_no_dead_letter():
    event = stored_event()
    handler = RecordingHandler(AutoReconnect("connection closed"))
    dead_letters = RecordingDeadLetters()

    with pytest.raises(AutoReconnect):
        ConsumerLoop(handler, dead_letters).process(delivery_of(event.to_json()))

    assert len(handler.seen) == 1
    assert dead_letters.letters == []


def test_the_loop_moves_on_after_a_dead_letter():
    first, second = stored_event(data={"n": 1}), stored_event(data={"n": 2})
    handler = RecordingHandler()
    dead_letters = RecordingDeadLetters()
    loop = ConsumerLoop(handler, dead_letters)

    loop.process(delivery_of(b"garbage", offset=1))
    loop.process(delivery_of(first.to_json(), offset=2))
    loop.process(delivery_of(second.to_json(), offset=3))

    assert [letter.id for letter in dead_letters.letters] == [f"{TOPIC}:2:1"]
    assert [seen.data for seen in handler.seen] == [{"n": 1}, {"n": 2}]


def test_an_upcaster_that_fails_dead_letters_the_event_by_its_id():
    upcasters = Upcasters()

    @upcasters.register("EnterpriseRegistered", 1)
    def broken(data):
        raise AttributeError("no such field")

    event, handler, dead_letters = stored_event(), RecordingHandler(), RecordingDeadLetters()
    ConsumerLoop(handler, dead_letters, upcasters).process(delivery_of(event.to_json()))
    assert handler.seen == []
    assert [letter.id for letter in dead_letters.letters] == [event.event_id]
    assert "AttributeError" in dead_letters.letters[0].reason
