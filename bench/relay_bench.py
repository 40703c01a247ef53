"""Relay throughput (event store → Kafka topic) against a raw kafka-python producer on the same broker.

    .venv/bin/python bench/relay_bench.py                 # quick (the default)
    .venv/bin/python bench/relay_bench.py --events 10000

Pre-fills a MongoEventStore with ``--events`` single-event commits (each to a new stream, as registry
writes them), then per repetition times shared.relay.Relay (MongoCheckpoints in a fresh collection,
KafkaPublisher on a fresh topic, signing each record with a relay key) calling publish_next_batch until it
returns 0. Baseline: a raw KafkaProducer (acks='all', otherwise kafka-python's defaults) sending the same
envelope JSON payloads with the same keys to another fresh topic, then flushing. Both topics are created
before the clock starts (with the relay's partition count); both timings include creating the producer,
since the relay creates its own inside publish_next_batch. An extra row sends the same payloads with the
relay's producer settings (shared.bus.make_producer) to separate the relay's own overhead from its
producer configuration.
"""
from __future__ import annotations

import time
import uuid

import _common as common
from kafka import KafkaProducer

from shared.bus import ensure_topic, make_producer
from shared.config import Settings
from shared.digests import generate_private_pem
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect
from shared.provenance import EnvelopeSigner
from shared.relay import KafkaPublisher, MongoCheckpoints, Relay

SEND_TIMEOUT_S = 30.0
# What the relay's time is spent on: (object, method, label).
STEPS = (
    ("store", "_commits_from", "store: read the next commits (after a full batch, while it is acknowledged)"),
    ("publisher", "topic_id", "publisher.topic_id (admin client: create/describe topic)"),
    ("publisher", "records", "publisher.records (canonical form and signature, before the read-ahead)"),
    ("publisher", "publish", "publisher.publish (incl. producer creation, flush)"),
    ("checkpoints", "load", "checkpoints.load"),
    ("checkpoints", "save", "checkpoints.save"),
)


def prefill(store: MongoEventStore, count: int, pad: int) -> None:
    meta = Metadata(actor="bench", department="DOST")
    for index in range(count):
        store.append(f"bench-{uuid.uuid4()}", 0, [NewEvent("BenchEventRecorded", {
            "tax_code": f"{1400000000 + index:010d}", "name": f"Doanh nghiệp thử {index}",
            "district_code": "866", "note": "x" * pad})], meta)


