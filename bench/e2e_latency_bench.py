"""End-to-end latency of a command (registry POST) until reporting shows it, against raw Kafka latency.

    .venv/bin/python bench/e2e_latency_bench.py                 # quick (the default)
    .venv/bin/python bench/e2e_latency_bench.py --samples 200

Starts the embedded servers and the whole stack (four services under gunicorn, three relays, the
projector) on free loopback ports. Per repetition, for ``--samples`` enterprises one after another: POST
/api/v1/enterprises on registry, then GET /api/v1/enterprises/by-district on reporting in a tight loop
(``--poll-interval-ms`` pause between requests) until its ``total`` counts the new enterprise; the latency
runs from just before the POST to the response of the first poll that shows it.
Baseline, same broker, same repetition: a raw kafka-python producer (acks='all') sends a timestamped
message, a consumer (fetch_max_wait_ms=20, assign() on the one partition, no group) receives it; one
message at a time, ``--samples`` of them. Then ``--quiet-samples`` enterprises, each after the stack was quiet long
enough for its consumers to fetch with their longer wait (shared.consumer.FetchPace): the latency of the first
command after a quiet spell. Also reports the CPU each stack process used while the stack was idle (from the
moment its consumers slowed down) and while the benchmark ran (from /proc, by process group).
"""
from __future__ import annotations

import os
import threading
import time

import _common as common
import requests
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from shared.bus import ensure_topic
from shared.consumer import FetchPace
from shared.reference import DISTRICTS

ENTERPRISES = "/api/v1/enterprises"
BY_DISTRICT = "/api/v1/enterprises/by-district"
VISIBLE_TIMEOUT_S = 30.0
RAW_FETCH_MAX_WAIT_MS = 20
RAW_PAYLOAD_BYTES = 800  # about the size of an envelope (see relay_bench)
QUIET_S = FetchPace.QUIET_AFTER_S + 0.5  # long enough without events for every consumer to take its longer wait


# ---- the stack ---------------------------------------------------------------------------------------
class Probe:
    """Registers enterprises on registry and watches reporting's total."""

    def __init__(self, registry_url: str, reporting_url: str, clerk: dict, viewer: dict, poll_interval_s: float):
        self.registry_url, self.reporting_url = registry_url, reporting_url
        self.poll_interval_s = poll_interval_s
        self.writer, self.reader = requests.Session(), requests.Session()
        self.writer.headers.update(clerk)
        self.reader.headers.update(viewer)
        self.sequence = 0
        self.total = self.reported_total()

    def reported_total(self) -> int:
        response = self.reader.get(self.reporting_url + BY_DISTRICT, timeout=10)
        response.raise_for_status()
        return response.json()["total"]

    def register(self) -> tuple[float, float, int]:
        """One sample: (end-to-end seconds, POST seconds, polls until visible)."""
        self.sequence += 1
        districts = sorted(DISTRICTS)
        body = {"tax_code": f"{(time.time_ns() // 1000 + self.sequence) % 10**10:010d}",
                "name": f"Doanh nghiệp đo trễ {self.sequence}",
                "district_code": districts[self.sequence % len(districts)]}
        expected = self.total + 1
        started = time.perf_counter()
        response = self.writer.post(self.registry_url + ENTERPRISES, json=body, timeout=10)
        posted = time.perf_counter()
        if response.status_code != 201:
            raise RuntimeError(f"POST {ENTERPRISES} answered {response.status_code}: {response.text[:300]}")
        polls = 0
        while True:
            polls += 1
            total = self.reported_total()
            seen = time.perf_counter()
            if total >= expected:
                if total != expected:
                    raise RuntimeError(f"reporting total {total}, expected {expected}: another writer?")
                self.total = total
                return seen - started, posted - started, polls
            if seen - started > VISIBLE_TIMEOUT_S:
                raise TimeoutError(f"enterprise {self.sequence} not visible in reporting after {VISIBLE_TIMEOUT_S} s")
            time.sleep(self.poll_interval_s)

    def close(self) -> None:
        self.writer.close()
        self.reader.close()


