"""Long streams: a course grown to hundreds and thousands of participants, its commands, reads and read-model rows
with snapshots (shared.aggregate) against the same code reading the whole stream, in one run.

    .venv/bin/python bench/long_stream_bench.py                       # 100, 1,000 and 3,000 participants
    .venv/bin/python bench/long_stream_bench.py --sizes 100,1000,5000

A course's stream grows with its participants (each enrolment is an event; attendance and completion add more),
and its state does too. At each size, on nx-27017, the script prints the median of ``--samples`` of:
- enrolling one more participant (``run_owned``: the course loaded, the owner checked, the decision, the append);
- loading the course as ``GET /courses/<id>`` does, and the same in a process that holds nothing yet (from the
  newest snapshot);
- projecting the newest event into training's course row (``project_aggregate``), as the read-model projection does;
each with snapshots every 100 events and the latest states held (``shared.aggregate``) and with both switched off
(the baseline: the same store and stream, the two taken in turn), and their ratio (with / without: below 1 is
faster).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import _common as common

from services.training import courses
from services.training.readmodel import COURSES, course_summary
from shared.aggregate import Aggregate
from shared.auth import Principal
from shared.commands import CommandContext, run_owned
from shared.eventstore import Metadata
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect
from shared.ownership import Owned
from shared.projection import project_aggregate
from shared.readmodel import ReadModel

KEY = b"b" * 32
META = Metadata(actor="bench", department="DOST")
CONTEXT_PRINCIPAL = Principal("bench", "DOST", "clerk")
# the baseline: no snapshot to find, no state held in the process
WHOLE = replace(courses.COURSE, kind="course-read-whole", every=10**12, held_streams=0)


def enrolment(course: courses.Course | None, number: int) -> Any:
    return courses.enrol(course, full_name=f"Học viên số {number}", role="worker", national_id=None,
                         enterprise_id=None, organisation_code="DOST", enterprise=None, key_secret=KEY)


def grow(store: MongoEventStore, course_id: str, course: courses.Course | None, target: int) -> courses.Course:
    """Enrolments appended one commit each (as commands append them) until the course has ``target`` participants."""
    assert course is not None
    while len(course.participants) < target:
        result = store.append(course_id, course.version, enrolment(course, len(course.participants)), META)
        course = courses.COURSE.fold(result.events, course)
        assert course is not None
    return course


def owned(aggregate: Aggregate[courses.Course]) -> Owned[courses.Course]:
    return replace(courses.OWNED, aggregate=aggregate)


def enrol_one(store: MongoEventStore, course_id: str, aggregate: Aggregate[courses.Course], number: int) -> float:
    context = CommandContext(CONTEXT_PRINCIPAL, str(uuid.uuid4()))
    return common.timed(lambda: run_owned(store, course_id, owned(aggregate), context,
                                          lambda course: enrolment(course, number)))[1] * 1000


def project_newest(store: MongoEventStore, read_model: ReadModel, course_id: str,
                   aggregate: Aggregate[courses.Course]) -> float:
    [newest] = store.read_stream(course_id, after_version=store.stream_version(course_id) - 1)
    return common.timed(lambda: project_aggregate(store, read_model, COURSES, newest, aggregate,
                                                  course_summary))[1] * 1000


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0], time_limit_s=1800)
    parser.add_argument("--sizes", default="100,1000,3000", help="participants in the course, comma-separated")
    parser.add_argument("--samples", type=int, default=7, help="samples of each figure per size and mode")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    with common.time_limit(args.time_limit), common.embedded_servers() as servers:
        client = connect(servers.mongo_url)
        database = client["bench_long_stream"]
        store, read_model = MongoEventStore(database), ReadModel(database)
        store.ensure_indexes()
        course_id = f"course-{uuid.uuid4()}"
        scheduled = store.append(course_id, 0, courses.schedule_course(
            None, organiser="DOST", title="Hội nghị NSCL toàn tỉnh", kind="conference", topic="nscl_awareness",
            subject=None, start_date=date(2026, 6, 1), end_date=date(2026, 6, 1), venue="Cao Lãnh",
            capacity=10_000), META)
        course = courses.COURSE.fold(scheduled.events)
        enrolled = 0
        for size in sizes:
            started = time.perf_counter()
            course = grow(store, course_id, course, size)
            seconds = time.perf_counter() - started
            common.note(f"course grown to {size:,} participants ({store.stream_version(course_id):,} events) "
                        f"in {seconds:.1f} s")
            courses.COURSE.load(store, course_id)  # the first reader with snapshots on keeps one
            figures: dict[str, list[float]] = {}
            for _ in range(args.samples):
                for mode, aggregate in (("snapshots", courses.COURSE), ("whole", WHOLE)):
                    enrolled += 1
                    figures.setdefault(f"enrol {mode}", []).append(
                        enrol_one(store, course_id, aggregate, 100_000 + enrolled))
                    started = time.perf_counter()
                    aggregate.load(store, course_id)
                    figures.setdefault(f"load {mode}", []).append((time.perf_counter() - started) * 1000)
                    figures.setdefault(f"project {mode}", []).append(
                        project_newest(store, read_model, course_id, aggregate))
                    started = time.perf_counter()
                    replace(aggregate).load(store, course_id)  # a copy holds nothing: as in a process just started
                    figures.setdefault(f"first load {mode}", []).append((time.perf_counter() - started) * 1000)
            course = courses.COURSE.load(store, course_id).state
            assert course is not None
            for what in ("enrol", "load", "first load", "project"):
                with_ms = common.median(figures[f"{what} snapshots"])
                whole_ms = common.median(figures[f"{what} whole"])
                rows.append([f"{what}, {size:,} participants", common.fmt(with_ms, 1), common.fmt(whole_ms, 1),
                             common.fmt_ratio(common.ratio(with_ms, whole_ms))])
        snapshots = database["snapshots"].count_documents({"stream_id": course_id})
        common.note(f"snapshots kept for the course at the end: {snapshots}")
    common.print_table("A long course: with snapshots every 100 events against reading the whole stream "
                       "(ms, medians)", ["operation", "snapshots", "whole stream", "ratio"], rows)


if __name__ == "__main__":
    main()
