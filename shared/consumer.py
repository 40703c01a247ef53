"""The consumer loop: a consumer group, idempotent handlers, offsets committed after the effect, dead letters.

A handler receives one (upcast) envelope and makes its effect a single-document write keyed by the event
or guarded by the stream version, so redelivery or a replay from an older offset changes nothing.
An event whose handler fails for a reason other than an unreachable database is a *dead letter*: it is
published with the reason to the group's dead-letter topic, recorded where the API can list it, and the
loop moves on. An unreachable database stops the loop at that event, which is retried.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from kafka import ConsumerRebalanceListener

from shared.bus import (
    TRANSIENT_KAFKA_ERRORS,
    ConsumerSettings,
    Topics,
    ensure_topic,
    make_consumer,
    make_producer,
    set_fetch_max_wait,
)
from shared.contracts import contract_problem
from shared.envelope import NO_UPCASTERS, Envelope, Upcasters, canonical_json, utc_now
from shared.mongo import TRANSIENT_ERRORS as TRANSIENT_DB_ERRORS
from shared.provenance import PROVENANCE_HEADERS, EnvelopeVerifier, SignatureRefused, missing_keys_message

log = logging.getLogger("nscl.consumer")

Handler = Callable[[Envelope], None]
BatchHandler = Callable[[list[Envelope]], None]


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None  # None: a tombstone (anyone on the network can produce one)
    timestamp: int | None = None  # the record's own timestamp (ms): the same on every redelivery
    headers: tuple[tuple[str, bytes], ...] = ()  # the relay's signature travels here (shared.provenance)


MAX_VALUE_BYTES = 1024 * 1024  # Kafka's default largest message; an envelope of ours is far smaller
MAX_STORED_VALUE_BYTES = 64 * 1024  # what a dead letter keeps of a larger value (its size and hash are kept)


@dataclass(frozen=True)
class DeadLetter:
    """A delivery a consumer could not apply. ``value`` is the raw value as text: ``value_encoding`` says how
    ("utf-8"; "base64" when the bytes are not UTF-8; None for a null value), at most MAX_STORED_VALUE_BYTES
    of it (``value_truncated``); ``value_bytes`` and ``value_sha256`` describe the whole value.

    ``id`` is derived from what was delivered, never from where alone: an envelope's ``event_id`` with the
    hash of its value, or else the record's place and timestamp with that hash. A redelivery of the same
    record (a replay, a restart before the commit) is the same letter; a later record at a reused offset
    (the topic created anew after a broker restart) is another one."""
    id: str
    reason: str
    event_id: str | None
    event_type: str | None
    stream_id: str | None
    source: dict[str, Any]
    value: str | None
    value_encoding: str | None
    value_bytes: int | None
    value_sha256: str | None
    value_truncated: bool
    recorded_at: str
    signature: dict[str, str] | None = None  # the record's provenance headers (base64), to check it again on retry

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def dead_letter_of(delivery: Delivery, envelope: Envelope | None, reason: str) -> DeadLetter:
    raw = delivery.value
    digest = hashlib.sha256(raw).hexdigest() if raw is not None else None
    identity: dict[str, Any] = ({"event_id": envelope.event_id, "value": digest} if envelope else
                                {"topic": delivery.topic, "partition": delivery.partition, "offset": delivery.offset,
                                 "timestamp": delivery.timestamp, "value": digest})
    kept, encoding = None, None
    if raw is not None:
        head = raw[:MAX_STORED_VALUE_BYTES]
        try:
            kept, encoding = raw.decode("utf-8"), "utf-8"
            kept = kept if len(raw) <= MAX_STORED_VALUE_BYTES else head.decode("utf-8", errors="ignore")
        except UnicodeDecodeError:
            kept, encoding = base64.b64encode(head).decode("ascii"), "base64"
    return DeadLetter(
        id="dl-" + hashlib.sha256(canonical_json(identity)).hexdigest()[:32], reason=reason,
        event_id=envelope.event_id if envelope else None, event_type=envelope.event_type if envelope else None,
        stream_id=envelope.stream_id if envelope else None,
        source={"topic": delivery.topic, "partition": delivery.partition, "offset": delivery.offset,
                "timestamp": delivery.timestamp},
        value=kept, value_encoding=encoding, value_bytes=len(raw) if raw is not None else None, value_sha256=digest,
        value_truncated=raw is not None and len(raw) > MAX_STORED_VALUE_BYTES, recorded_at=utc_now(),
        signature={name: base64.b64encode(value).decode("ascii") for name, value in delivery.headers
                   if name in PROVENANCE_HEADERS} or None)


class DeadLetters(ABC):
    @abstractmethod
    def record(self, letter: DeadLetter) -> None:
        """Keeps the letter (once per id); raises only a transient error, after which the delivery is retried."""

    def find(self, letter_id: str) -> dict[str, Any] | None:
        """The kept letter as stored (``id``, the DeadLetter's fields, ``resolved_at``/``resolved_by`` once
        retried with success), or None."""
        return None

    def resolve(self, letter_id: str, by: str) -> None:  # noqa: B027 - a store that keeps nothing resolves nothing
        """Marks the letter as applied on retry."""

    def close(self) -> None:  # noqa: B027 - most keep nothing open
        pass


class MongoDeadLetters(DeadLetters):
    """Recorded in the consumer's database (for the API: the first recording of an id stays, later ones only
    count) and published to the dead-letter topic (at least once: each recording publishes, checked)."""

    PUBLISH_ATTEMPTS = 3

    def __init__(self, collection: Any, bootstrap: str | None, topic: str, timeout_s: float = 10.0,
                 retry_wait_s: float = 0.5) -> None:
        self.collection, self.bootstrap, self.topic = collection, bootstrap, topic
        self.timeout_s, self.retry_wait_s = timeout_s, retry_wait_s
        self._producer: Any = None

    def record(self, letter: DeadLetter) -> None:
        document = letter.to_dict()
        del document["id"]
        self.collection.update_one({"_id": letter.id}, {"$setOnInsert": document, "$inc": {"deliveries": 1},
                                                        "$set": {"last_delivered_at": letter.recorded_at}},
                                   upsert=True)
        if self.bootstrap:
            self._publish(letter)

    def find(self, letter_id: str) -> dict[str, Any] | None:
        found = self.collection.find_one({"_id": letter_id})
        return {**found, "id": found.pop("_id")} if found else None

    def resolve(self, letter_id: str, by: str) -> None:
        self.collection.update_one({"_id": letter_id, "resolved_at": None},
                                   {"$set": {"resolved_at": utc_now(), "resolved_by": by}})

    def _publish(self, letter: DeadLetter) -> None:
        """Waits for the broker's acknowledgement; after PUBLISH_ATTEMPTS failures raises the last error (a
        transient one: the consumer then retries the delivery, so no letter is dropped unnoticed)."""
        for attempt in range(1, self.PUBLISH_ATTEMPTS + 1):
            try:
                if self._producer is None:
                    timeout_ms = int(self.timeout_s * 1000)  # brokers with auto-creation off have no topic yet
                    ensure_topic(self.bootstrap or "", self.topic, 1, timeout_ms)
                    self._producer = make_producer(self.bootstrap or "", f"dlq-{self.topic}",
                                                   bootstrap_timeout_ms=timeout_ms)
                self._producer.send(self.topic, key=(letter.stream_id or letter.id).encode(),
                                    value=json.dumps(letter.to_dict(), ensure_ascii=False).encode(),
                                    headers=[("reason", letter.reason.encode())]).get(timeout=self.timeout_s)
                return
            except TRANSIENT_KAFKA_ERRORS as error:
                log.error("dead letter %s not published to %s (attempt %d of %d): %s", letter.id, self.topic,
                          attempt, self.PUBLISH_ATTEMPTS, error)
                self.close()
                if attempt == self.PUBLISH_ATTEMPTS:
                    raise
                time.sleep(self.retry_wait_s * attempt)

    def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            with contextlib.suppress(*TRANSIENT_KAFKA_ERRORS):
                producer.close(timeout=2)


class Unprocessable(Exception):
    """A delivery no handler may see; the message is the reason, in Vietnamese."""


class LetterNotFound(Exception):
    pass


class RetryRefused(Exception):
    """A dead letter's record is still refused; the message is the reason, in Vietnamese."""


