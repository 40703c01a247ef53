"""Long streams (shared.aggregate): a record loaded from its newest snapshot, or from the state a process holds, and
the events after it is the record folded from its whole stream; a snapshot or a held state that does not belong is
never used."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from services.training import courses
from shared.aggregate import Aggregate
from shared.commands import run_owned
from shared.envelope import Upcasters
from shared.errors import DomainError, PreconditionFailed
from shared.eventstore import InMemoryEventStore, StorageUnavailable
from shared.ownership import NotOwner
from tests.fakes import Stream, acting_as

EVERY = 5
COURSE = replace(courses.COURSE, every=EVERY, held_streams=0)  # snapshots alone
HOLDING = replace(courses.COURSE, every=EVERY)  # snapshots, and the latest states held in the process
KEY = b"k" * 32
TODAY = date(2024, 6, 1)


class ReadsCounted(InMemoryEventStore):
    """Counts the events each stream read hands out, and from which version it asked."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[int, int]] = []  # (after_version, events handed out)

    def _stream_commits(self, stream_id, after_version=0):
        commits = super()._stream_commits(stream_id, after_version)
        self.reads.append((after_version, sum(1 for commit in commits for event in commit["events"]
                                              if event["version"] > after_version)))
        return commits


class KeepsNothing(InMemoryEventStore):
    def _save_snapshot(self, snapshot, keep_from_version):
        raise StorageUnavailable("snapshots unavailable")


def scheduled(store, aggregate: Aggregate = COURSE, capacity: int = 500) -> Stream:
    stream = Stream("course-long", store, aggregate)
    stream.do(courses.schedule_course, organiser="DOST", title="Lớp 5S", kind="training_class",
              topic="improvement_tool", subject=None, start_date=date(2024, 5, 10), end_date=date(2024, 5, 11),
              venue="Cao Lãnh", capacity=capacity)
    return stream


def enrol(stream: Stream, name: str):
    return stream.do(courses.enrol, full_name=name, role="worker", national_id=None, enterprise_id=None,
                     organisation_code="DOST", enterprise=None, key_secret=KEY)


def grown(stream: Stream, rng: random.Random, commands: int) -> None:
    """Enrolments, withdrawals, the course held, results recorded and corrected, in a random order."""
    names = iter(f"Học viên {number}" for number in range(10_000))
    for step in range(commands):
        course = courses.course_state(stream.history)
        assert course is not None
        enrolled = list(course.participants)
        if step == commands // 2:
            stream.do(courses.hold, today=TODAY)
        elif course.status == "held" and enrolled and rng.random() < 0.5:
            attended = rng.random() < 0.7
            stream.do(courses.record_result, rng.choice(enrolled), attended=attended,
                      completed=attended and rng.random() < 0.5)
        elif enrolled and rng.random() < 0.15:
            stream.do(courses.withdraw_participant, rng.choice(enrolled), reason="ghi danh nhầm")
        elif course.status == "scheduled":
            enrol(stream, next(names))


