"""Rebuild reporting from empty into a side database, compare it with the live one, and switch over.

    python -m services.reporting.rebuild --source stores            # from the write services' event stores
    python -m services.reporting.rebuild --source kafka             # from the topics, offset 0
    python -m services.reporting.rebuild --source kafka --switch    # then make it the live projection

From the stores is the way back when the broker has lost its history; from Kafka, the rebuild's consumer
group carries on after the switch, so the projector resumes where the rebuild stopped.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from services.reporting import queries
from services.reporting.bootstrap import Dependencies, bootstrap, bootstrap_live, projector_group, switch_projection
from services.reporting.indicators import PHASES
from services.reporting.projector import build_loop
from shared.bus import ConsumerSettings
from shared.config import WRITE_SERVICES, Settings, database_for, topic_for
from shared.eventstore.mongo import MongoEventStore

BATCH = 1000
PERIODS = [str(year) for year in range(2021, 2031)] + list(PHASES)


def store_heads(deps: Dependencies) -> dict[str, int]:
    return {service: MongoEventStore(deps.client[database_for(service)]).head_position() for service in WRITE_SERVICES}


def from_stores(side: Dependencies, progress: bool = True) -> int:
    """Reads every write service's log in position order into the side projection, in batches."""
    heads, recorded = store_heads(side), 0
    with tqdm(total=sum(heads.values()), unit="sự kiện", desc="Dựng lại từ kho sự kiện", disable=not progress) as bar:
        for service in WRITE_SERVICES:
            store = MongoEventStore(side.client[database_for(service)])
            for batch in store.read_all(1, BATCH, raw=True):
                side.facts.record([(service, event) for event in batch])
                recorded += len(batch)
                bar.update(len(batch))
    return recorded


def from_kafka(side: Dependencies, progress: bool = True, timeout_s: float = 3600, projectors: int = 1) -> int:
    """Consumes the topics from offset 0 in the side projection's own group until it holds every stored event.
    ``projectors`` consumer loops share the group, so the broker splits the partitions between them, as it does
    between projector processes."""
    heads = store_heads(side)
    stop = threading.Event()
    settings = ConsumerSettings.of(side.settings, projector_group(side.projection_name))
    workers = [threading.Thread(target=build_loop(side).run,
                                args=(settings, [topic_for(s) for s in WRITE_SERVICES], stop), daemon=True)
               for _ in range(max(1, projectors))]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + timeout_s
    with tqdm(total=sum(heads.values()), unit="sự kiện", desc="Dựng lại từ Kafka", disable=not progress) as bar:
        done = 0
        try:
            while time.monotonic() < deadline:
                coverage = side.facts.coverage(WRITE_SERVICES)
                now = sum(min(coverage[s]["complete_through"], heads[s]) for s in WRITE_SERVICES)
                bar.update(now - done)
                done = now
                if all(coverage[s]["complete_through"] >= heads[s] for s in WRITE_SERVICES):
                    return done
                time.sleep(0.5)
            raise TimeoutError("the rebuild from Kafka did not catch up with the stores in time")
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=20)


def figures(deps: Dependencies, cut: datetime) -> dict[str, Any]:
    """Every indicator of every period as the projection computes it, for a fixed cut."""
    return {period: {item["code"]: {key: item[key] for key in ("value", "by_year", "by_unit", "contributors", "status")}
                     for item in queries.indicators(deps.reporting, period, as_of=cut)["items"]}
            for period in PERIODS}


def differences(live: Dependencies, side: Dependencies, cut: datetime | None = None) -> list[str]:
    cut = cut or datetime.now(UTC)
    left, right = figures(live, cut), figures(side, cut)
    found = []
    for period in PERIODS:
        for code, value in left[period].items():
            if right[period].get(code) != value:
                found.append(f"{period} {code}: live {value['value']}, rebuilt {right[period][code]['value']}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dựng lại báo cáo từ đầu vào cơ sở dữ liệu phụ, so sánh, chuyển sang.")
    parser.add_argument("--source", choices=("stores", "kafka"), default="kafka")
    parser.add_argument("--into", help="tên cơ sở dữ liệu phụ (mặc định: nscl_reporting_rebuild_<thời điểm>)")
    parser.add_argument("--switch", action="store_true", help="chuyển báo cáo sang bản dựng lại nếu khớp")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    live = bootstrap_live(settings)
    name = args.into or f"{database_for('reporting')}_rebuild_{datetime.now(UTC):%Y%m%d%H%M%S}"
    side = bootstrap(settings, live.client, projection_name=name)
    started = time.monotonic()
    count = from_stores(side) if args.source == "stores" else from_kafka(side)
    elapsed = time.monotonic() - started
    print(f"{count} sự kiện trong {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f} sự kiện/s) vào {name}")
    found = differences(live, side)
    print("Bằng nhau: bản dựng lại khớp bản đang chạy." if not found else "Khác nhau:\n  " + "\n  ".join(found))
    if args.switch and not found:
        switch_projection(live.database, name)
        print(f"Đã chuyển báo cáo sang {name}; bộ chiếu (projector) tiếp tục trên đó.")
    elif args.switch:
        print("Không chuyển: bản dựng lại khác bản đang chạy.")
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main())
