"""Reporting's facts on the real MongoDB-protocol server: a crash between keeping facts and deriving their rows
is finished by the redelivery; a redelivery alone changes nothing."""
from __future__ import annotations

import random

import pytest

from services.reporting.facts import CONTRIBUTIONS, LEGACY_PARKED, PENDING, Facts
from shared.envelope import Envelope
from shared.readmodel import Coverage

pytestmark = pytest.mark.integration


def event(stream: str, version: int, position: int, event_type: str, data: dict) -> Envelope:
    return Envelope(event_id=f"{stream}-{version}", event_type=event_type, schema_version=1, stream_id=stream,
                    version=version, position=position, occurred_at="2024-01-01T00:00:00.000Z",
                    recorded_at="2024-01-01T00:00:00.000Z", actor="a", department="DOST", correlation_id="c",
                    causation_id=None, data=data, prev_hash="0" * 64).sealed()


BATCH = [("support", event("case-1", 1, 1, "SupportCaseProposed", {
    "enterprise_id": "E1", "enterprise_name": "DN", "district_code": "866", "support_type": "st_task",
    "requested_amount": 1, "proposed_on": "2022-01-01", "proposed_by": "DOST"})),
         ("support", event("case-1", 2, 2, "SupportCaseApproved", {"budget": {"state_st_budget": 1},
                                                                    "approved_on": "2022-02-01"}))]


class CrashingFacts(Facts):
    def derive(self, documents, new, also=None, marker=None, parked=None):
        raise RuntimeError("the process died after keeping the facts")


def test_a_crash_after_keeping_facts_is_derived_by_the_redelivery(fresh_database):
    with pytest.raises(RuntimeError):
        CrashingFacts(fresh_database).record(BATCH)
    assert fresh_database["facts"].count_documents({}) == 2 and fresh_database[CONTRIBUTIONS].count_documents({}) == 0
    facts = Facts(fresh_database)
    assert facts.record(BATCH) == 0  # nothing new, yet the rows are derived
    assert [row["indicator"] for row in fresh_database[CONTRIBUTIONS].find()] == ["I8"]
    assert facts.coverage(["support"])["support"] == {"complete_through": 2, "highest": 2}
    assert facts.record(BATCH) == 0 and fresh_database[CONTRIBUTIONS].count_documents({}) == 1
    assert [found["streams"] for found in fresh_database[PENDING].find()] == [["case-1"]]  # the dead one's, until stale


def test_rows_held_by_a_reader_are_read_again_once_the_projector_changed_them(fresh_database):
    """The API's process holds the rows it read; the projector's process changes them (its own Facts)."""
    projector, reader = Facts(fresh_database), Facts(fresh_database)
    projector.record(BATCH[:1])
    assert reader.rows_in("2022-01-01", "2022-12-31", ["I8"]) == []  # proposed, not yet approved
    assert reader.rows_in("2022-01-01", "2022-12-31", ["I8"]) == []
    projector.record(BATCH[1:])
    assert [row["key"] for row in reader.rows_in("2022-01-01", "2022-12-31", ["I8"])] == ["case-1"]
    assert reader.rows_in("2023-01-01", "2023-12-31", ["I8"]) == []  # another period: its own rows


def test_a_redelivery_that_finishes_a_derivation_is_seen_by_a_reader(fresh_database):
    """Coverage does not move when a redelivered batch only finishes derivation: the rows' generation does."""
    reader = Facts(fresh_database)
    with pytest.raises(RuntimeError):
        CrashingFacts(fresh_database).record(BATCH)
    assert reader.rows_in("2022-01-01", "2022-12-31", ["I8"]) == []
    Facts(fresh_database).record(BATCH)
    assert [row["key"] for row in reader.rows_in("2022-01-01", "2022-12-31", ["I8"])] == ["case-1"]


