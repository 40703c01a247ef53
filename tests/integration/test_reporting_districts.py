"""Enterprises by district on the real MongoDB-protocol server: a reader that holds its counts and reads only what
is new answers what folding every stored fact answers, whatever order the facts arrive in."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from services.reporting.districts import TYPES, district_of
from services.reporting.facts import Facts
from shared.contracts import registry as reg
from shared.envelope import Envelope

pytestmark = pytest.mark.integration

DISTRICTS = ("866", "867", "868", "869")


def fact(stream: str, version: int, position: int, event_type: str, data: dict,
         service: str = "registry") -> tuple[str, Envelope]:
    return service, Envelope(
        event_id=f"{stream}-{version}", event_type=event_type, schema_version=1, stream_id=stream, version=version,
        position=position, occurred_at="2024-01-01T00:00:00.000Z", recorded_at="2024-01-01T00:00:00.000Z",
        actor="a", department="DOST", correlation_id="c", causation_id=None, data=data, prev_hash="0" * 64).sealed()


def registered(stream: str, position: int, district: str) -> tuple[str, Envelope]:
    return fact(stream, 1, position, reg.ENTERPRISE_REGISTERED, {
        "tax_code": f"{position:010d}", "name": f"DN {stream}", "district_code": district,
        "district_name": district, "registered_on": "2024-01-02"})


def moved(stream: str, version: int, position: int, district: str) -> tuple[str, Envelope]:
    return fact(stream, version, position, reg.ENTERPRISE_MOVED, {
        "district_code": district, "district_name": district, "moved_on": "2024-03-01", "reason": "chuyển trụ sở"})


def renamed(stream: str, version: int, position: int) -> tuple[str, Envelope]:
    return fact(stream, version, position, reg.ENTERPRISE_PROFILE_UPDATED, {"name": f"DN {stream} mới"})


def folded_from_every_fact(database) -> Counter[str]:
    """What the answer must be: each enterprise in the district of its latest fact naming one, from every fact."""
    by_stream: dict[str, list[dict]] = {}
    for found in database["facts"].find({"event_type": {"$in": list(TYPES)}}):
        by_stream.setdefault(found["stream_id"], []).append(found)
    return Counter(code for facts in by_stream.values() if (code := district_of(facts)) is not None)


def test_a_reader_follows_registrations_and_moves_and_counts_a_fact_beyond_a_gap(fresh_database):
    projector, reader = Facts(fresh_database), Facts(fresh_database)
    assert reader.enterprise_districts.counts() == Counter()
    projector.record([registered("E1", 1, "866"), registered("E2", 2, "866"), registered("E3", 3, "867")])
    assert reader.enterprise_districts.counts() == Counter({"866": 2, "867": 1})
    projector.record([moved("E1", 2, 5, "868")])  # position 4 is not there yet: coverage stays at 3
    assert projector.coverage(["registry"])["registry"] == {"complete_through": 3, "highest": 5}
    assert reader.enterprise_districts.counts() == Counter({"866": 1, "867": 1, "868": 1})
    projector.record([renamed("E2", 2, 4)])  # the gap fills; a rename names no district
    assert reader.enterprise_districts.counts() == Counter({"866": 1, "867": 1, "868": 1})
    projector.record([moved("E3", 2, 6, "866"), moved("E3", 3, 7, "869")])
    assert reader.enterprise_districts.counts() == Counter({"866": 1, "868": 1, "869": 1})
    assert Facts(fresh_database).enterprise_districts.counts() == reader.enterprise_districts.counts()


def test_a_reader_starts_over_when_the_projection_is_rebuilt(fresh_database):
    reader = Facts(fresh_database)
    Facts(fresh_database).record([registered("E1", 1, "866"), registered("E2", 2, "867")])
    assert reader.enterprise_districts.counts() == Counter({"866": 1, "867": 1})
    for name in ("facts", "coverage"):
        fresh_database[name].delete_many({})
    Facts(fresh_database).record([registered("E9", 1, "869")])
    assert reader.enterprise_districts.counts() == Counter({"869": 1})


def test_whatever_the_order_of_arrival_the_held_counts_equal_a_fold_of_every_fact(fresh_database):
    chance = random.Random(20261129)
    log, position = [], 0
    for number in range(30):
        stream = f"E{number}"
        position += 1
        log.append(registered(stream, position, chance.choice(DISTRICTS)))
        for version in range(2, chance.randint(1, 5) + 1):
            position += 1
            log.append(moved(stream, version, position, chance.choice(DISTRICTS)) if chance.random() < 0.6
                       else renamed(stream, version, position))
        # support's log has positions of its own, in the same range: its facts name districts too
        log.append(fact(f"case-{number}", 1, number + 1, "SupportCaseProposed", {
            "enterprise_id": stream, "enterprise_name": "DN", "district_code": "869", "support_type": "st_task",
            "requested_amount": 1, "proposed_on": "2022-01-01", "proposed_by": "DOST"}, service="support"))
    chance.shuffle(log)  # partitions deliver in any order between streams, and a stream's facts may come late
    projector, reader = Facts(fresh_database), Facts(fresh_database)
    while log:
        size = chance.randint(1, 6)
        projector.record(log[:size])
        log = log[size:]
        assert reader.enterprise_districts.counts() == folded_from_every_fact(fresh_database)
    assert sum(reader.enterprise_districts.counts().values()) == 30
