"""The consumer loop: a consumer group, idempotent handlers, offsets committed after the effect, dead letters.

A handler receives one (upcast) envelope and makes its effect a single-document write keyed by the event
or guarded by the stream version, so redelivery or a replay from an older offset changes nothing.
An event whose handler fails for a reason other than an unreachable database is a *dead letter*: it is
published with the reason to the group's dead-letter topic, recorded where the API can list it, and the
loop moves on. An unreachable database stops the loop at that event, which is retried.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import ConsumerRebalanceListener

from shared.bus import TRANSIENT_KAFKA_ERRORS, ConsumerSettings, Topics, ensure_topic, make_consumer, make_producer
from shared.envelope import NO_UPCASTERS, Envelope, Upcasters, utc_now
from shared.mongo import TRANSIENT_ERRORS as TRANSIENT_DB_ERRORS

log = logging.getLogger("nscl.consumer")

Handler = Callable[[Envelope], None]
BatchHandler = Callable[[list[Envelope]], None]


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class DeadLetter:
    id: str
    reason: str
    event_type: str | None
    stream_id: str | None
    source: dict[str, Any]
    value: str
    recorded_at: str


class DeadLetters(ABC):
    @abstractmethod
    def record(self, letter: DeadLetter) -> None: ...


class MongoDeadLetters(DeadLetters):
    """Recorded in the consumer's database (for the API) and published to the dead-letter topic."""

    def __init__(self, collection: Any, bootstrap: str | None, topic: str) -> None:
        self.collection, self.bootstrap, self.topic = collection, bootstrap, topic
        self._producer: Any = None

    def record(self, letter: DeadLetter) -> None:
        document = {**letter.__dict__, "_id": letter.id}
        self.collection.replace_one({"_id": letter.id}, document, upsert=True)
        if self.bootstrap:
            if self._producer is None:
                ensure_topic(self.bootstrap, self.topic, 1)  # brokers with auto-creation off have none
                self._producer = make_producer(self.bootstrap, client_id=f"dlq-{self.topic}")
            self._producer.send(self.topic, key=(letter.stream_id or letter.id).encode(),
                                value=json.dumps(letter.__dict__, ensure_ascii=False).encode(),
                                headers=[("reason", letter.reason.encode())])
            self._producer.flush(timeout=10)


