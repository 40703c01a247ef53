"""How the product behaves as history grows: the stores filled to 10k, 100k (and 1M) events, measured at each size.

    .venv/bin/python bench/history_bench.py                                   # 10k and 100k events
    .venv/bin/python bench/history_bench.py --sizes 10000,100000,1000000 --time-limit 7200

The three write services' stores grow with realistic programme histories (bench/reporting_rebuild_bench.py's
fill: enterprises with a survey, a support case from proposal to completion, a course with participants and
attendance every fifth enterprise). Reporting keeps up by recording each growth step from the stores (the
rebuild's path), and at each size the script prints:
- append latency: one event appended to an existing enterprise's stream, read first as a command does (median,
  p99 of ``--samples``);
- one enterprise's history read (``read_stream``, median);
- the projector's consolidation of its kept counts after the step (what it does once it has nothing to consume);
- the dashboard's indicator query (2021-2025, all eight indicators, no contributors: the kept counts) in a new
  reader, cold and warm (median), and right after one more command (its shard computed from its rows; median
  of 7 commands, the counts brought up to date before each, as the idle projector does between commands);
- enterprises by district (``GET /enterprises/by-district``) in that reader, cold (every registration fact folded
  once), and right after one more enterprise is registered and recorded (median of 7);
- the same query with every contributor listed (evaluated from the rows of the period), cold and warm;
- reporting's recording throughput for the step (events/s), beside a raw ``find()`` of the same commits;
- peak resident memory of this process and of the MongoDB-protocol server.
Ratios are to the first size, measured in the same run.
"""
from __future__ import annotations

import random
import resource
import time
from pathlib import Path

import _common as common
from reporting_rebuild_bench import fill

from services.reporting import queries
from services.reporting.bootstrap import bootstrap
from services.reporting.facts import Facts
from shared.config import WRITE_SERVICES, Settings, database_for
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import COMMITS, MongoEventStore
from shared.mongo import connect

META = Metadata(actor="bench", department="DOST")
AFTER_COMMAND_SAMPLES = 7