@pytest.mark.parametrize("aggregate", [COURSE, HOLDING], ids=["snapshots", "holding"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_version_of_a_long_course_loads_as_the_fold_of_its_whole_stream(seed, aggregate):
    store = InMemoryEventStore()
    stream = scheduled(store, aggregate)
    grown(stream, random.Random(seed), 60)
    top = store.stream_version(stream.stream_id)
    assert top > 3 * EVERY and store.snapshots_of(stream.stream_id)  # the commands kept snapshots
    for version in [*range(1, top + 1), *random.Random(seed).sample(range(1, top + 1), top)]:  # a projection's way
        loaded = aggregate.load(store, stream.stream_id, to_version=version)
        whole = courses.course_state(store.read_stream(stream.stream_id, to_version=version))
        assert (loaded.version, loaded.state) == (version, whole)
    latest = aggregate.load(store, stream.stream_id)
    assert (latest.version, latest.state) == (top, courses.course_state(stream.history))


def test_a_command_on_a_long_course_reads_only_the_events_after_its_snapshot():
    store = ReadsCounted()
    stream = scheduled(store)
    for number in range(4 * EVERY + 2):  # versions 2..23: snapshots at 20 (and 15)
        enrol(stream, f"Học viên {number}")
    assert [s["version"] for s in store.snapshots_of(stream.stream_id)] == [15, 20]
    store.reads.clear()
    [enrolled] = enrol(stream, "Người mới")
    assert store.reads == [(19, 4)]  # the snapshot's own event (to check it) and the three after it
    with pytest.raises(courses.AlreadyEnrolled):  # the participants before the snapshot are still known
        enrol(stream, "Học viên 0")
    assert enrolled.data["participant_id"] in courses.course_state(stream.history).participants


def test_a_process_holding_a_long_course_reads_only_the_event_it_holds_it_at_and_those_after():
    store = ReadsCounted()
    stream = scheduled(store, HOLDING)
    for number in range(2 * EVERY):
        enrol(stream, f"Học viên {number}")
    store.reads.clear()
    enrol(stream, "Người mới")
    assert store.reads == [(2 * EVERY, 1)]  # held at version 11 by the command before: its event, to check it
    other = ReadsCounted()  # another process: nothing held there yet, the snapshot at 10 and the event after it
    other._by_stream = store._by_stream
    other._snapshots = store._snapshots
    assert HOLDING.load(other, stream.stream_id).state == HOLDING.load(store, stream.stream_id).state
    assert other.reads == [(2 * EVERY - 1, 3)]


def test_a_held_state_whose_stream_changed_under_it_is_let_go():
    store = InMemoryEventStore()
    stream = scheduled(store, HOLDING)
    for number in range(2 * EVERY):
        enrol(stream, f"Học viên {number}")
    # the database restored under the running process from another backup: the same stream id, other events
    store._by_stream, store._by_position, store._by_id, store._snapshots = {}, [], {}, {}
    again = Stream(stream.stream_id, store, COURSE)  # written by another process: this one still holds version 11
    again.do(courses.schedule_course, organiser="DOST", title="Lớp khác", kind="workshop", topic="nscl_awareness",
             subject=None, start_date=date(2024, 5, 10), end_date=date(2024, 5, 11), venue="Sa Đéc", capacity=50)
    for number in range(2 * EVERY):
        enrol(again, f"Người khác {number}")
    assert store.stream_version(stream.stream_id) == 2 * EVERY + 1
    loaded = HOLDING.load(store, stream.stream_id)
    assert loaded.state == courses.course_state(again.history) and loaded.state.title == "Lớp khác"


def test_a_course_s_state_survives_its_snapshot_document():
    store = InMemoryEventStore()
    stream = scheduled(store)
    grown(stream, random.Random(7), 30)
    course = courses.course_state(stream.history)
    assert course.participants and COURSE.restore(COURSE.dump(course)) == course


def test_a_snapshot_naming_another_event_than_its_stream_s_is_not_used():
    store = ReadsCounted()
    stream = scheduled(store)
    for number in range(2 * EVERY):
        enrol(stream, f"Học viên {number}")
    forged = replace(courses.course_state(stream.history), title="Khoá khác", participants={})
    store.save_snapshot(stream.stream_id, COURSE.key(store), 2 * EVERY, "0" * 64, COURSE.dump(forged))
    whole = courses.course_state(stream.history)
    store.reads.clear()
    loaded = COURSE.load(store, stream.stream_id)
    assert loaded.state == whole and loaded.state.title == "Lớp 5S"
    assert store.reads == [(2 * EVERY - 1, 2), (0, 2 * EVERY + 1)]  # the snapshot's event did not match: whole


def test_a_snapshot_folded_by_another_shape_or_other_upcasters_is_not_used():
    store = ReadsCounted()
    stream = scheduled(store)
    for number in range(2 * EVERY):
        enrol(stream, f"Học viên {number}")
    reshaped = replace(COURSE, shape=COURSE.shape + 1)
    assert reshaped.key(store) != COURSE.key(store)
    whole = courses.course_state(stream.history)
    store.reads.clear()
    assert reshaped.load(store, stream.stream_id).state == whole
    assert store.reads == [(0, 2 * EVERY + 1)]
    upcasting = Upcasters()
    upcasting.register(courses.PARTICIPANT_ENROLLED, 1)(lambda data: data)
    assert COURSE.key(InMemoryEventStore(upcasting)) != COURSE.key(store)


def test_a_snapshot_that_cannot_be_kept_leaves_the_command_answered():
    store = KeepsNothing()
    stream = scheduled(store)
    for number in range(EVERY + 1):
        enrol(stream, f"Học viên {number}")
    assert store.stream_version(stream.stream_id) == EVERY + 2
    assert len(courses.course_state(stream.history).participants) == EVERY + 1


def test_a_short_stream_is_read_without_asking_for_a_snapshot():
    class NoSnapshotsAsked(InMemoryEventStore):
        asked = 0

        def _load_snapshot(self, stream_id, kind, to_version):
            NoSnapshotsAsked.asked += 1
            return super()._load_snapshot(stream_id, kind, to_version)

    store = NoSnapshotsAsked()
    stream = scheduled(store)
    enrol(stream, "An")
    NoSnapshotsAsked.asked = 0
    assert COURSE.load(store, stream.stream_id, to_version=EVERY - 1).version == 2  # a projection's read
    assert NoSnapshotsAsked.asked == 0
    COURSE.load(store, stream.stream_id)  # a command's: the stream's length is not known before
    assert NoSnapshotsAsked.asked == 1
    with pytest.raises(DomainError):
        stream.do(courses.schedule_course, organiser="DOST", title="Lại", kind="training_class",
                  topic="improvement_tool", subject=None, start_date=date(2024, 5, 10),
                  end_date=date(2024, 5, 11), venue="Cao Lãnh", capacity=3)


def test_a_command_on_state_replays_its_idempotency_key_and_refuses_a_stale_if_match():
    store = InMemoryEventStore()
    stream = scheduled(store, HOLDING)
    for number in range(2 * EVERY):
        enrol(stream, f"Học viên {number}")

    def enrol_new(course):
        return courses.enrol(course, full_name="Người mới", role="worker", national_id=None, enterprise_id=None,
                             organisation_code="DOST", enterprise=None, key_secret=KEY)
    keyed = replace(acting_as(idempotency_key="k-1"), request_hash="h-1")
    first = run_owned(store, stream.stream_id, replace(courses.OWNED, aggregate=HOLDING), keyed, enrol_new)
    again = run_owned(store, stream.stream_id, replace(courses.OWNED, aggregate=HOLDING), keyed, enrol_new)
    assert (again.replayed, again.version, again.state) == (True, first.version, first.state)
    assert first.state == courses.course_state(stream.history) and store.stream_version(stream.stream_id) == 12
    with pytest.raises(PreconditionFailed):
        run_owned(store, stream.stream_id, replace(courses.OWNED, aggregate=HOLDING),
                  replace(acting_as(), expected_version=11), courses.close)
    with pytest.raises(NotOwner):
        run_owned(store, stream.stream_id, replace(courses.OWNED, aggregate=HOLDING), acting_as("DOIT"), enrol_new)
