"""The one place that builds Kafka clients: topics, producer, consumer, and a broker probe."""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.config import QUIET_FETCH_MAX_WAIT_MS, kafka_client_security

TRANSIENT_KAFKA_ERRORS: tuple[type[Exception], ...] = (KafkaError, OSError)
# Keep every event: the topics are the replayable history of the province's programme.
TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}


def _servers(bootstrap: str) -> list[str]:
    return [server.strip() for server in bootstrap.split(",") if server.strip()]


class Topics:
    """Topic administration over one long-lived admin connection."""

    def __init__(self, bootstrap: str, timeout_ms: int = 5000) -> None:
        self.bootstrap, self.timeout_ms = bootstrap, timeout_ms
        self._admin: KafkaAdminClient | None = None

    def admin(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=_servers(self.bootstrap), client_id="nscl-admin",
                                           request_timeout_ms=self.timeout_ms, bootstrap_timeout_ms=self.timeout_ms,
                                           **kafka_client_security())
        return self._admin

    def topic_ids(self, topics: list[str]) -> dict[str, str]:
        """The ids of those topics the broker has (a topic deleted and created again gets a new id)."""
        return {described["name"]: str(described["topic_id"]) for described in self.admin().describe_topics(topics)
                if described.get("error_code") == 0 and described.get("topic_id")}

    def topic_id(self, topic: str) -> str | None:
        return self.topic_ids([topic]).get(topic)

    def ensure(self, topic: str, partitions: int) -> str:
        """Creates the topic if it is missing and returns its id (a new id means a new, empty topic)."""
        if found := self.topic_id(topic):
            return found
        with contextlib.suppress(TopicAlreadyExistsError):
            self.admin().create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1,
                                                   topic_configs=TOPIC_CONFIG)])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if found := self.topic_id(topic):
                return found
            time.sleep(0.1)
        raise KafkaError(f"topic {topic} did not become visible")

    def close(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            with contextlib.suppress(*TRANSIENT_KAFKA_ERRORS):
                admin.close()


def ensure_topic(bootstrap: str, topic: str, partitions: int, timeout_ms: int = 5000) -> str:
    topics = Topics(bootstrap, timeout_ms)
    try:
        return topics.ensure(topic, partitions)
    finally:
        topics.close()


def make_producer(bootstrap: str, client_id: str, **overrides: Any) -> KafkaProducer:
    # One request in flight per connection keeps each partition in send order across retries.
    config: dict[str, Any] = {"acks": "all", "retries": 5, "max_in_flight_requests_per_connection": 1,
                              "linger_ms": 5, "request_timeout_ms": 10000, "max_block_ms": 10000,
                              "bootstrap_timeout_ms": 10000,
                              "enable_idempotence": False}
    return KafkaProducer(bootstrap_servers=_servers(bootstrap), client_id=client_id,
                         **{**config, **kafka_client_security(), **overrides})


@dataclass(frozen=True)
class ConsumerSettings:
    bootstrap: str
    group_id: str
    session_timeout_ms: int = 6000
    fetch_max_wait_ms: int = 50
    # How long a fetch waits once the topics have been quiet for a while (see shared.consumer.FetchPace): the
    # embedded broker answers an empty fetch only when this wait ends, so the wait is both the latency of the first
    # event after a quiet spell and, through the number of fetches, the idle cost of a consumer.
    quiet_fetch_max_wait_ms: int = QUIET_FETCH_MAX_WAIT_MS
    # Also the time a group waits for its members to rejoin after a broker restart (the rebalance timeout);
    # kafka-python's default of 5 minutes would stall consumers that long. A poll's records (at most
    # MAX_POLL_RECORDS) are handled well within it.
    max_poll_interval_ms: int = 10000

    @classmethod
    def of(cls, settings, group_id: str) -> ConsumerSettings:
        return cls(settings.kafka_bootstrap, group_id, settings.consumer_session_timeout_ms,
                   settings.fetch_max_wait_ms, settings.quiet_fetch_max_wait_ms, settings.consumer_max_poll_interval_ms)


MAX_POLL_RECORDS = 100


def make_consumer(settings: ConsumerSettings, topics: list[str], listener=None) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=_servers(settings.bootstrap), group_id=settings.group_id,
        client_id=settings.group_id, enable_auto_commit=False, auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=max(500, settings.session_timeout_ms // 3),
        fetch_max_wait_ms=settings.fetch_max_wait_ms, allow_auto_create_topics=False,
        max_poll_records=MAX_POLL_RECORDS, max_poll_interval_ms=settings.max_poll_interval_ms,
        **kafka_client_security(),
    )
    _never_create_topics(consumer)
    consumer.subscribe(topics, listener=listener)
    return consumer


def _never_create_topics(consumer: KafkaConsumer) -> None:
    """kafka-python 3.0.12 does not hand ``allow_auto_create_topics=False`` to the client's cluster metadata, so a
    subscription's metadata requests still ask the broker to create a missing topic, with the broker's default
    partitions (tests/integration/test_deploy_topics.py shows it). Set where the requests are built."""
    consumer._cluster.config["allow_auto_create_topics"] = False


def set_fetch_max_wait(consumer: KafkaConsumer, wait_ms: int) -> None:
    """Changes how long the consumer's next fetches wait for data. kafka-python 3.0.12 reads the setting from its
    fetcher's config each time it builds a fetch request, and offers no public way to change it."""
    consumer._fetcher.config["fetch_max_wait_ms"] = wait_ms


def broker_answers(bootstrap: str, timeout: float = 0.5) -> bool:
    """The broker answers a metadata request (names its brokers) within ``timeout`` — a TCP connect would also
    succeed on a broker that is stopping."""
    timeout_ms = int(timeout * 1000)
    try:
        admin = KafkaAdminClient(bootstrap_servers=_servers(bootstrap), client_id="nscl-health",
                                 bootstrap_timeout_ms=timeout_ms, request_timeout_ms=timeout_ms,
                                 **kafka_client_security())
    except TRANSIENT_KAFKA_ERRORS:
        return False
    try:
        return bool(admin.describe_cluster().get("brokers"))
    except TRANSIENT_KAFKA_ERRORS:
        return False
    finally:
        with contextlib.suppress(*TRANSIENT_KAFKA_ERRORS):
            admin.close()


class TopicReader:
    """Reads a whole topic from its start, every partition, outside any consumer group (as an outside
    client would, e.g. an auditor comparing the topic with the store)."""

    def __init__(self, bootstrap: str, topic: str, wait_for_partitions_s: float = 10.0) -> None:
        self._consumer = KafkaConsumer(bootstrap_servers=_servers(bootstrap), enable_auto_commit=False,
                                       group_id=None, auto_offset_reset="earliest", client_id="nscl-topic-reader",
                                       allow_auto_create_topics=False, fetch_max_wait_ms=50,
                                       **kafka_client_security())
        _never_create_topics(self._consumer)
        deadline = time.monotonic() + wait_for_partitions_s
        while not (partitions := self._consumer.partitions_for_topic(topic)):
            if time.monotonic() > deadline:
                self._consumer.close()
                raise KafkaError(f"topic {topic} has no partitions (is it there?)")
            time.sleep(0.1)
        assigned = [TopicPartition(topic, partition) for partition in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_beginning(*assigned)

    def poll(self, timeout_ms: int = 200) -> list[tuple[int, bytes | None, bytes]]:
        """The next records as (partition, key, value), in each partition's order."""
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        return [(partition.partition, record.key, record.value)
                for partition, records in sorted(batches.items(), key=lambda item: item[0].partition)
                for record in records]

    def close(self) -> None:
        self._consumer.close()
