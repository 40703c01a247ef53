"""Reporting rebuild throughput and indicator query time at scale, beside a raw consume of the same topics.

    .venv/bin/python bench/reporting_rebuild_bench.py --events 100000

Fills the three write services' event stores with realistic programme histories (enterprises with surveys,
support cases from proposal to completion, courses with participants and attendance) in multi-event commits,
relays them to Kafka, then in one run: a raw kafka-python consumer reading every message of the three topics
(the baseline); the rebuild from Kafka offset 0 (services.reporting.rebuild.from_kafka, including its group
join); the rebuild from the stores; and the indicator query for a phase and for one indicator (median of 5).
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import _common as common
from kafka import KafkaConsumer, TopicPartition

from services.reporting import queries, rebuild
from services.reporting.bootstrap import bootstrap
from shared.auth import ensure_dev_relay_keys
from shared.config import WRITE_SERVICES, Settings, database_for, topic_for
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect
from shared.provenance import EnvelopeSigner
from shared.relay import KafkaPublisher, MongoCheckpoints, Relay

META = Metadata(actor="bench", department="DOST")


def day(rng: random.Random) -> str:
    return (date(2021, 1, 1) + timedelta(days=rng.randrange(0, 6 * 365))).isoformat()


def fill(client, target: int, rng: random.Random, first: int = 1) -> int:
    """Appends programme histories until ``target`` events are written: enterprise ``first`` and on (with their
    support case, and a course every fifth one). Returns the events written."""
    stores = {service: MongoEventStore(client[database_for(service)]) for service in WRITE_SERVICES}
    written, n = 0, first - 1
    while written < target:
        n += 1
        enterprise = f"ent-{n}"
        stores["registry"].append(
            enterprise,
            0,
            [
                NewEvent(
                    "EnterpriseRegistered",
                    {
                        "tax_code": f"{1400000000 + n}",
                        "name": f"Doanh nghiệp {n}",
                        "district_code": rng.choice(["866", "867", "868", "873"]),
                        "district_name": "x",
                        "registered_on": "2021-01-04",
                    },
                ),
                NewEvent("SurveyRecorded", {"survey_id": f"s-{n}", "surveyed_on": day(rng), "kind": "survey"}),
            ],
            META,
        )
        done = day(rng)
        stores["support"].append(
            f"case-{n}",
            0,
            [
                NewEvent(
                    "SupportCaseProposed",
                    {
                        "enterprise_id": enterprise,
                        "enterprise_name": f"Doanh nghiệp {n}",
                        "district_code": "866",
                        "support_type": rng.choice(["management_system", "quality_award", "st_task", "barcode"]),
                        "requested_amount": 1000,
                        "proposed_on": "2021-01-05",
                        "proposed_by": "DOST",
                    },
                ),
                NewEvent("SupportCaseApproved", {"budget": {"state_st_budget": 1000}, "approved_on": "2021-02-01"}),
                NewEvent("SupportMilestoneRecorded", {"on": "2021-03-01", "note": "x"}),
                NewEvent("SupportCaseCompleted", {"outcome": {"award": "gold", "summary": "x"}, "completed_on": done}),
            ],
            META,
        )
        written += 6
        if n % 5 == 0:
            held, size = day(rng), 20
            events = [
                NewEvent(
                    "CourseScheduled",
                    {
                        "title": f"Lớp {n}",
                        "kind": "training_class",
                        "topic": "x",
                        "organiser": "DOST",
                        "start_date": held,
                        "end_date": held,
                        "capacity": size,
                    },
                )
            ]
            events += [
                NewEvent(
                    "ParticipantEnrolled",
                    {
                        "participant_id": f"p{i}",
                        "role": "worker",
                        "enterprise_id": f"ent-{n - i}",
                        "organisation_code": None,
                    },
                )
                for i in range(size)
            ]
            events.append(
                NewEvent(
                    "CourseHeld",
                    {
                        "start_date": held,
                        "end_date": held,
                        "kind": "training_class",
                        "topic": "x",
                        "organiser": "DOST",
                        "participants": size,
                    },
                )
            )
            events += [
                NewEvent(
                    "AttendanceRecorded",
                    {
                        "participant_id": f"p{i}",
                        "enterprise_id": f"ent-{n - i}",
                        "district_code": "866",
                        "attended": True,
                    },
                )
                for i in range(size)
            ]
            stores["training"].append(f"course-{n}", 0, events, META)
            written += len(events)
    return written


def relay_all(client, settings: Settings) -> None:
    bootstrap_servers = settings.kafka_bootstrap
    for service in WRITE_SERVICES:
        store = MongoEventStore(client[database_for(service)])
        relay = Relay(
            store,
            MongoCheckpoints(client[database_for(service)]["relay_checkpoints"]),
            KafkaPublisher(bootstrap_servers, topic_for(service), 3,
                           EnvelopeSigner(settings.relay_signing_keys[service])),
            topic_for(service),
        )
        while relay.publish_next_batch():
            pass


def raw_consume(bootstrap_servers: str, expected: int) -> float:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, fetch_max_wait_ms=20, max_poll_records=1000
    )
    partitions = [
        TopicPartition(topic_for(service), p)
        for service in WRITE_SERVICES
        for p in sorted(consumer.partitions_for_topic(topic_for(service)) or [])
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    started, seen = time.perf_counter(), 0
    while seen < expected:
        seen += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def main() -> None:
    parser = common.parser(__doc__, time_limit_s=1800)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    events = args.events
    with common.time_limit(args.time_limit), common.embedded_servers() as servers:
        ensure_dev_relay_keys(servers.state_dir)
        settings = Settings.from_env(
            {
                "NSCL_STATE_DIR": str(servers.state_dir),
                "MONGO_URL": servers.mongo_url,
                "KAFKA_BOOTSTRAP": servers.kafka_bootstrap,
                "NSCL_JWT_SECRET": common.new_secret(),
                "NSCL_CONSUMER_SESSION_TIMEOUT_MS": "3000",
                "NSCL_FETCH_MAX_WAIT_MS": "20",
            }
        )
        client = connect(servers.mongo_url)
        count, seconds = common.timed(lambda: fill(client, events, random.Random(7)))
        common.note(f"stores filled with {count} events in {seconds:.0f} s")
        _, seconds = common.timed(lambda: relay_all(client, settings))
        common.note(f"relayed to Kafka in {seconds:.0f} s")
        raw = raw_consume(servers.kafka_bootstrap, count)
        from_kafka = bootstrap(settings, client, projection_name="bench_rebuild_kafka")
        _, kafka_s = common.timed(lambda: rebuild.from_kafka(from_kafka, progress=False, timeout_s=1500))
        from_stores = bootstrap(settings, client, projection_name="bench_rebuild_stores")
        _, stores_s = common.timed(lambda: rebuild.from_stores(from_stores, progress=False))
        phase = [common.timed(lambda: queries.indicators(from_kafka.reporting, "2021-2025"))[1] for _ in range(5)]
        single = [common.timed(lambda: queries.indicator(from_kafka.reporting, "I4", "2023"))[1] for _ in range(5)]
        equal = rebuild.differences(from_kafka, from_stores) == []
        common.print_table(
            f"Reporting at {count:,} events (rebuilt projections equal: {equal})",
            ["measurement", "events/s or ms", "baseline (raw consume)", "ratio"],
            [
                ["raw kafka-python consume, 3 topics", common.fmt(common.rate(count, raw)), "", ""],
                [
                    "rebuild from Kafka offset 0",
                    common.fmt(common.rate(count, kafka_s)),
                    common.fmt(common.rate(count, raw)),
                    common.fmt_ratio(raw / kafka_s),
                ],
                ["rebuild from the event stores", common.fmt(common.rate(count, stores_s)), "", ""],
                ["indicators, all 8, phase 2021-2025 (median ms)", common.fmt(common.median(phase) * 1000, 1), "", ""],
                ["one indicator, one year (median ms)", common.fmt(common.median(single) * 1000, 1), "", ""],
            ],
        )


if __name__ == "__main__":
    main()