class StepClock:
    """Accumulates the time spent in chosen methods of chosen objects (wrapped on the instance only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, target: object, method: str, label: str) -> None:
        original = getattr(target, method)

        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started
        setattr(target, method, timed_call)


def run_relay(store, database, bootstrap: str, partitions: int, batch_size: int, expected: int,
              runs: common.Runs) -> float:
    topic = common.unique_name("bench.relay")
    ensure_topic(bootstrap, topic, partitions)
    checkpoints = MongoCheckpoints(database[common.unique_name("relay_checkpoints")])
    publisher = KafkaPublisher(bootstrap, topic, partitions, EnvelopeSigner(generate_private_pem()),
                               timeout_s=SEND_TIMEOUT_S)
    relay = Relay(store, checkpoints, publisher, topic, batch_size=batch_size)
    clock = StepClock()
    for target, method, label in STEPS:
        clock.wrap({"store": store, "publisher": publisher, "checkpoints": checkpoints}[target], method, label)

    def publish_all() -> int:
        published = 0
        while (count := relay.publish_next_batch()) != 0:
            published += count
        return published
    try:
        published, seconds = common.timed(publish_all)
    finally:
        publisher.close()
        for target, method, _ in STEPS:  # unwrap: the store is reused by the next repetition
            instance = {"store": store, "publisher": publisher, "checkpoints": checkpoints}[target]
            instance.__dict__.pop(method, None)
    for _, _, label in STEPS:
        runs.add(f"step:{label}", 1000 * clock.seconds.get(label, 0.0))
    runs.add("step:total", 1000 * seconds)
    checkpoint = checkpoints.load(topic)
    if published != expected or checkpoint.position != expected:
        raise AssertionError(f"relay published {published}, checkpoint at {checkpoint}, expected {expected}")
    return common.rate(published, seconds)


def run_raw(payloads: list[tuple[bytes, bytes]], bootstrap: str, partitions: int, relay_settings: bool) -> float:
    topic = common.unique_name("bench.raw")
    ensure_topic(bootstrap, topic, partitions)

    def send_all() -> None:
        if relay_settings:
            producer = make_producer(bootstrap, client_id="bench-raw-relay-settings")
        else:
            producer = KafkaProducer(bootstrap_servers=[bootstrap], client_id="bench-raw", acks="all")
        try:
            futures = [producer.send(topic, key=key, value=value) for key, value in payloads]
            producer.flush(timeout=SEND_TIMEOUT_S)
            for future in futures:
                future.get(timeout=SEND_TIMEOUT_S)
        finally:
            producer.close(timeout=5)
    _, seconds = common.timed(send_all)
    return common.rate(len(payloads), seconds)


def main() -> None:
    defaults = Settings.from_env()
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events pre-filled into the store")
    parser.add_argument("--partitions", type=int, default=defaults.topic_partitions,
                        help="partitions of each topic (the relay's setting)")
    parser.add_argument("--relay-batch", type=int, default=500, help="the relay's batch size")
    parser.add_argument("--pad", type=int, default=150, help="padding characters in each event's data")
    args = parser.parse_args()

    runs = common.Runs()
    with common.time_limit(args.time_limit), common.embedded_servers() as servers:
        client = connect(servers.mongo_url)
        database = client[common.unique_name("bench_relay")]
        try:
            store = MongoEventStore(database)
            store.ensure_indexes()
            _, seconds = common.timed(lambda: prefill(store, args.events, args.pad))
            common.note(f"pre-filled {args.events} events in {seconds:.1f} s")
            envelopes = [event for batch in store.read_all(raw=True) for event in batch]
            payloads = [(event.stream_id.encode(), event.to_json()) for event in envelopes]
            sizes = [len(value) for _, value in payloads]
            for rep in range(1, args.reps + 1):
                runs.add("relay", run_relay(store, database, servers.kafka_bootstrap, args.partitions,
                                            args.relay_batch, args.events, runs))
                runs.add("raw", run_raw(payloads, servers.kafka_bootstrap, args.partitions, relay_settings=False))
                runs.add("raw_relay_settings", run_raw(payloads, servers.kafka_bootstrap, args.partitions,
                                                       relay_settings=True))
                common.note(f"repetition {rep}/{args.reps} done")
        finally:
            client.drop_database(database.name)
            client.close()

    raw = runs.median("raw")
    print(f"\nRelay (MongoEventStore → Tansu) vs raw kafka-python producer, same servers; {args.events} events "
          f"per run, {args.partitions} partitions, fresh topic per run; medians of {args.reps} repetitions.")
    print(f"Envelope JSON payloads (measured): mean {sum(sizes) / len(sizes):,.0f} B, "
          f"min {min(sizes):,} B, max {max(sizes):,} B; key = stream_id.")
    common.print_table("Publish throughput", ["publisher", "msgs", "msgs/s", "range", "ratio to raw"], [
        [f"Relay.publish_next_batch until 0 (batch {args.relay_batch})", args.events,
         common.fmt(runs.median("relay")), runs.spread("relay"),
         common.fmt_ratio(common.ratio(runs.median("relay"), raw))],
        ["raw KafkaProducer acks=all, send + flush (baseline)", args.events, common.fmt(raw), runs.spread("raw"),
         "1.00"],
        ["raw send with the relay's producer settings", args.events, common.fmt(runs.median("raw_relay_settings")),
         runs.spread("raw_relay_settings"),
         common.fmt_ratio(common.ratio(runs.median("raw_relay_settings"), raw))],
    ])

    total = runs.median("step:total")
    rows = [[label, common.fmt(runs.median(f"step:{label}"), 1),
             f"{100 * runs.median(f'step:{label}') / total:.0f}%"] for _, _, label in STEPS]
    accounted = sum(runs.median(f"step:{label}") for _, _, label in STEPS)
    rows.append(["rest (Envelope.from_dict on read, loop; negative: the reads overlapped the publishing)",
                 common.fmt(total - accounted, 1), f"{100 * (total - accounted) / total:.0f}%"])
    rows.append(["total publish_next_batch loop", common.fmt(total, 1), "100%"])
    common.print_table("Where the relay's time goes (medians per run)", ["step", "ms", "share"], rows)


if __name__ == "__main__":
    main()