class _Refusals(DeadLetters):
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def record(self, letter: DeadLetter) -> None:
        self.reasons.append(letter.reason)


def delivery_of_letter(letter: dict[str, Any]) -> Delivery:
    """The record a kept dead letter came from, as it was delivered; RetryRefused if the letter kept only part."""
    if letter.get("value_truncated"):
        raise RetryRefused("giá trị của bản ghi chỉ được giữ một phần (quá lớn): không thể xử lý lại")
    value, encoding = letter.get("value"), letter.get("value_encoding")
    raw = None if value is None else base64.b64decode(value) if encoding == "base64" else value.encode("utf-8")
    source = letter.get("source") or {}
    headers = tuple((name, base64.b64decode(kept)) for name, kept in (letter.get("signature") or {}).items())
    return Delivery(source.get("topic", ""), source.get("partition", -1), source.get("offset", -1), None, raw,
                    source.get("timestamp"), headers)


Vet = Callable[[Envelope, str], "str | None"]


class ConsumerLoop:
    """``handler`` applies one event. A ``batch_handler`` (optional) applies all events of a poll at once, in
    a fixed number of round trips; if it fails for a reason other than an unreachable database, the poll's
    events go through ``handler`` one by one, so only the event at fault becomes a dead letter.

    Before any handler sees it, a delivery must carry the signature of its topic's relay (``verifier``), be a
    sealed envelope (its hash matches) and be accepted by ``vet`` once upcast (by default: an event type and
    schema version of the contracts, on its own service's topic). Anything else is a dead letter with the
    reason, and the loop goes on."""

    def __init__(self, handler: Handler, dead_letters: DeadLetters, upcasters: Upcasters = NO_UPCASTERS,
                 batch_handler: BatchHandler | None = None, vet: Vet = contract_problem, *,
                 verifier: EnvelopeVerifier) -> None:
        self.handler, self.dead_letters, self.upcasters = handler, dead_letters, upcasters
        self.batch_handler, self.vet, self.verifier = batch_handler, vet, verifier
        self.topic_ids: dict[str, str] = {}  # the topics as this loop last saw them

    def process(self, delivery: Delivery) -> None:
        """Handles one delivery; raises only a transient error (the delivery must then be retried)."""
        envelope = self._decoded(delivery)
        if envelope is not None:
            self._apply(delivery, envelope)

    def retry(self, letter_id: str, by: str) -> dict[str, Any]:
        """Applies a kept dead letter's record again, through every check, after a fix (a handler, a contract or
        a key). Once applied the letter is resolved; raises RetryRefused with the reason otherwise (nothing new is
        recorded) and only a transient error besides."""
        letter = self.dead_letters.find(letter_id)
        if letter is None:
            raise LetterNotFound(letter_id)
        if letter.get("resolved_at"):
            return letter
        refusals = _Refusals()
        ConsumerLoop(self.handler, refusals, self.upcasters, vet=self.vet, verifier=self.verifier).process(
            delivery_of_letter(letter))
        if refusals.reasons:
            raise RetryRefused(refusals.reasons[-1])
        self.dead_letters.resolve(letter_id, by)
        return self.dead_letters.find(letter_id) or letter

    def _decoded(self, delivery: Delivery) -> Envelope | None:
        """The delivery's envelope, or None once it is a dead letter. Nothing of a value is read before its
        signature holds (a refused one is decoded only to name the event it claims to be in the letter)."""
        try:
            if delivery.value:
                self.verifier.check(delivery.topic, delivery.value, delivery.headers)
            return decode(delivery.value)
        except SignatureRefused as refused:
            self._dead_letter(delivery, _claimed(delivery.value), str(refused))
            return None
        except Unprocessable as error:
            self._dead_letter(delivery, None, str(error))
            return None

    def _accepted(self, delivery: Delivery, envelope: Envelope) -> Envelope:
        event = self.upcasters.upcast(envelope)
        problem = self.vet(event, delivery.topic)
        if problem:
            raise Unprocessable(problem)
        return event

    def _apply(self, delivery: Delivery, envelope: Envelope) -> None:
        try:
            self.handler(self._accepted(delivery, envelope))
        except TRANSIENT_DB_ERRORS:
            raise
        except Unprocessable as error:
            self._dead_letter(delivery, envelope, str(error))
        except Exception as error:  # noqa: BLE001 - any other failure is this event's, not the system's
            log.exception("event %s at %s:%d:%d failed", envelope.event_id, delivery.topic,
                          delivery.partition, delivery.offset)
            self._dead_letter(delivery, envelope, f"{type(error).__name__}: {error}")

    def _dead_letter(self, delivery: Delivery, envelope: Envelope | None, reason: str) -> None:
        log.warning("dead letter from %s:%d:%d: %s", delivery.topic, delivery.partition, delivery.offset, reason)
        self.dead_letters.record(dead_letter_of(delivery, envelope, reason))

    def run(self, settings: ConsumerSettings, topics: list[str], stop: threading.Event,
            retry_wait_s: float = 1.0, on_idle: Callable[[], None] | None = None) -> None:
        """Consumes until ``stop`` is set; ``on_idle`` is called after each poll that brought nothing (work a
        consumer defers until it has caught up; it must return within a second or so)."""
        if unverifiable := self.verifier.missing(topics):
            raise ValueError(missing_keys_message(unverifiable))
        consumer, watch = None, TopicWatch(settings.group_id, Topics(settings.bootstrap), self.topic_ids)
        rebalance = RebalanceWatch(settings.group_id)
        pace = FetchPace(settings.fetch_max_wait_ms, settings.quiet_fetch_max_wait_ms)
        while not stop.is_set():
            try:
                if consumer is not None and rebalance.stuck():
                    _close(consumer)
                    consumer = None
                if consumer is None:
                    rebalance = RebalanceWatch(settings.group_id)
                    consumer = make_consumer(settings, topics, rebalance)
                    pace.current_ms = settings.fetch_max_wait_ms
                brought = self._poll_once(consumer, stop, retry_wait_s)
                if (wait_ms := pace.wait_after(brought)) is not None:
                    set_fetch_max_wait(consumer, wait_ms)
                if not brought and on_idle is not None:
                    on_idle()
                watch.replay_renewed_topics(consumer)
            except TRANSIENT_KAFKA_ERRORS as error:
                log.warning("consumer %s lost the broker: %s; reconnecting", settings.group_id, error)
                _close(consumer)
                consumer = None
                stop.wait(retry_wait_s)
        _close(consumer)
        watch.close()
        self.dead_letters.close()

    def process_batch(self, deliveries: list[Delivery]) -> None:
        """Handles a poll's deliveries; raises only a transient error (all of them must then be retried)."""
        if self.batch_handler is None:
            for delivery in deliveries:
                self.process(delivery)
            return
        accepted: list[tuple[Delivery, Envelope, Envelope]] = []
        for delivery in deliveries:
            envelope = self._decoded(delivery)
            if envelope is None:
                continue
            try:
                accepted.append((delivery, envelope, self._accepted(delivery, envelope)))
            except Exception:  # noqa: BLE001 - vetting or upcasting failed: _apply makes it a dead letter
                self._apply(delivery, envelope)
        if not accepted:
            return
        try:
            self.batch_handler([event for _, _, event in accepted])
        except TRANSIENT_DB_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - find the event at fault, one at a time
            log.warning("a batch of %d events failed; applying them one by one", len(accepted))
            for delivery, envelope, _ in accepted:
                self._apply(delivery, envelope)

    def _poll_once(self, consumer, stop: threading.Event, retry_wait_s: float) -> bool:
        """Handles one poll's records; False when the poll brought none."""
        polled = consumer.poll(timeout_ms=200)
        unhandled = {partition: records[0].offset for partition, records in polled.items() if records}
        if self.batch_handler is not None and polled:
            try:
                self.process_batch([delivery_of(record)
                                    for records in polled.values() for record in records])
            except TRANSIENT_DB_ERRORS as error:
                log.warning("database unreachable: %s; will retry the batch", error)
                for partition, offset in unhandled.items():
                    consumer.seek(partition, offset)
                stop.wait(retry_wait_s)
            consumer.commit()
            return True
        try:
            for partition, records in polled.items():
                for record in records:
                    self.process(delivery_of(record))
                    unhandled[partition] = record.offset + 1
                del unhandled[partition]
        except TRANSIENT_DB_ERRORS as error:
            log.warning("database unreachable: %s; will retry from where it stopped", error)
            for partition, offset in unhandled.items():
                consumer.seek(partition, offset)
            stop.wait(retry_wait_s)
        if polled:
            consumer.commit()  # the positions after what was handled (or sought back to)
        return bool(polled)


