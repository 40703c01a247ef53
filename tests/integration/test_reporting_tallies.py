"""The counts the projector keeps, on the real MongoDB-protocol server: a reader gets the figures the rows give,
whether the projector has brought the counts up to date or not, after a void, and after a crash between
writing rows and marking their shards."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from itertools import count

import pytest

from services.reporting import queries
from services.reporting.facts import CONTRIBUTIONS, Facts
from services.reporting.tallies import DIRTY, SHARDS, TOTAL, Tallies
from shared.envelope import Envelope

pytestmark = pytest.mark.integration
PERIODS = ("2021-2025", "2023", "2026-2030")


class Histories:
    """Programme histories as reporting receives them: positions counted per service."""

    def __init__(self) -> None:
        self.positions = {"registry": count(1), "support": count(1)}
        self.rng = random.Random(5)

    def event(self, service: str, stream: str, version: int, event_type: str, data: dict) -> tuple[str, Envelope]:
        return service, Envelope(
            event_id=f"{stream}-{version}", event_type=event_type, schema_version=1, stream_id=stream,
            version=version, position=next(self.positions[service]), occurred_at="2024-01-01T00:00:00.000Z",
            recorded_at="2024-01-01T00:00:00.000Z", actor="a", department="DOST", correlation_id="c",
            causation_id=None, data=data, prev_hash="0" * 64).sealed()

    def day(self) -> str:
        return (date(2021, 1, 1) + timedelta(days=self.rng.randrange(0, 6 * 365))).isoformat()

    def enterprise(self, number: int) -> list[tuple[str, Envelope]]:
        stream, district = f"ent-{number}", self.rng.choice(["866", "867", "868"])
        return [
            self.event("registry", stream, 1, "EnterpriseRegistered", {
                "tax_code": f"{1400000000 + number}", "name": f"DN {number}", "district_code": district,
                "district_name": "x", "registered_on": "2021-01-04"}),
            self.event("registry", stream, 2, "SurveyRecorded", {"survey_id": f"s-{number}", "surveyed_on": self.day(),
                                                                 "kind": "survey"}),
            self.event("registry", stream, 3, "SurveyRecorded", {"survey_id": f"t-{number}", "surveyed_on": self.day(),
                                                                 "kind": "survey"}),
            self.event("support", f"case-{number}", 1, "SupportCaseProposed", {
                "enterprise_id": stream, "enterprise_name": f"DN {number}", "district_code": district,
                "support_type": self.rng.choice(["management_system", "quality_award", "st_task"]),
                "requested_amount": 1, "proposed_on": "2021-01-05", "proposed_by": "DOST"}),
            self.event("support", f"case-{number}", 2, "SupportCaseApproved", {
                "budget": {"state_st_budget": 1}, "approved_on": self.day()}),
            self.event("support", f"case-{number}", 3, "SupportCaseCompleted", {
                "outcome": {"award": "gold", "summary": "x"}, "completed_on": self.day()}),
        ]

    def batch(self, numbers: range) -> list[tuple[str, Envelope]]:
        return [event for number in numbers for event in self.enterprise(number)]


def figures(reader: Facts, period: str, unit: str | None = None, kept: bool = True) -> list[dict]:
    answer = queries.indicators(queries.Reporting(reader, reports=None), period, unit=unit,  # type: ignore[arg-type]
                                contributors=not kept)
    return [{name: value for name, value in item.items() if name not in ("contributors", "as_of")}
            for item in answer["items"]]


def assert_kept_counts_match_the_rows(reader: Facts) -> None:
    for period in PERIODS:
        for unit in (None, "866"):
            kept, rows = figures(reader, period, unit), figures(reader, period, unit, kept=False)
            assert kept == rows, (period, unit)
    assert sum(item["value"] for item in figures(reader, "2021-2025")) > 0


def test_a_reader_gets_the_rows_figures_while_stale_and_once_consolidated(fresh_database):
    projector, reader = Facts(fresh_database), Facts(fresh_database)
    histories = Histories()
    for first in range(0, 120, 40):
        projector.record(histories.batch(range(first, first + 40)))
    assert reader.tallied()
    assert_kept_counts_match_the_rows(reader)  # nothing consolidated yet: the stale shards come from their rows
    assert projector.tallies.consolidate()
    total = fresh_database["tallies"].find_one({"_id": TOTAL})
    assert total["included"] == reader.tallies._dirty() and sum(total["included"]) > 0
    assert_kept_counts_match_the_rows(reader)
    before = figures(reader, "2021-2025")

    projector.record([histories.event("registry", "ent-7", 4, "SurveyWithdrawn", {"survey_id": "s-7", "reason": "x"}),
                      histories.event("registry", "ent-8", 4, "SurveyWithdrawn", {"survey_id": "s-8", "reason": "x"}),
                      *histories.batch(range(200, 205))])
    assert_kept_counts_match_the_rows(reader)  # the total is stale: fresh shards from their summaries, others rows
    assert figures(reader, "2021-2025") != before
    assert projector.tallies.consolidate() and projector.tallies.consolidate()  # a second call finds it fresh
    assert_kept_counts_match_the_rows(reader)


def test_consolidation_stops_when_asked_and_goes_on_later(fresh_database):
    projector = Facts(fresh_database)
    projector.record(Histories().batch(range(0, 60)))
    assert projector.tallies.consolidate(budget_s=0.0) is False  # one shard, then out of time
    kept = fresh_database["tallies"].count_documents({"_id": {"$regex": "^shard:"}})
    assert 0 < kept < SHARDS
    assert projector.tallies.consolidate()
    assert_kept_counts_match_the_rows(Facts(fresh_database))


class DiesBeforeMarking(Tallies):
    def mark(self, shards):
        raise RuntimeError("the process died after writing rows, before marking their shards")


def test_a_crash_between_writing_rows_and_marking_their_shards_is_finished_by_the_redelivery(fresh_database):
    histories = Histories()
    first, second = histories.batch(range(0, 30)), histories.batch(range(30, 40))
    projector = Facts(fresh_database)
    projector.record(first)
    assert projector.tallies.consolidate()
    dying = Facts(fresh_database)
    dying.tallies = DiesBeforeMarking(fresh_database["tallies"], dying.rows, dying.unit_directory)
    with pytest.raises(RuntimeError):
        dying.record(second)
    dirty_before = fresh_database["tallies"].find_one({"_id": DIRTY})["n"]
    Facts(fresh_database).record(second)  # the redelivery: nothing new, its unfinished marker is finished
    assert fresh_database["tallies"].find_one({"_id": DIRTY})["n"] != dirty_before
    assert projector.tallies.consolidate()
    assert_kept_counts_match_the_rows(Facts(fresh_database))


def test_rows_derived_before_counts_were_kept_get_their_shards_once_and_are_counted(fresh_database):
    histories = Histories()
    Facts(fresh_database).record(histories.batch(range(0, 20)))
    rows = fresh_database[CONTRIBUTIONS]
    rows.update_many({}, {"$unset": {"shard": ""}})  # as an older version left them
    fresh_database["tallies"].drop()
    reader = Facts(fresh_database)
    assert not reader.tallied()  # until a projector has given every row its shard, the rows answer
    projector = Facts(fresh_database)
    projector.record(histories.batch(range(20, 25)))
    assert rows.count_documents({"shard": {"$exists": False}}) == 0 and reader.tallied()
    assert projector.tallies.consolidate()
    assert_kept_counts_match_the_rows(reader)


def test_a_summary_stored_again_at_the_same_counter_value_is_never_taken_out_of_the_total(fresh_database):
    """A slower projector may store a shard's summary at the counter value the total included, from rows read
    before a write was marked: the total then must not subtract that summary in place of the one it added."""
    histories = Histories()
    projector = Facts(fresh_database)
    projector.record(histories.batch(range(0, 30)))
    assert projector.tallies.consolidate()
    survey = fresh_database[CONTRIBUTIONS].find_one({"indicator": "I3", "stream_id": "ent-3"})
    dirty, generation = projector.tallies._dirty(), projector.unit_directory()[0]
    projector.tallies._store_shard(survey["shard"], dirty[survey["shard"]], generation, (Counter(), Counter()))
    projector.record([histories.event("registry", "ent-3", 4, "SurveyWithdrawn", {"survey_id": "s-3", "reason": "x"})])
    reader = Facts(fresh_database)
    assert_kept_counts_match_the_rows(reader)
    assert projector.tallies.consolidate()
    assert_kept_counts_match_the_rows(Facts(fresh_database))
