"""The event-store contract: one suite, run against every implementation (in-memory and MongoDB).

A concrete test class provides the ``store`` fixture (an empty store with the test upcasters) and the three
tampering hooks that stand in for someone editing the database by hand.
"""
from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from shared.envelope import ENVELOPE_FIELDS, GENESIS_HASH, Envelope, Upcasters, format_instant, parse_instant, utc_now
from shared.eventstore import (
    ANY_VERSION,
    ConcurrencyError,
    EventFilter,
    EventStore,
    IdempotencyKeyReused,
    Metadata,
    NewEvent,
    PendingCommit,
)
from shared.eventstore.base import commit_id_for

INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
META = Metadata(actor="clerk-1", department="DOST", correlation_id="corr-1")

test_upcasters = Upcasters()


@test_upcasters.register("NameGiven", 1)
def _split_name(data):
    first, _, last = data.pop("name").partition(" ")
    return {**data, "first": first, "last": last}


def event(event_type="SomethingHappened", **data) -> NewEvent:
    return NewEvent(event_type, data or {"n": 1})


def pending(stream_id: str, expected_version: int, *events: NewEvent, key: str | None = None,
            request_hash: str | None = "h") -> PendingCommit:
    return PendingCommit(stream_id, expected_version, list(events), META, key, request_hash)


