"""Reading a Kafka topic from its start in a test, until what the test waits for has arrived (one reader for
the integration and end-to-end tests)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from deploy.processes import wait_until
from shared.envelope import Envelope


def read_records(bootstrap: str, topic: str, expected: int, keep: Callable[[Any], bool] = lambda record: True,
                 timeout_s: float = 20) -> list[Any]:
    """The topic's records that ``keep`` accepts, from offset 0, once at least ``expected`` of them arrived."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    try:
        wait_until(lambda: bool(consumer.partitions_for_topic(topic)), 15, f"topic {topic}")
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found: list[Any] = []

        def enough() -> bool:
            for batch in consumer.poll(timeout_ms=200).values():
                found.extend(record for record in batch if keep(record))
            return len(found) >= expected
        wait_until(enough, timeout_s, f"{expected} records on {topic}")
        return found
    finally:
        consumer.close()


def stream_events(bootstrap: str, topic: str, stream_id: str, expected: int) -> list[Envelope]:
    """One stream's events as the relay published them, in the order they arrived."""
    records = read_records(bootstrap, topic, expected, lambda record: record.key == stream_id.encode())
    return [Envelope.from_json(record.value) for record in records]
