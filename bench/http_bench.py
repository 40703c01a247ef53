"""Registrations over HTTP with concurrent clients, against the event store's own append rate in the same run.

    .venv/bin/python bench/http_bench.py                       # 16 clients, 25 registrations each
    .venv/bin/python bench/http_bench.py --clients 16 --per-client 50 --workers 4

Starts the embedded servers and the whole stack (gunicorn, relays, workers, projector) on free loopback ports.
Per repetition, ``--clients`` threads each POST ``--per-client`` new enterprises to registry
(``POST /api/v1/enterprises``, a keep-alive session each) as fast as the answers come; it prints the rate, the
latency percentiles and every non-201 answer. Baseline, same MongoDB server, same repetition: the event store
appending single-event commits to new streams from one thread (``MongoEventStore.append``), which is what one
registration's commit is without HTTP, validation, the tax-code claim and the idempotency record.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import _common as common
import requests

from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect
from shared.reference import DISTRICTS

ENTERPRISES = "/api/v1/enterprises"


class Clients:
    """``count`` threads registering enterprises at once; collects each answer's latency and status."""

    def __init__(self, url: str, headers: dict[str, str], count: int, per_client: int) -> None:
        self.url, self.headers, self.count, self.per_client = url, headers, count, per_client
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.lock = threading.Lock()

    def run(self) -> float:
        """Seconds from the first request to the last answer."""
        start = threading.Barrier(self.count + 1)
        threads = [threading.Thread(target=self._client, args=(start,)) for _ in range(self.count)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began

    def _client(self, start: threading.Barrier) -> None:
        session = requests.Session()
        session.headers.update(self.headers)
        districts = sorted(DISTRICTS)
        start.wait()
        for n in range(self.per_client):
            body = {"tax_code": f"{uuid.uuid4().int % 10**10:010d}", "name": f"Doanh nghiệp đo tải {n}",
                    "district_code": districts[n % len(districts)]}
            began = time.perf_counter()
            response = session.post(self.url + ENTERPRISES, json=body, timeout=30)
            elapsed = time.perf_counter() - began
            with self.lock:
                self.latencies.append(elapsed)
                self.statuses[response.status_code] += 1


def store_rate(mongo_url: str, appends: int) -> float:
    store = MongoEventStore(connect(mongo_url)[common.unique_name("bench_http_baseline")])
    meta = Metadata(actor="bench", department="DOST")
    data = {"tax_code": "1400000000", "name": "Doanh nghiệp đo tải", "district_code": "866",
            "district_name": "Thành phố Cao Lãnh", "registered_on": "2026-01-05"}
    store.append(f"warm-{uuid.uuid4()}", 0, [NewEvent("EnterpriseRegistered", data)], meta)
    _, seconds = common.timed(lambda: [store.append(f"bench-{uuid.uuid4()}", 0,
                                                    [NewEvent("EnterpriseRegistered", data)], meta)
                                       for _ in range(appends)])
    return common.rate(appends, seconds)


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0], time_limit_s=900)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each service")
    args = parser.parse_args()

    runs, latencies, statuses = common.Runs(), [], Counter[int]()
    load_seconds, cpu_seconds = 0.0, Counter[str]()
    secret = common.new_secret()
    clerk = common.bearer(secret, "bench", "DOST", "clerk")
    with common.time_limit(args.time_limit), common.embedded_servers() as servers, \
            common.embedded_stack(servers, secret, workers=args.workers) as stack:
        Clients(stack.url("registry"), clerk, 2, 3).run()  # warm-up: connections, imports, first commit
        groups = common.process_groups(servers, stack)
        for _ in range(args.reps):
            clients = Clients(stack.url("registry"), clerk, args.clients, args.per_client)
            before = common.cpu_by_group(groups)
            seconds = clients.run()
            after = common.cpu_by_group(groups)
            cpu_seconds.update({name: after[name] - before[name] for name in groups})
            load_seconds += seconds
            runs.add("http", common.rate(len(clients.latencies), seconds))
            runs.add("store", store_rate(servers.mongo_url, args.clients * args.per_client))
            latencies += clients.latencies
            statuses.update(clients.statuses)

    http, store = runs.median("http"), runs.median("store")
    common.print_table(
        f"POST {ENTERPRISES} through gunicorn ({args.workers} workers), {args.clients} concurrent clients, "
        f"{args.reps} repetitions of {args.clients * args.per_client} registrations; medians",
        ["measurement", "per s", "range", "p50 ms", "p99 ms", "ratio to the store"],
        [["registrations over HTTP", common.fmt(http), runs.spread("http"),
          common.fmt(common.percentile(latencies, 50) * 1000, 1),
          common.fmt(common.percentile(latencies, 99) * 1000, 1),
          common.fmt_ratio(common.ratio(http, store))],
         ["store appends, 1 thread (baseline)", common.fmt(store), runs.spread("store"), "", "", "1.00"]])
    print(f"answers: {dict(sorted(statuses.items()))}")
    busiest = sorted(cpu_seconds.items(), key=lambda item: -item[1])
    common.print_table(f"CPU of the stack's processes while the clients ran ({load_seconds:.1f} s), % of one core",
                       ["process group", "CPU"],
                       [[name, common.fmt(100 * used / load_seconds, 1)] for name, used in busiest]
                       + [["total of the stack", common.fmt(100 * sum(cpu_seconds.values()) / load_seconds, 1)]])


if __name__ == "__main__":
    main()
