"""The relay: publishes a write service's events to its Kafka topic in position order (the store is the outbox).

It records how far it got in the service's own database, after the broker acknowledged the batch, so a
crash republishes at most one batch (consumers are idempotent) and loses nothing. When the topic it finds
is not the topic it last published to (a new broker, e.g. the embedded one restarted with empty memory),
it republishes the whole history from position 1.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
import threading
import time
import uuid
from abc import ABC, abstractmethod
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from kafka.errors import KafkaError
from pymongo.errors import DuplicateKeyError

from shared.bootstrap import WriteService, bootstrap_of
from shared.bus import TRANSIENT_KAFKA_ERRORS, Topics, make_producer
from shared.config import WRITE_SERVICES, Settings, topic_for
from shared.digests import DigestSchedule, DigestSigner, KafkaDigestPublisher
from shared.envelope import Envelope, utc_now
from shared.eventstore import EventStore, StorageUnavailable
from shared.eventstore.mongo import COMMITS
from shared.lease import Lease, MongoLease
from shared.mongo import TRANSIENT_ERRORS as TRANSIENT_DB_ERRORS
from shared.provenance import EnvelopeSigner, Headers
from shared.wakeup import Wake, rest_after, wake_for

log = logging.getLogger("nscl.relay")


@dataclass(frozen=True)
class Checkpoint:
    position: int = 0
    topic_id: str | None = None
    hash: str | None = None  # of the event at ``position``: the store must still hold that very event


class NoSigningKey(Exception):
    """The relay has no key to sign with: consumers would refuse everything it published."""


class Fenced(Exception):
    """Another relay took the lease over (a newer epoch): this one must not publish or move the checkpoint."""


class CheckpointAhead(Exception):
    """The checkpoint names an event the store does not hold (beyond its head, or another event at that
    position): publishing on would skip events. The relay stops; an operator must look."""


class Checkpoints(ABC):
    @abstractmethod
    def load(self, topic: str) -> Checkpoint: ...

    @abstractmethod
    def save(self, topic: str, checkpoint: Checkpoint, epoch: int | None = None) -> None:
        """With an ``epoch`` (the relay's lease's), a compare-and-set: raises Fenced if a relay of a later epoch
        saved the checkpoint already."""


class MongoCheckpoints(Checkpoints):
    def __init__(self, collection: Any) -> None:
        self.collection = collection

    def load(self, topic: str) -> Checkpoint:
        found = self.collection.find_one({"_id": topic})
        return Checkpoint(found["position"], found.get("topic_id"), found.get("hash")) if found else Checkpoint()

    def save(self, topic: str, checkpoint: Checkpoint, epoch: int | None = None) -> None:
        fields = {"position": checkpoint.position, "topic_id": checkpoint.topic_id, "hash": checkpoint.hash,
                  "updated_at": utc_now()}
        if epoch is None:
            self.collection.replace_one({"_id": topic}, {"_id": topic, **fields}, upsert=True)
            return
        try:  # no document yet, or one of this epoch or an earlier one (or none)
            self.collection.update_one(
                {"_id": topic, "$or": [{"epoch": {"$exists": False}}, {"epoch": None}, {"epoch": {"$lte": epoch}}]},
                {"$set": {**fields, "epoch": epoch}}, upsert=True)
        except DuplicateKeyError:  # the upsert found the document of a later epoch
            raise Fenced(f"the checkpoint of {topic} belongs to a later lease epoch than {epoch}") from None


@dataclass(frozen=True)
class Record:
    """An event as its topic receives it: the envelope's canonical form as the value, keyed by its stream."""
    event: Envelope
    value: bytes
    headers: Headers = ()


class Publisher(ABC):
    @abstractmethod
    def topic_id(self) -> str:
        """Connects if needed, creates the topic if missing, and returns its id."""

    def records(self, events: list[Envelope]) -> list[Record]:
        """The batch's records, ready to send: the CPU-bound part of publishing, apart from the sending so that
        the relay does it before it reads the next batch ahead (see Relay._publish_once)."""
        return [Record(event, event.to_json()) for event in events]

    @abstractmethod
    def publish(self, records: list[Record]) -> None:
        """Returns once the broker has acknowledged every record; raises otherwise."""

    @abstractmethod
    def close(self) -> None: ...


