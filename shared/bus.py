"""The one place that builds Kafka clients: topics, producer, consumer, and a broker probe."""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

TRANSIENT_KAFKA_ERRORS = (KafkaError, OSError)
# Keep every event: the topics are the replayable history of the province's programme.
TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}


def _servers(bootstrap: str) -> list[str]:
    return [server.strip() for server in bootstrap.split(",") if server.strip()]


def ensure_topic(bootstrap: str, topic: str, partitions: int) -> str:
    """Creates the topic if it is missing and returns its topic id (a new id means a new, empty topic)."""
    admin = KafkaAdminClient(bootstrap_servers=_servers(bootstrap), request_timeout_ms=5000,
                             client_id="nscl-admin")
    try:
        try:
            admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1,
                                          topic_configs=TOPIC_CONFIG)])
        except TopicAlreadyExistsError:
            pass
        for _ in range(50):
            described = admin.describe_topics([topic])
            if described and described[0].get("error_code") == 0 and described[0].get("topic_id"):
                return str(described[0]["topic_id"])
            time.sleep(0.1)
        raise KafkaError(f"topic {topic} did not become visible")
    finally:
        admin.close()


def make_producer(bootstrap: str, client_id: str) -> KafkaProducer:
    # One request in flight per connection keeps each partition in send order across retries.
    return KafkaProducer(bootstrap_servers=_servers(bootstrap), client_id=client_id, acks="all",
                         retries=5, max_in_flight_requests_per_connection=1, linger_ms=5,
                         request_timeout_ms=10000, max_block_ms=10000, enable_idempotence=False)


@dataclass(frozen=True)
class ConsumerSettings:
    bootstrap: str
    group_id: str
    session_timeout_ms: int = 6000
    fetch_max_wait_ms: int = 50


def make_consumer(settings: ConsumerSettings, topics: list[str], listener=None) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=_servers(settings.bootstrap), group_id=settings.group_id,
        client_id=settings.group_id, enable_auto_commit=False, auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=max(500, settings.session_timeout_ms // 3),
        fetch_max_wait_ms=settings.fetch_max_wait_ms, allow_auto_create_topics=False,
        max_poll_records=500,
    )
    consumer.subscribe(topics, listener=listener)
    return consumer


def broker_reachable(bootstrap: str, timeout: float = 1.0) -> bool:
    for server in _servers(bootstrap):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except OSError:
            continue
    return False