# ---- the raw Kafka baseline -----------------------------------------------------------------------------
class RawKafkaLatency:
    """A producer in this thread, a group-less consumer in another; one message in flight at a time."""

    def __init__(self, bootstrap: str) -> None:
        self.topic = common.unique_name("bench.latency")
        ensure_topic(bootstrap, self.topic, 1)
        self.producer = KafkaProducer(bootstrap_servers=[bootstrap], client_id="bench-latency", acks="all")
        self.consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=None, enable_auto_commit=False,
                                      client_id="bench-latency", fetch_max_wait_ms=RAW_FETCH_MAX_WAIT_MS)
        self.consumer.assign([TopicPartition(self.topic, 0)])
        self.consumer.seek_to_beginning()
        self.received: dict[int, float] = {}
        self.arrived = threading.Condition()
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._consume, name="bench-consumer", daemon=True)
        self.thread.start()
        self.sequence = 0

    def _consume(self) -> None:
        try:
            while not self.stop.is_set():
                for records in self.consumer.poll(timeout_ms=200).values():
                    now = time.perf_counter()
                    for record in records:
                        sequence, sent_at = record.value.split(b" ", 2)[:2]
                        with self.arrived:
                            self.received[int(sequence)] = now - float(sent_at)
                            self.arrived.notify_all()
        except BaseException as error:  # noqa: BLE001 - reported by sample()
            self.failure = error

    def sample(self) -> float:
        self.sequence += 1
        sequence = self.sequence
        sent_at = time.perf_counter()
        head = f"{sequence} {sent_at!r} ".encode()
        self.producer.send(self.topic, key=str(sequence).encode(),
                           value=head + b"x" * max(0, RAW_PAYLOAD_BYTES - len(head)))
        with self.arrived:
            if not self.arrived.wait_for(lambda: sequence in self.received or self.failure is not None,
                                         timeout=VISIBLE_TIMEOUT_S):
                raise TimeoutError(f"raw message {sequence} not received within {VISIBLE_TIMEOUT_S} s")
        if self.failure is not None:
            raise RuntimeError("raw consumer failed") from self.failure
        return self.received.pop(sequence)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.producer.close(timeout=5)
        self.consumer.close()


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60, help="enterprises (and raw messages) per repetition")
    parser.add_argument("--poll-interval-ms", type=float, default=2.0, help="pause between reporting polls")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured samples before the first repetition")
    parser.add_argument("--idle-window", type=float, default=5.0,
                        help="seconds of an idle stack over which CPU use is measured")
    parser.add_argument("--quiet-samples", type=int, default=10,
                        help=f"enterprises registered each after {QUIET_S:g} s without events")
    args = parser.parse_args()

    runs = common.Runs()
    samples_e2e: list[float] = []
    secret = common.new_secret()
    clerk = common.bearer(secret, "bench", "DOST", "clerk")
    viewer = common.bearer(secret, "bench-viewer", "DOST", "viewer")
    with common.time_limit(args.time_limit), common.embedded_servers() as servers, \
            common.embedded_stack(servers, secret) as stack:
        groups = common.process_groups(servers, stack)
        probe = Probe(stack.url("registry"), stack.url("reporting"), clerk, viewer, args.poll_interval_ms / 1000)
        raw = RawKafkaLatency(servers.kafka_bootstrap)
        try:
            started = time.perf_counter()
            for _ in range(max(1, args.warmup)):  # the first also waits for the projector to join its group
                probe.register()
                raw.sample()
            common.note(f"warm-up done in {time.perf_counter() - started:.1f} s")

            time.sleep(QUIET_S)  # the consumers slow down once the topics were quiet for a while
            before, idle_started = common.cpu_by_group(groups), time.perf_counter()
            time.sleep(args.idle_window)
            idle_cpu = common.cpu_delta(before, common.cpu_by_group(groups), time.perf_counter() - idle_started)

            before, busy_started = common.cpu_by_group(groups), time.perf_counter()
            own_before = time.process_time()
            for rep in range(1, args.reps + 1):
                e2e, posts, polls = [], [], []
                for _ in range(args.samples):
                    latency, post, count = probe.register()
                    e2e.append(latency)
                    posts.append(post)
                    polls.append(count)
                raw_latencies = [raw.sample() for _ in range(args.samples)]
                samples_e2e.extend(e2e)
                after_post = [a - b for a, b in zip(e2e, posts, strict=False)]
                for name, values in (("e2e", e2e), ("post", posts), ("after_post", after_post),
                                     ("raw", raw_latencies)):
                    runs.add(f"{name}_p50", 1000 * common.median(values))
                    runs.add(f"{name}_p99", 1000 * common.percentile(values, 99))
                runs.add("polls", common.median(polls))
                common.note(f"repetition {rep}/{args.reps} done")
            busy_seconds = time.perf_counter() - busy_started
            busy_cpu = common.cpu_delta(before, common.cpu_by_group(groups), busy_seconds)
            own_busy = 100 * (time.process_time() - own_before) / busy_seconds
            after_quiet = []
            for _ in range(args.quiet_samples):
                time.sleep(QUIET_S)
                after_quiet.append(probe.register()[0])
            common.note(f"{args.quiet_samples} samples after a quiet spell done")
        finally:
            raw.close()
            probe.close()

    print(f"\nCommand → reporting latency on the embedded stack vs raw Kafka produce → consume, same broker; "
          f"{args.samples} samples per repetition, medians of the per-repetition figures over {args.reps} "
          f"repetitions; reporting polled every {args.poll_interval_ms:g} ms; {os.cpu_count()} CPUs.")
    rows = []
    for name, label in (("e2e", "POST registry → visible in reporting (end to end)"),
                        ("post", "  of which: the POST itself"),
                        ("after_post", "  of which: POST returned → visible"),
                        ("raw", f"raw Kafka produce → consume (fetch_max_wait_ms={RAW_FETCH_MAX_WAIT_MS}) baseline")):
        rows.append([label, common.fmt(runs.median(f"{name}_p50"), 1), common.fmt(runs.median(f"{name}_p99"), 1),
                     "-" if name == "post" or name == "after_post" else
                     common.fmt_ratio(common.ratio(runs.median(f"{name}_p50"), runs.median("raw_p50")))])
    common.print_table("Latency (ms)", ["path", "median", "p99", "median / raw median"], rows)
    print(f"reporting polls per sample (median): {runs.median('polls'):.0f}; "
          f"all {len(samples_e2e)} end-to-end samples: median {1000 * common.median(samples_e2e):.1f} ms, "
          f"p99 {1000 * common.percentile(samples_e2e, 99):.1f} ms, max {1000 * max(samples_e2e):.1f} ms")
    if after_quiet:
        print(f"the first command after {QUIET_S:g} s without events ({len(after_quiet)} samples, consumers then "
              f"fetching with their longer wait): median {1000 * common.median(after_quiet):.1f} ms, "
              f"max {1000 * max(after_quiet):.1f} ms")
    common.print_table(f"CPU of the stack's processes (% of one core): idle stack over {args.idle_window:g} s "
                       f"(from {QUIET_S:g} s after the last event), "
                       f"during the benchmark ({busy_seconds:.1f} s)", ["process group", "idle", "benchmark"], [
        [name, common.fmt(idle_cpu[name], 1), common.fmt(busy_cpu[name], 1)]
        for name in sorted(groups, key=lambda name: -idle_cpu[name])
    ] + [["total of the stack", common.fmt(sum(idle_cpu.values()), 1), common.fmt(sum(busy_cpu.values()), 1)],
         ["this benchmark's client process", "-", common.fmt(own_busy, 1)]])


if __name__ == "__main__":
    main()