class KafkaPublisher(Publisher):
    """Each record's value is the envelope's canonical form, signed by the relay (shared.provenance)."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, signer: EnvelopeSigner,
                 timeout_s: float = 15.0) -> None:
        self.bootstrap, self.topic, self.partitions, self.timeout_s = bootstrap, topic, partitions, timeout_s
        self.signer = signer
        self._producer: Any = None
        self._topics = Topics(bootstrap)

    def topic_id(self) -> str:
        return self._topics.ensure(self.topic, self.partitions)

    def records(self, events: list[Envelope]) -> list[Record]:
        return [Record(event, value, self.signer.headers(value))
                for event, value in ((event, event.to_json()) for event in events)]

    def publish(self, records: list[Record]) -> None:
        if self._producer is None:
            self._producer = make_producer(self.bootstrap, client_id=f"relay-{self.topic}")
        futures = [self._producer.send(self.topic, key=record.event.stream_id.encode(), value=record.value,
                                       headers=list(record.headers))
                   for record in records]
        self._producer.flush(timeout=self.timeout_s)
        for future in futures:
            future.get(timeout=self.timeout_s)

    def close(self) -> None:
        self._topics.close()
        if self._producer is not None:
            producer, self._producer = self._producer, None
            with contextlib.suppress(*TRANSIENT_KAFKA_ERRORS):
                producer.close(timeout=2)


class Relay:
    TOPIC_CHECK_INTERVAL_S = 1.0

    def __init__(self, store: EventStore, checkpoints: Checkpoints, publisher: Publisher, topic: str,
                 batch_size: int = 500, lease: Lease | None = None, digests: DigestSchedule | None = None,
                 wake: Wake | None = None) -> None:
        self.store, self.checkpoints, self.publisher = store, checkpoints, publisher
        self.topic, self.batch_size, self.lease = topic, batch_size, lease
        self.wake = wake  # the write service's commits wake the relay (shared.wakeup); without it, it polls
        self.digests = digests  # the lease holder also signs the log's head at a fixed interval
        self._topic_checked_at = 0.0
        self._checkpoint: Checkpoint | None = None  # this relay is the only writer of its checkpoint
        # After a full batch, the next one is read from the store while the broker acknowledges this one:
        # (the position it follows, its read). Used only if the next batch starts there.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"relay-read-{topic}")
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"relay-lease-{topic}")
        self._read_ahead: tuple[int, Future[list[Envelope]]] | None = None
        # A batch is expected: a commit woke the relay, or the last batch was full (run() and _publish_once set it)
        self.expecting = False

    def publish_next_batch(self) -> int:
        """Publishes the next batch after the checkpoint; returns how many events it published.

        The topic's id is asked right before and right after each batch: a topic created anew (a broker that
        lost its history) gets nothing before the relay restarts from position 1, and a batch that reached a
        topic created while it was being sent is not taken as published."""
        for _ in range(3):
            published = self._publish_once()
            if published is not None:
                return published
        raise KafkaError(f"topic {self.topic} was created anew three times in a row")

    def _publish_once(self) -> int | None:
        """None when the topic was found created anew (the checkpoint then starts again at position 0).

        Before the irrevocable send, the lease is confirmed with the store while the broker is asked for the
        topic. When a batch is expected (a commit woke the relay, or the last batch was full) both are asked while
        the batch is read; on an idle look, only once the read found something."""
        checkpoint = self._reconciled_checkpoint()
        reading = self._reading_after(checkpoint.position)
        if not self.expecting and not reading.result():
            return 0
        confirmed = self._checker.submit(self.lease.confirm) if self.lease is not None else None
        renewed = self._topic_renewed(checkpoint, "before publishing")
        batch = reading.result()
        if renewed:
            return None
        self.expecting = len(batch) == self.batch_size
        if not batch:
            return 0
        if confirmed is not None and not confirmed.result():
            raise Fenced(f"relay {self.topic}: the lease was taken over; this batch is not published")
        # Signed before the next batch is read ahead: the signing gives up the GIL (cryptography), and with the
        # reader's thread busy each signature would wait out a switch interval (5 ms) to get it back.
        records = self.publisher.records(batch)
        if self.expecting:  # more may be waiting: read them while this batch is acknowledged
            self._read_ahead = (batch[-1].position, self._reader.submit(self._read_after, batch[-1].position))
        self.publisher.publish(records)
        if self._topic_renewed(checkpoint, "while publishing"):
            return None
        self._save(Checkpoint(batch[-1].position, checkpoint.topic_id, batch[-1].hash))
        return len(batch)

    def _read_after(self, position: int) -> list[Envelope]:
        return next(iter(self.store.read_all(position + 1, self.batch_size, raw=True)), [])

    def _reading_after(self, position: int) -> Future[list[Envelope]]:
        """The batch after ``position``: the one read ahead if it follows that very position, else read now (on
        the reader's thread, while this one asks the broker)."""
        ahead, self._read_ahead = self._read_ahead, None
        if ahead is not None and ahead[0] == position:
            return ahead[1]
        return self._reader.submit(self._read_after, position)

    def _topic_renewed(self, checkpoint: Checkpoint, when: str) -> bool:
        topic_id = self.publisher.topic_id()
        if topic_id == checkpoint.topic_id:
            return False
        log.warning("topic %s was created anew (%s): republishing from position 1", self.topic, when)
        self._save(Checkpoint(0, topic_id))
        return True

    def forget_connection(self) -> None:
        """After a failure: check the topic and reload the checkpoint before the next batch (read anew)."""
        self._checkpoint = None
        self._read_ahead = None

    def _reconciled_checkpoint(self) -> Checkpoint:
        now = time.monotonic()
        if self._checkpoint is not None and now - self._topic_checked_at < self.TOPIC_CHECK_INTERVAL_S:
            return self._checkpoint
        topic_id, self._topic_checked_at = self.publisher.topic_id(), now
        checkpoint = self.checkpoints.load(self.topic)
        if checkpoint.topic_id != topic_id:
            if checkpoint.position:
                log.warning("topic %s is new to this relay: republishing from position 1", self.topic)
            checkpoint = Checkpoint(0, topic_id)
            self._save(checkpoint)
        self._check_against_store(checkpoint)
        self._checkpoint = checkpoint
        return checkpoint

    def _check_against_store(self, checkpoint: Checkpoint) -> None:
        if not checkpoint.position:
            return
        head = self.store.head_position()
        if checkpoint.position > head:
            raise CheckpointAhead(f"the checkpoint of {self.topic} is at position {checkpoint.position}, beyond the "
                                  f"store's head {head}: events appended from {head + 1} on would never be published")
        if checkpoint.hash is not None:
            [event] = next(iter(self.store.read_all(checkpoint.position, 1, raw=True)))
            if event.hash != checkpoint.hash:
                raise CheckpointAhead(f"the event at position {checkpoint.position} is not the one {self.topic} "
                                      "published there: the store's history changed under the relay")

    def _save(self, checkpoint: Checkpoint) -> None:
        self.checkpoints.save(self.topic, checkpoint, self.lease.epoch if self.lease is not None else None)
        self._checkpoint = checkpoint

    def run(self, stop: threading.Event, idle_wait_s: float = 0.05, retry_wait_s: float = 1.0) -> None:
        published, leading = 0, False
        while not stop.is_set():
            try:
                if self.lease is not None and not self.lease.hold():
                    if leading:
                        log.warning("relay %s: another relay holds the lease now; standing by", self.topic)
                    leading = False
                    stop.wait(retry_wait_s)
                    continue
                if not leading:
                    self.forget_connection()  # another relay may have moved the checkpoint meanwhile
                    leading = True
                count = self.publish_next_batch()
                if self.digests is not None:
                    self.digests.tick()
            except Fenced as error:
                log.warning("%s; standing by", error)
                leading = False
                self.forget_connection()
                stop.wait(retry_wait_s)
                continue
            except CheckpointAhead as error:
                log.critical("relay %s stopped: %s", self.topic, error)
                self.publisher.close()
                raise
            except TRANSIENT_KAFKA_ERRORS + (StorageUnavailable,) + TRANSIENT_DB_ERRORS as error:
                log.warning("relay %s paused: %s; retrying", self.topic, error)
                self.publisher.close()
                self.forget_connection()
                stop.wait(retry_wait_s)
                continue
            published += count
            if count:
                log.info("relay %s: %d events published (%d in this run)", self.topic, count, published)
            self.expecting = rest_after(count, self.batch_size, self.wake, stop, idle_wait_s)
        self.publisher.close()
        self._reader.shutdown(wait=True)
        self._checker.shutdown(wait=True)
        if self.wake is not None:
            self.wake.close()
        if self.digests is not None:
            self.digests.publisher.close()
        if self.lease is not None and leading:
            self.lease.release()


def build_relay(service: WriteService) -> Relay:
    """The relay of a write service, on the store and database its bootstrap built."""
    topic = topic_for(service.name)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    settings = service.settings
    signing_key = settings.relay_signing_keys.get(service.name)
    if not signing_key:
        raise NoSigningKey(f"no signing key for the relay of {service.name}: set NSCL_RELAY_SIGNING_KEY_"
                           f"{service.name.upper()} (or ..._FILE); consumers refuse unsigned events")
    digests = None
    if settings.audit_signing_key:
        digests = DigestSchedule(service.name, service.store, DigestSigner(settings.audit_signing_key),
                                 KafkaDigestPublisher(settings.kafka_bootstrap), settings.audit_digest_interval_s)
    else:
        log.warning("relay %s: no audit signing key configured; no digests will be published", topic)
    return Relay(service.store, MongoCheckpoints(service.database["relay_checkpoints"]),
                 KafkaPublisher(settings.kafka_bootstrap, topic, settings.topic_partitions,
                                EnvelopeSigner(signing_key)), topic,
                 lease=MongoLease(service.database["relay_leases"], topic, owner), digests=digests,
                 wake=wake_for(service.database[COMMITS], settings.relay_wake.get(service.name),
                               f"relay {service.name}"))


def main(argv: list[str] | None = None) -> None:
    from shared.process import configure_logging, stop_on_signals

    parser = argparse.ArgumentParser(description="Publish a write service's events to Kafka")
    parser.add_argument("service", choices=WRITE_SERVICES)
    args = parser.parse_args(argv)
    configure_logging()
    stop = stop_on_signals()
    try:
        bootstrap_of(args.service)(Settings.from_env()).relay().run(stop)
    except (CheckpointAhead, NoSigningKey) as error:
        sys.exit(f"relay {args.service} refuses to publish: {error}")


if __name__ == "__main__":
    main()