def peak_rss_mib(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def append_latencies(store: MongoEventStore, streams: list[str], samples: int, rng: random.Random) -> list[float]:
    """One event appended to an existing stream, its version read first (as a command reads its stream)."""
    found = []
    for _ in range(samples):
        stream = rng.choice(streams)
        started = time.perf_counter()
        store.append(stream, store.stream_version(stream), [NewEvent(
            "SurveyRecorded", {"survey_id": f"s-{time.time_ns()}", "surveyed_on": "2024-05-01", "kind": "survey"})],
            META)
        found.append(time.perf_counter() - started)
    return found


def record_step(deps, client, positions: dict[str, int]) -> int:
    """Records every event appended since ``positions`` into reporting (the rebuild's batches)."""
    recorded = 0
    for service in WRITE_SERVICES:
        store = MongoEventStore(client[database_for(service)])
        for batch in store.read_all(positions[service] + 1, 1000, raw=True):
            deps.facts.record([(service, event) for event in batch])
            recorded += len(batch)
            positions[service] = batch[-1].position
    return recorded


def raw_scan_rate(client) -> float:
    def scan() -> int:
        return sum(len(document["events"]) for service in WRITE_SERVICES
                   for document in client[database_for(service)][COMMITS].find({}).batch_size(1000))
    count, seconds = common.timed(scan)
    return common.rate(count, seconds)


def timed_ms(operation) -> float:
    return common.timed(operation)[1] * 1000


def kept_query(facts: Facts):
    return lambda: queries.indicators(queries.Reporting(facts, reports=None), "2021-2025",  # type: ignore[arg-type]
                                      contributors=False)


def after_a_command(registry: MongoEventStore, streams: list[str], rng: random.Random, deps, client,
                    positions: dict[str, int], reader: Facts) -> float:
    """The dashboard's query right after one more command is recorded (its shard not yet consolidated). The
    projector consolidates whenever it has nothing to consume, so the kept counts are first brought up to date, as
    they would be between two commands: only this command's shards are then stale."""
    deps.facts.tallies.consolidate()
    append_latencies(registry, streams, 1, rng)
    record_step(deps, client, positions)
    return timed_ms(kept_query(reader))


def districts_query(facts: Facts):
    return lambda: queries.enterprises_by_district(queries.Reporting(facts, reports=None))  # type: ignore[arg-type]


def districts_after_a_registration(registry: MongoEventStore, deps, client, positions: dict[str, int],
                                   reader: Facts) -> float:
    """Enterprises by district in a reader that answered before, right after one more enterprise is recorded."""
    stamp = time.time_ns()
    registry.append(f"ent-bench-{stamp}", 0, [NewEvent("EnterpriseRegistered", {
        "tax_code": f"{stamp % 10**10:010d}", "name": "Doanh nghiệp đo", "district_code": "866",
        "district_name": "x", "registered_on": "2024-01-04"})], META)
    record_step(deps, client, positions)
    return timed_ms(districts_query(reader))


def measure(deps, client, registry: MongoEventStore, positions: dict[str, int], streams: list[str], samples: int,
            rng: random.Random, mongo_pid: int | None) -> dict[str, float]:
    recorded, record_s = common.timed(lambda: record_step(deps, client, positions))
    consolidated_s = common.timed(deps.facts.tallies.consolidate)[1]
    reader = Facts(deps.facts.database)  # another process's view: nothing held yet
    kept_cold = timed_ms(kept_query(reader))
    kept_warm = common.median([timed_ms(kept_query(reader)) for _ in range(5)])
    kept_after_command = common.median([after_a_command(registry, streams, rng, deps, client, positions, reader)
                                        for _ in range(AFTER_COMMAND_SAMPLES)])
    districts_cold = timed_ms(districts_query(reader))
    districts_after = common.median([districts_after_a_registration(registry, deps, client, positions, reader)
                                     for _ in range(AFTER_COMMAND_SAMPLES)])
    cold = timed_ms(lambda: queries.indicators(deps.reporting, "2021-2025"))
    warm = common.median([timed_ms(lambda: queries.indicators(deps.reporting, "2021-2025")) for _ in range(3)])
    appended = append_latencies(registry, streams, samples, rng)
    reads = [timed_ms(lambda: registry.read_stream(rng.choice(streams))) for _ in range(samples)]
    return {"append": common.median(appended) * 1000, "append_p99": common.percentile(appended, 99) * 1000,
            "read": common.median(reads), "consolidate": consolidated_s, "kept_cold": kept_cold,
            "kept_warm": kept_warm, "kept_after_command": kept_after_command, "districts_cold": districts_cold,
            "districts_after": districts_after, "cold": cold, "warm": warm,
            "record": common.rate(recorded, record_s), "raw": raw_scan_rate(client), "rss": peak_rss_mib(),
            "server_rss": peak_rss_mib(mongo_pid)}


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0], time_limit_s=3600)
    parser.add_argument("--sizes", default="10000,100000", help="total events at which to measure")
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    rng = random.Random(11)
    rows: list[list[str]] = []
    first: dict[str, float] = {}
    with common.time_limit(args.time_limit), common.embedded_servers() as servers:
        settings = Settings.from_env({"MONGO_URL": servers.mongo_url, "KAFKA_BOOTSTRAP": servers.kafka_bootstrap,
                                      "NSCL_JWT_SECRET": common.new_secret()})
        client = connect(servers.mongo_url)
        deps = bootstrap(settings, client, projection_name="bench_history")
        registry = MongoEventStore(client[database_for("registry")])
        positions = dict.fromkeys(WRITE_SERVICES, 0)
        written, streams = 0, []
        for step, size in enumerate(sizes, start=1):
            began = time.perf_counter()
            count = fill(client, size - written, random.Random(step), first=step * 10_000_000 + 1)
            written += count
            streams += [f"ent-{step * 10_000_000 + 1 + k}" for k in range(50)]
            common.note(f"{written:,} events in the stores (this step's {count:,} in "
                        f"{time.perf_counter() - began:.0f} s)")
            figures = measure(deps, client, registry, positions, streams, args.samples, rng,
                              servers.mongo.pid if servers.mongo else None)
            first = first or figures
            rows.append([f"{written:,}", common.fmt(figures["append"], 1), common.fmt(figures["append_p99"], 1),
                         common.fmt(figures["read"], 1), common.fmt(figures["consolidate"], 1),
                         common.fmt(figures["kept_cold"], 1), common.fmt(figures["kept_warm"], 1),
                         common.fmt(figures["kept_after_command"], 1), common.fmt(figures["districts_cold"], 1),
                         common.fmt(figures["districts_after"], 1), common.fmt(figures["cold"]),
                         common.fmt(figures["warm"]), common.fmt(figures["record"]), common.fmt(figures["raw"]),
                         common.fmt(figures["rss"]), common.fmt(figures["server_rss"]),
                         common.fmt_ratio(common.ratio(figures["append"], first["append"])),
                         common.fmt_ratio(common.ratio(figures["kept_cold"], first["kept_cold"])),
                         common.fmt_ratio(common.ratio(figures["kept_after_command"], first["kept_after_command"])),
                         common.fmt_ratio(common.ratio(figures["districts_after"], first["districts_after"])),
                         common.fmt_ratio(common.ratio(figures["cold"], first["cold"]))])
    common.print_table(
        "History growth: at each size, medians (ms unless said); ratios to the first size",
        ["events", "append", "append p99", "history read", "consolidation s", "dashboard cold", "dashboard warm",
         "dashboard after 1 command", "by district cold", "by district after 1 registration",
         "with contributors cold", "with contributors warm", "reporting records ev/s",
         "raw find() ev/s", "bench RSS MiB", "server RSS MiB", "append ×", "dashboard cold ×",
         "after 1 command ×", "by district after ×", "with contributors ×"],
        rows)


if __name__ == "__main__":
    main()