def test_facts_held_by_a_reader_are_read_again_once_a_fact_of_their_type_arrived(fresh_database):
    reader = Facts(fresh_database)
    assert reader.of_types(["SupportCaseProposed"]) == []
    with pytest.raises(RuntimeError):
        CrashingFacts(fresh_database).record(BATCH)  # stored, then the process died before saying so
    Facts(fresh_database).record(BATCH)  # the redelivery, although it brings nothing new, says so
    assert [fact["stream_id"] for fact in reader.of_types(["SupportCaseProposed"])] == ["case-1"]
    assert [fact["event_type"] for fact in reader.of_types(["SupportCaseApproved"])] == ["SupportCaseApproved"]


def test_coverage_written_by_two_processes_absorbs_every_position_whoever_wrote_last(fresh_database):
    """Each process holds the document it last wrote and changes it in one round trip; when another process wrote
    since, the compare-and-set fails and the document is read again."""
    first, second = Coverage(fresh_database["coverage"]), Coverage(fresh_database["coverage"])
    first.advance("registry", [1, 2])
    second.advance("registry", [4])
    first.advance("registry", [3])  # its held revision is stale now
    second.advance("registry", [6])  # so is this one
    first.advance("registry", [5])
    assert first.of(["registry", "support"]) == {"registry": {"complete_through": 6, "highest": 6},
                                                 "support": {"complete_through": 0, "highest": 0}}
    assert fresh_database["coverage"].find_one({"_id": "registry"})["revision"] == 5


def case_stream(case: str, first_position: int, cancelled: bool) -> list[tuple[str, Envelope]]:
    """A science and technology task proposed, approved and, if ``cancelled``, cancelled: its row needs the
    proposal (version 1) and is voided by the cancellation."""
    proposal = {"enterprise_id": f"E-{case}", "enterprise_name": "DN", "district_code": "866",
                "support_type": "st_task", "requested_amount": 9, "proposed_on": "2022-01-01", "proposed_by": "DOST"}
    steps: list[tuple[str, dict]] = [
        ("SupportCaseProposed", proposal),
        ("SupportCaseApproved", {"budget": {"state_st_budget": 9}, "approved_on": "2022-02-01"})]
    steps += [("SupportCaseCancelled", {"reason": "rút hồ sơ", "cancelled_on": "2022-06-01"})] if cancelled else []
    return [("support", event(case, version, first_position + version - 1, event_type, data))
            for version, (event_type, data) in enumerate(steps, start=1)]


def rows_of(database) -> list[tuple]:
    return sorted((row["_id"], row["indicator"], row["date"], len(row["revoked"]))
                  for row in database[CONTRIBUTIONS].find())


def test_whatever_the_order_of_arrival_the_rows_equal_those_of_in_order_delivery(mongo_client, fresh_database):
    log = [fact for n in range(8) for fact in case_stream(f"case-{n}", 3 * n + 1, cancelled=n % 2 == 1)]
    in_order = mongo_client[f"{fresh_database.name}_ordered"]
    try:
        Facts(in_order).record(log)
        chance = random.Random(29)
        shuffled = log[:]
        chance.shuffle(shuffled)  # later versions before earlier ones: those streams are parked until whole
        facts = Facts(fresh_database)
        while shuffled:
            size = chance.randint(1, 5)
            facts.record(shuffled[:size])
            shuffled = shuffled[size:]
        assert rows_of(in_order) and rows_of(fresh_database) == rows_of(in_order)
        assert fresh_database[PENDING].count_documents({}) == 0  # nothing left parked, no marker left
    finally:
        mongo_client.drop_database(in_order.name)


def test_a_stream_parked_by_an_earlier_version_is_still_parked_after_the_move(fresh_database):
    stream = case_stream("case-old", 1, cancelled=True)
    fresh_database[LEGACY_PARKED].insert_one({"_id": "case-old", "versions": [2, 3]})
    fresh_database["facts"].insert_many([  # what that version kept of the versions that came first
        {"_id": envelope.event_id, "service": service, **{key: value for key, value in envelope.to_dict().items()}}
        for service, envelope in stream[1:]])
    Facts(fresh_database).record(stream[:1])  # the first version arrives: the stream is read back whole
    assert fresh_database[LEGACY_PARKED].count_documents({}) == 0
    assert fresh_database[PENDING].count_documents({}) == 0
    assert [row[1:] for row in rows_of(fresh_database)] == [("I8", "2022-02-01", 1)]  # derived whole: voided