class ConsumerLoop:
    """``handler`` applies one event. A ``batch_handler`` (optional) applies all events of a poll at once, in
    a fixed number of round trips; if it fails for a reason other than an unreachable database, the poll's
    events go through ``handler`` one by one, so only the event at fault becomes a dead letter."""

    def __init__(self, handler: Handler, dead_letters: DeadLetters, upcasters: Upcasters = NO_UPCASTERS,
                 batch_handler: BatchHandler | None = None) -> None:
        self.handler, self.dead_letters, self.upcasters = handler, dead_letters, upcasters
        self.batch_handler = batch_handler
        self.topic_ids: dict[str, str] = {}  # the topics as this loop last saw them

    def process(self, delivery: Delivery) -> None:
        """Handles one delivery; raises only a transient error (the delivery must then be retried)."""
        try:
            envelope = Envelope.from_json(delivery.value)
        except (ValueError, KeyError, TypeError) as error:
            self._dead_letter(delivery, None, f"không đọc được sự kiện: {error!r}")
            return
        self._apply(delivery, envelope)

    def _apply(self, delivery: Delivery, envelope: Envelope) -> None:
        try:
            self.handler(self.upcasters.upcast(envelope))
        except TRANSIENT_DB_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - any other failure is this event's, not the system's
            log.exception("event %s at %s:%d:%d failed", envelope.event_id, delivery.topic,
                          delivery.partition, delivery.offset)
            self._dead_letter(delivery, envelope, f"{type(error).__name__}: {error}")

    def _dead_letter(self, delivery: Delivery, envelope: Envelope | None, reason: str) -> None:
        letter_id = envelope.event_id if envelope else f"{delivery.topic}:{delivery.partition}:{delivery.offset}"
        self.dead_letters.record(DeadLetter(
            id=letter_id, reason=reason, event_type=envelope.event_type if envelope else None,
            stream_id=envelope.stream_id if envelope else None,
            source={"topic": delivery.topic, "partition": delivery.partition, "offset": delivery.offset},
            value=delivery.value.decode("utf-8", errors="replace"), recorded_at=utc_now()))

    def run(self, settings: ConsumerSettings, topics: list[str], stop: threading.Event,
            retry_wait_s: float = 1.0) -> None:
        consumer, watch = None, TopicWatch(settings.group_id, Topics(settings.bootstrap), self.topic_ids)
        while not stop.is_set():
            try:
                if consumer is None:
                    consumer = make_consumer(settings, topics, _LoggingListener(settings.group_id))
                self._poll_once(consumer, stop, retry_wait_s)
                watch.replay_renewed_topics(consumer)
            except TRANSIENT_KAFKA_ERRORS as error:
                log.warning("consumer %s lost the broker: %s; reconnecting", settings.group_id, error)
                _close(consumer)
                consumer = None
                stop.wait(retry_wait_s)
        _close(consumer)
        watch.close()

    def process_batch(self, deliveries: list[Delivery]) -> None:
        """Handles a poll's deliveries; raises only a transient error (all of them must then be retried)."""
        if self.batch_handler is None:
            for delivery in deliveries:
                self.process(delivery)
            return
        decoded = []
        for delivery in deliveries:
            try:
                decoded.append((delivery, Envelope.from_json(delivery.value)))
            except (ValueError, KeyError, TypeError) as error:
                self._dead_letter(delivery, None, f"không đọc được sự kiện: {error!r}")
        try:
            self.batch_handler([self.upcasters.upcast(envelope) for _, envelope in decoded])
        except TRANSIENT_DB_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - find the event at fault, one at a time
            log.warning("a batch of %d events failed; applying them one by one", len(decoded))
            for delivery, envelope in decoded:
                self._apply(delivery, envelope)

    def _poll_once(self, consumer, stop: threading.Event, retry_wait_s: float) -> None:
        polled = consumer.poll(timeout_ms=200)
        unhandled = {partition: records[0].offset for partition, records in polled.items() if records}
        if self.batch_handler is not None and polled:
            try:
                self.process_batch([Delivery(record.topic, record.partition, record.offset, record.key, record.value)
                                    for records in polled.values() for record in records])
            except TRANSIENT_DB_ERRORS as error:
                log.warning("database unreachable: %s; will retry the batch", error)
                for partition, offset in unhandled.items():
                    consumer.seek(partition, offset)
                stop.wait(retry_wait_s)
            consumer.commit()
            return
        try:
            for partition, records in polled.items():
                for record in records:
                    self.process(Delivery(record.topic, record.partition, record.offset, record.key, record.value))
                    unhandled[partition] = record.offset + 1
                del unhandled[partition]
        except TRANSIENT_DB_ERRORS as error:
            log.warning("database unreachable: %s; will retry from where it stopped", error)
            for partition, offset in unhandled.items():
                consumer.seek(partition, offset)
            stop.wait(retry_wait_s)
        if polled:
            consumer.commit()  # the positions after what was handled (or sought back to)


class TopicWatch:
    """Notices a topic created anew since this loop last saw it — a broker that lost its data, as the
    embedded one does on restart. A running consumer keeps its positions (also across the rebalance that
    follows), and positions in the old topic mean nothing in the new one: what lands below them would be
    skipped. Effects are idempotent, so reading the new topic from its start only fills what was missing."""

    CHECK_INTERVAL_S = 1.0

    def __init__(self, group_id: str, admin: Topics, seen: dict[str, str]) -> None:
        self.group_id, self.admin, self.seen = group_id, admin, seen
        self._checked_at = 0.0

    def replay_renewed_topics(self, consumer) -> None:
        """Seeks in place: closing the consumer to start afresh would leave the group mid-rebalance, which
        the embedded broker does not settle (its SyncGroup then fails forever)."""
        now = time.monotonic()
        assigned = consumer.assignment()
        if not assigned or now - self._checked_at < self.CHECK_INTERVAL_S:
            return
        self._checked_at = now
        current = self.admin.topic_ids(sorted({partition.topic for partition in assigned}))
        renewed = [topic for topic in current if topic in self.seen and current[topic] != self.seen[topic]]
        if renewed:
            log.warning("%s: %s created anew since last seen: replaying from the beginning", self.group_id, renewed)
            consumer.seek_to_beginning(*[partition for partition in assigned if partition.topic in renewed])
        self.seen.update(current)

    def close(self) -> None:
        self.admin.close()


class _LoggingListener(ConsumerRebalanceListener):
    def __init__(self, group_id: str) -> None:
        self.group_id = group_id

    def on_partitions_revoked(self, revoked) -> None:
        log.info("%s: partitions revoked: %s", self.group_id, sorted(map(tuple, revoked)))

    def on_partitions_assigned(self, assigned) -> None:
        log.info("%s: partitions assigned: %s", self.group_id, sorted(map(tuple, assigned)))


def _close(consumer) -> None:
    if consumer is not None:
        with contextlib.suppress(*TRANSIENT_KAFKA_ERRORS):
            consumer.close()