class EventStoreContract:
    # ---- hooks a concrete class provides -------------------------------------------------------------
    def edit_event_data(self, store: EventStore, position: int, data: dict) -> None:
        raise NotImplementedError

    def delete_commit_at(self, store: EventStore, position: int) -> None:
        raise NotImplementedError

    def swap_commits(self, store: EventStore, first: int, second: int) -> None:
        raise NotImplementedError

    # ---- append and read -----------------------------------------------------------------------------
    def test_first_append_creates_version_1_at_position_1_with_full_envelope(self, store):
        result = store.append("s-1", 0, [event(n=7)], META)
        assert (result.version, result.first_position, result.last_position) == (1, 1, 1)
        [stored] = store.read_stream("s-1")
        assert stored.stream_id == "s-1" and stored.version == 1 and stored.position == 1
        assert stored.event_type == "SomethingHappened" and stored.data == {"n": 7}
        assert stored.schema_version == 1
        assert (stored.actor, stored.department, stored.correlation_id) == ("clerk-1", "DOST", "corr-1")
        assert stored.causation_id is None
        assert INSTANT.fullmatch(stored.recorded_at) and stored.occurred_at == stored.recorded_at
        assert stored.prev_hash == GENESIS_HASH and stored.hash == stored.compute_hash()
        assert len(stored.event_id) == 36

    def test_business_time_is_kept_apart_from_system_time(self, store):
        store.append("s-1", 0, [NewEvent("ClassHeld", {}, occurred_at="2023-05-10T00:00:00.000Z")], META)
        [stored] = store.read_stream("s-1")
        assert stored.occurred_at == "2023-05-10T00:00:00.000Z"
        assert stored.recorded_at > "2026-01-01"

    def test_stale_expected_version_is_refused_with_the_current_version(self, store):
        store.append("s-1", 0, [event()], META)
        store.append("s-1", 1, [event()], META)
        with pytest.raises(ConcurrencyError) as refused:
            store.append("s-1", 1, [event()], META)
        assert refused.value.current == 2
        assert store.stream_version("s-1") == 2 and store.head_position() == 2

    def test_a_version_seen_by_the_caller_that_is_stale_still_loses_at_the_insert(self, store):
        store.append("s-1", 0, [event()], META)
        seen = store.stream_version("s-1")
        store.append("s-1", 1, [event()], META)  # another writer, after the caller's read
        with pytest.raises(ConcurrencyError) as refused:
            store.append("s-1", seen, [event()], META, version_seen=True)
        assert refused.value.current == 2
        assert store.stream_version("s-1") == 2 and store.head_position() == 2

    def test_an_append_returns_its_events_as_stored(self, store):
        result = store.append("s-1", 0, [event(n=1), event(n=2)], META, version_seen=True)
        assert [stored.to_dict() for stored in result.events] == \
            [stored.to_dict() for stored in store.read_stream("s-1")]

    def test_expected_version_of_a_new_stream_is_0(self, store):
        with pytest.raises(ConcurrencyError) as refused:
            store.append("s-new", 3, [event()], META)
        assert refused.value.current == 0
        assert store.head_position() == 0

    def test_any_version_appends_after_the_current_one(self, store):
        store.append("s-1", 0, [event()], META)
        result = store.append("s-1", ANY_VERSION, [event()], META)
        assert result.version == 2

    def test_a_commit_of_several_events_has_consecutive_versions_and_positions(self, store):
        store.append("other", 0, [event()], META)
        result = store.append("s-1", 0, [event(n=1), event(n=2), event(n=3)], META)
        assert (result.version, result.first_position, result.last_position) == (3, 2, 4)
        stored = store.read_stream("s-1")
        assert [e.version for e in stored] == [1, 2, 3]
        assert [e.position for e in stored] == [2, 3, 4]
        assert len({e.event_id for e in stored}) == 3
        assert len({e.recorded_at for e in stored}) == 1

    def test_a_commit_stores_its_events_as_envelopes_give_them_chained_and_named_after_the_commit(self, store):
        [before] = store.append("other", 0, [event()], META).events
        store.append("s-1", 0, [event(n=1), event(n=2)], META, idempotency_key="k-1")
        [commit] = store._stream_commits("s-1")
        assert commit["_id"] == commit_id_for("k-1")
        assert [list(raw) for raw in commit["events"]] == [list(ENVELOPE_FIELDS)] * 2
        first, second = (Envelope.from_dict(raw) for raw in commit["events"])
        assert [first.to_dict(), second.to_dict()] == commit["events"]
        assert first.hash == first.compute_hash() and second.hash == second.compute_hash()
        assert (first.prev_hash, second.prev_hash, commit["last_hash"]) == (before.hash, first.hash, second.hash)
        assert [first.event_id, second.event_id] == [str(uuid.uuid5(uuid.UUID(commit["_id"]), str(index)))
                                                     for index in range(2)]

    def test_empty_commit_is_refused(self, store):
        with pytest.raises(ValueError):
            store.append("s-1", 0, [], META)

    def test_positions_are_gapless_across_streams(self, store):
        for index in range(10):
            store.append(f"s-{index % 3}", ANY_VERSION, [event(n=index)], META)
        positions = [e.position for batch in store.read_all() for e in batch]
        assert positions == list(range(1, 11))

    def test_event_ids_are_unique(self, store):
        for index in range(5):
            store.append(f"s-{index}", 0, [event(), event()], META)
        ids = [e.event_id for batch in store.read_all() for e in batch]
        assert len(ids) == len(set(ids)) == 10

    # ---- idempotency ----------------------------------------------------------------------------------
    def test_same_idempotency_key_appends_once_and_returns_the_same_result(self, store):
        first = store.append("s-1", 0, [event()], META, idempotency_key="k-1", request_hash="h")
        again = store.append("s-1", 0, [event()], META, idempotency_key="k-1", request_hash="h")
        assert not first.replayed and again.replayed
        assert (again.commit_id, again.version, again.first_position) == (first.commit_id, 1, 1)
        assert store.head_position() == 1

    def test_same_idempotency_key_for_another_stream_still_returns_the_first_commit(self, store):
        first = store.append("s-1", 0, [event()], META, idempotency_key="k-1")
        again = store.append("s-2", 0, [event()], META, idempotency_key="k-1")
        assert again.stream_id == "s-1" and again.commit_id == first.commit_id
        assert store.head_position() == 1 and store.stream_version("s-2") == 0

    def test_idempotency_key_reused_for_another_request_is_refused(self, store):
        store.append("s-1", 0, [event()], META, idempotency_key="k-1", request_hash="h1")
        with pytest.raises(IdempotencyKeyReused):
            store.append("s-1", 1, [event()], META, idempotency_key="k-1", request_hash="h2")
        assert store.head_position() == 1

    def test_find_commit_answers_for_known_keys_only(self, store):
        store.append("s-1", 0, [event()], META, idempotency_key="k-1")
        assert store.find_commit("k-1").stream_id == "s-1"
        assert store.find_commit("k-2") is None

    # ---- batches ---------------------------------------------------------------------------------------
    def test_a_batch_continues_the_log_and_the_chain_with_one_commit_per_stream(self, store):
        store.append("old", 0, [event()], META)
        outcomes = store.append_batch([pending(f"s-{n}", 0, event(n=n), event(n=n + 10)) for n in range(5)]
                                      + [pending("old", 1, event(n=99))])
        assert [(o.stream_id, o.version, o.first_position, o.last_position) for o in outcomes] == \
            [(f"s-{n}", 2, 2 + 2 * n, 3 + 2 * n) for n in range(5)] + [("old", 2, 12, 12)]
        assert [e.position for batch in store.read_all() for e in batch] == list(range(1, 13))
        assert [e.data["n"] for e in store.read_stream("s-3")] == [3, 13]
        assert store.verify().ok and store.head().position == 12

    def test_a_batch_gives_each_stream_not_at_its_expected_version_a_conflict_and_writes_the_others(self, store):
        store.append("taken", 0, [event()], META)
        store.append("ahead", 0, [event()], META)
        outcomes = store.append_batch([pending("a", 0, event()), pending("taken", 0, event()),
                                       pending("b", 0, event()), pending("ahead", 3, event()),
                                       pending("c", 0, event())])
        conflicts = {o.stream_id: (o.expected, o.current) for o in outcomes if isinstance(o, ConcurrencyError)}
        assert conflicts == {"taken": (0, 1), "ahead": (3, 1)}
        written = [o for o in outcomes if not isinstance(o, ConcurrencyError)]
        assert [(o.stream_id, o.first_position) for o in written] == [("a", 3), ("b", 4), ("c", 5)]
        assert store.stream_version("taken") == 1 and store.verify().ok

    def test_a_batch_of_many_streams_that_already_exist_gives_each_its_conflict(self, store):
        """Each conflict found at the insert costs one more insert, but none counts as a race with a writer
        (more conflicts than the races allowed)."""
        for n in range(210):
            store.append(f"s-{n}", 0, [event(n=n)], META)
        outcomes = store.append_batch([pending(f"s-{n}", 0, event(n=n)) for n in range(210)]
                                      + [pending("new", 0, event())])
        assert sum(isinstance(o, ConcurrencyError) for o in outcomes) == 210
        assert outcomes[-1].first_position == 211 and store.verify().ok

    def test_a_batch_sent_again_with_its_keys_is_replayed_and_writes_nothing(self, store):
        batch = [pending(f"s-{n}", 0, event(n=n), key=f"import-{n}") for n in range(3)]
        first = store.append_batch(batch)
        again = store.append_batch(batch)
        assert all(o.replayed for o in again) and not any(o.replayed for o in first)
        assert [o.commit_id for o in again] == [o.commit_id for o in first]
        assert store.head().position == 3
        with pytest.raises(IdempotencyKeyReused):
            store.append_batch([pending("s-0", 0, event(), key="import-0", request_hash="another request")])

    def test_a_batch_refuses_two_commits_to_one_stream_and_empty_commits_before_writing(self, store):
        with pytest.raises(ValueError):
            store.append_batch([pending("s", 0, event()), pending("s", 1, event())])
        with pytest.raises(ValueError):
            store.append_batch([pending("s", 0)])
        assert store.head().position == 0 and store.append_batch([]) == []

    # ---- reading --------------------------------------------------------------------------------------
    def test_read_stream_up_to_a_version(self, store):
        for n in range(4):
            store.append("s-1", n, [event(n=n)], META)
        assert [e.data["n"] for e in store.read_stream("s-1", to_version=2)] == [0, 1]
        assert store.read_stream("missing") == []

    def test_read_stream_after_a_version_starts_inside_a_commit(self, store):
        store.append("s-1", 0, [event(n=0), event(n=1), event(n=2)], META)
        store.append("s-1", 3, [event(n=3)], META)
        store.append("s-2", 0, [event(n=9)], META)
        assert [e.version for e in store.read_stream("s-1", after_version=1)] == [2, 3, 4]
        assert [e.version for e in store.read_stream("s-1", after_version=3, to_version=3)] == []
        assert [e.version for e in store.read_stream("s-1", after_version=2, to_version=3)] == [3]
        assert store.read_stream("s-1", after_version=4) == []
        store.append("s-3", 0, [event(n=0), event(n=1), event(n=2)], META)  # no commit starts after version 1
        assert [e.version for e in store.read_stream("s-3", after_version=1)] == [2, 3]

    # ---- snapshots (shared.aggregate) -------------------------------------------------------------------
    def test_the_newest_snapshot_at_or_below_a_version_of_its_kind(self, store):
        for version in (10, 20):
            store.save_snapshot("s-1", "k/1", version, f"hash-{version}", {"n": version, "nested": {"a": [1]}})
        store.save_snapshot("s-1", "k/2", 30, "hash-30", {"n": 30})
        store.save_snapshot("s-2", "k/1", 40, "hash-40", {"n": 40})
        newest = store.snapshot("s-1", "k/1")
        assert (newest["version"], newest["event_hash"], newest["state"]) == (20, "hash-20",
                                                                              {"n": 20, "nested": {"a": [1]}})
        assert store.snapshot("s-1", "k/1", to_version=19)["version"] == 10
        assert store.snapshot("s-1", "k/1", to_version=9) is None
        assert store.snapshot("s-3", "k/1") is None

    def test_a_snapshot_kept_twice_is_one_and_older_ones_are_forgotten(self, store):
        for version in (10, 20, 30):
            store.save_snapshot("s-1", "k/1", version, "h", {"n": version}, keep_from_version=version - 10)
        store.save_snapshot("s-1", "k/1", 30, "h", {"n": 30}, keep_from_version=20)
        store.save_snapshot("s-2", "k/1", 5, "h", {"n": 5})
        assert store.snapshot("s-1", "k/1", to_version=29)["version"] == 20
        assert store.snapshot("s-1", "k/1", to_version=19) is None  # below what the last one keeps
        assert store.snapshot("s-2", "k/1")["version"] == 5  # another stream's are kept

    def test_read_stream_as_recorded_by_a_time(self, store):
        store.append("s-1", 0, [event(n=0)], META)
        between = utc_now()
        _wait_for_next_millisecond(between)
        store.append("s-1", 1, [event(n=1)], META)
        assert [e.data["n"] for e in store.read_stream("s-1", as_of=between)] == [0]
        assert len(store.read_stream("s-1", as_of=utc_now())) == 2

    def test_read_all_in_batches_from_a_position_inside_a_commit(self, store):
        store.append("a", 0, [event(n=1), event(n=2), event(n=3)], META)
        for n in range(4, 11):
            store.append("b", ANY_VERSION, [event(n=n)], META)
        batches = list(store.read_all(2, batch_size=3))
        assert [e.position for batch in batches for e in batch] == list(range(2, 11))
        assert len(batches) >= 3
        assert list(store.read_all(11)) == []

    def test_read_all_batches_never_exceed_the_batch_size_even_inside_a_commit(self, store):
        store.append("a", 0, [event(n=n) for n in range(7)], META)
        store.append("b", 0, [event()], META)
        batches = list(store.read_all(1, batch_size=3))
        assert [len(batch) for batch in batches] == [3, 3, 2]
        assert [e.position for batch in batches for e in batch] == list(range(1, 9))

    def test_upcasters_apply_on_read_but_the_stored_event_is_untouched(self, store):
        store.append("p-1", 0, [NewEvent("NameGiven", {"name": "Nguyễn An"})], META)
        [read] = store.read_stream("p-1")
        assert read.schema_version == 2 and read.data == {"first": "Nguyễn", "last": "An"}
        [raw] = next(store.read_all(raw=True))
        assert raw.schema_version == 1 and raw.data == {"name": "Nguyễn An"}
        assert store.verify().ok

    def test_read_stream_raw_gives_the_stored_event_whose_hash_still_holds(self, store):
        store.append("p-1", 0, [NewEvent("NameGiven", {"name": "Nguyễn An"})], META)
        [raw] = store.read_stream("p-1", raw=True)
        assert raw.schema_version == 1 and raw.data == {"name": "Nguyễn An"}
        assert raw.compute_hash() == raw.hash

    # ---- filtered reads (the auditors' history) ------------------------------------------------------
    def _history(self, store):
        clerk, other = META, Metadata(actor="clerk-2", department="DOIT")
        store.append("a", 0, [NewEvent("Opened", {"n": 1}, occurred_at="2023-05-01T00:00:00.000Z"),
                              NewEvent("Renamed", {"n": 2}, occurred_at="2024-02-01T00:00:00.000Z")], clerk)
        store.append("b", 0, [NewEvent("Opened", {"n": 3}, occurred_at="2024-06-01T00:00:00.000Z")], other)
        store.append("a", 2, [NewEvent("Closed", {"n": 4}, occurred_at="2025-01-01T00:00:00.000Z")], other)
        store.append("c", 0, [NewEvent("NameGiven", {"name": "Lê Bình"},
                                       occurred_at="2025-03-01T00:00:00.000Z")], clerk)

    @pytest.mark.parametrize(("conditions", "positions"), [
        ({}, [1, 2, 3, 4, 5]),
        ({"stream_id": "a"}, [1, 2, 4]),
        ({"event_type": "Opened"}, [1, 3]),
        ({"actor": "clerk-2"}, [3, 4]),
        ({"department": "DOST"}, [1, 2, 5]),
        ({"occurred_from": "2024-01-01T00:00:00.000Z", "occurred_to": "2025-01-01T00:00:00.000Z"}, [2, 3, 4]),
        ({"stream_id": "a", "department": "DOIT"}, [4]),
        ({"event_type": "Opened", "occurred_from": "2024-01-01T00:00:00.000Z"}, [3]),
        ({"event_type": "NoSuchType"}, []),
    ])
    def test_read_filtered_matches_every_condition_in_position_order(self, store, conditions, positions):
        self._history(store)
        page = store.read_filtered(EventFilter(**conditions))
        assert [e.position for e in page.events] == positions

    def test_read_filtered_by_recorded_time(self, store):
        store.append("a", 0, [event(n=0)], META)
        between = utc_now()
        _wait_for_next_millisecond(between)
        store.append("b", 0, [event(n=1)], META)
        assert [e.position for e in store.read_filtered(EventFilter(recorded_to=between)).events] == [1]
        later = store.read_filtered(EventFilter(recorded_from=_next_millisecond(between))).events
        assert [e.position for e in later] == [2]

    def test_read_filtered_gives_events_as_stored_never_upcast(self, store):
        self._history(store)
        [stored] = store.read_filtered(EventFilter(event_type="NameGiven")).events
        assert stored.data == {"name": "Lê Bình"} and stored.compute_hash() == stored.hash

    def test_read_filtered_pages_by_position_from_inside_a_commit(self, store):
        self._history(store)
        first = store.read_filtered(EventFilter(department="DOST"), from_position=2, limit=1)
        assert [e.position for e in first.events] == [2] and first.next_from_position == 3
        rest = store.read_filtered(EventFilter(department="DOST"), from_position=first.next_from_position)
        assert [e.position for e in rest.events] == [5] and rest.next_from_position == 6
        assert store.read_filtered(EventFilter(department="DOST"), from_position=6).next_from_position is None

    def test_read_filtered_within_a_scan_limit_still_finds_everything_page_after_page(self, store):
        self._history(store)
        found, position, pages = [], 1, 0
        while position is not None:
            page = store.read_filtered(EventFilter(event_type="NameGiven"), from_position=position, scan_limit=2)
            found += [e.position for e in page.events]
            position, pages = page.next_from_position, pages + 1
            assert pages <= 4
        assert found == [5]

    # ---- the hash chain -------------------------------------------------------------------------------
    def test_hash_chain_links_every_event_to_the_one_before(self, store):
        store.append("a", 0, [event(), event()], META)
        store.append("b", 0, [event()], META)
        events = [e for batch in store.read_all(raw=True) for e in batch]
        assert events[0].prev_hash == GENESIS_HASH
        assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
        report = store.verify()
        assert report.ok and report.checked == 3 and report.head_hash == events[-1].hash

    def test_verify_names_an_edited_event(self, store):
        for n in range(5):
            store.append(f"s-{n}", 0, [event(n=n)], META)
        self.edit_event_data(store, 3, {"n": 999})
        report = store.verify()
        assert not report.ok
        assert [p.position for p in report.problems] == [3]
        assert "edited" in report.problems[0].reason

    def test_verify_names_a_removed_event(self, store):
        for n in range(5):
            store.append(f"s-{n}", 0, [event(n=n)], META)
        self.delete_commit_at(store, 3)
        report = store.verify()
        assert not report.ok and report.problems[0].position == 3
        assert "removed" in report.problems[0].reason

    def test_verify_names_reordered_events(self, store):
        for n in range(5):
            store.append(f"s-{n}", 0, [event(n=n)], META)
        self.swap_commits(store, 2, 4)
        report = store.verify()
        assert not report.ok and report.problems[0].position == 2

    # ---- concurrency ----------------------------------------------------------------------------------
    def test_racing_writers_on_one_stream_one_wins_each_version(self, store):
        store.append("s-1", 0, [event()], META)

        def attempt(_):
            try:
                store.append("s-1", 1, [event()], META)
                return "won"
            except ConcurrencyError as lost:
                return lost.current

        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(attempt, range(8)))
        assert outcomes.count("won") == 1
        assert all(outcome == 2 for outcome in outcomes if outcome != "won")
        assert store.stream_version("s-1") == 2 and store.head_position() == 2

    def test_concurrent_writers_leave_gapless_positions_that_readers_see_in_order(self, store):
        writers, per_writer = 4, 15
        done = threading.Event()
        gaps_seen = []

        def write(writer):
            for n in range(per_writer):
                store.append(f"w-{writer}", n, [event(n=n)], META)

        def read():
            while not done.is_set():
                positions = [e.position for batch in store.read_all(1, 50) for e in batch]
                if positions != list(range(1, len(positions) + 1)):
                    gaps_seen.append(positions)

        reader = threading.Thread(target=read)
        reader.start()
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(write, range(writers)))
        done.set()
        reader.join()
        positions = [e.position for batch in store.read_all() for e in batch]
        assert positions == list(range(1, writers * per_writer + 1))
        assert gaps_seen == []
        assert store.verify().ok


def _wait_for_next_millisecond(instant: str) -> None:
    while utc_now() <= instant:
        pass


def _next_millisecond(instant: str) -> str:
    return format_instant(parse_instant(instant) + timedelta(milliseconds=1))