class FetchPace:
    """Fetches as often as the latency goal needs while events flow, and less often once the topics have been
    quiet for ``quiet_after_s``: the embedded broker does not answer a waiting fetch when data arrives, so each
    consumer's idle cost is one fetch per wait (kafka-python spends about 2.5 ms of CPU on each, the broker
    about 1). The first event after a quiet spell waits up to the longer wait; the next ones the short one."""

    QUIET_AFTER_S = 2.0

    def __init__(self, active_ms: int, quiet_ms: int, quiet_after_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.active_ms, self.quiet_ms = active_ms, max(active_ms, quiet_ms)
        self.quiet_after_s = self.QUIET_AFTER_S if quiet_after_s is None else quiet_after_s
        self.clock = clock
        self.last_event_at = clock()
        self.current_ms: int | None = None  # what the consumer was last told

    def wait_after(self, brought: bool) -> int | None:
        """The fetch wait after a poll that brought events or not; None when it stays as it is."""
        now = self.clock()
        if brought:
            self.last_event_at = now
        wanted = self.active_ms if now - self.last_event_at < self.quiet_after_s else self.quiet_ms
        if wanted == self.current_ms:
            return None
        self.current_ms = wanted
        return wanted


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


class RebalanceWatch(ConsumerRebalanceListener):
    """Logs each rebalance and notices one that never ends: after a broker restart the embedded broker can leave
    a member rejoining for good (partitions revoked, none assigned again), while polls answer nothing and raise
    nothing. A consumer stuck so for ``limit_s`` is replaced by a new one (a new member of the group)."""

    def __init__(self, group_id: str, limit_s: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.group_id, self.limit_s, self.clock = group_id, limit_s, clock
        self.rebalancing_since: float | None = clock()  # a new consumer has yet to be given its partitions

    def on_partitions_revoked(self, revoked) -> None:
        log.info("%s: partitions revoked: %s", self.group_id, sorted(map(tuple, revoked)))
        if self.rebalancing_since is None:
            self.rebalancing_since = self.clock()

    def on_partitions_assigned(self, assigned) -> None:
        log.info("%s: partitions assigned: %s", self.group_id, sorted(map(tuple, assigned)))
        self.rebalancing_since = None

    def stuck(self) -> bool:
        if self.rebalancing_since is None or self.clock() - self.rebalancing_since < self.limit_s:
            return False
        log.warning("%s: no partitions assigned for %.0f s (a rebalance that does not end): joining the group "
                    "again as a new member", self.group_id, self.clock() - self.rebalancing_since)
        return True


def delivery_of(record: Any) -> Delivery:
    return Delivery(record.topic, record.partition, record.offset, record.key, record.value,
                    getattr(record, "timestamp", None), tuple(getattr(record, "headers", None) or ()))


def decode(value: bytes | None) -> Envelope:
    """The envelope in a record's value; raises Unprocessable with the reason."""
    if value is None:
        raise Unprocessable("giá trị null (tombstone): không có sự kiện")
    if not value:
        raise Unprocessable("giá trị rỗng: không có sự kiện")
    if len(value) > MAX_VALUE_BYTES:
        raise Unprocessable(f"giá trị quá lớn: {len(value)} byte (tối đa {MAX_VALUE_BYTES})")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unprocessable(f"không phải văn bản UTF-8: {error}") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise Unprocessable(f"không phải JSON: {error}") from None
    try:
        return Envelope.received(raw)
    except ValueError as error:
        raise Unprocessable(f"không phải phong bì sự kiện: {error}") from None


def _claimed(value: bytes | None) -> Envelope | None:
    """The envelope a refused record claims to be, to name it in its dead letter (never applied)."""
    try:
        return decode(value)
    except Unprocessable:
        return None


def _close(consumer) -> None:
    if consumer is not None:
        with contextlib.suppress(*TRANSIENT_KAFKA_ERRORS):
            consumer.close()
