"""The support cases list, projected from a real MongoDB-protocol store, filtered and paged there."""
from __future__ import annotations

from datetime import date

import pytest

from services.support import domain
from services.support.readmodel import CASES, CaseReadModel
from shared.auth import Principal
from shared.eventstore import Metadata
from shared.eventstore.mongo import MongoEventStore
from shared.projection import CHECKPOINTS, StoreProjection

pytestmark = pytest.mark.integration
DOST, DOF, DARD = (Principal(d.lower(), d, "clerk") for d in ("DOST", "DOF", "DARD"))
ENTERPRISE = {"name": "HTX Quýt hồng Lai Vung", "district_code": "876", "status": "open"}


def run(store, case_id, decide, **kwargs):
    history = store.read_stream(case_id)
    store.append(case_id, history[-1].version if history else 0, decide(history, **kwargs),
                 Metadata("tester", "DOST"))


def propose(store, case_id, principal, support_type, proposed_on):
    run(store, case_id, domain.propose, principal=principal, enterprise=ENTERPRISE, enterprise_id=f"ent-{case_id}",
        support_type=support_type, need="Nhu cầu", requested_amount=100_000_000, proposed_on=proposed_on)


def test_the_cases_list_filters_sorts_and_survives_a_rebuild(fresh_database):
    store = MongoEventStore(fresh_database)
    store.ensure_indexes()
    propose(store, "a", DARD, "gap_organic", date(2022, 5, 1))
    run(store, "a", domain.approve, principal=DOST, budget={"state_st_budget": 70_000_000},
        approved_on=date(2022, 6, 1))
    run(store, "a", domain.record_disbursement, principal=DOF, amount=30_000_000, source="state_st_budget",
        disbursed_on=date(2022, 7, 1))
    propose(store, "b", DOST, "quality_award", date(2023, 2, 1))
    run(store, "b", domain.approve, principal=DOST, budget={"other_lawful": 20_000_000}, approved_on=date(2023, 3, 1))
    propose(store, "c", DOST, "barcode", date(2024, 1, 15))
    run(store, "c", domain.reject, principal=DOST, reason="Trùng", rejected_on=date(2024, 2, 1))

    cases = CaseReadModel(fresh_database, store)
    cases.ensure_indexes()
    projection = StoreProjection("support-cases", store, fresh_database, cases.handle, batch_size=3)
    assert projection.catch_up() == 7

    def ids(**filters):
        rows, total = cases.page(filters, 0, 50)
        assert total == len(rows)
        return [row["id"] for row in rows]

    assert ids() == ["c", "b", "a"]  # by proposal date, newest first
    assert ids(type="gap_organic") == ["a"]
    assert ids(state="rejected") == ["c"]
    assert ids(department="DARD") == ["a"]
    assert ids(year=2023) == ["b"]
    assert ids(enterprise_id="ent-a") == ["a"]
    assert ids(funding_source="state_st_budget") == ["a"]
    assert ids(funding_source="other_lawful") == ["b"]
    assert ids(type="gap_organic", state="completed") == []
    rows, total = cases.page({}, 1, 1)
    assert [row["id"] for row in rows] == ["b"] and total == 3
    [row] = cases.page({"type": "gap_organic"}, 0, 10)[0]
    assert (row["state"], row["disbursed"], row["version"]) == (
        "in_progress", {"state_st_budget": 30_000_000, "other_lawful": 0}, 3)

    live = sorted(fresh_database[CASES].find(), key=lambda doc: doc["_id"])
    fresh_database[CHECKPOINTS].delete_many({})
    assert projection.catch_up() == 7  # replayed from position 0 over the live rows: nothing changes
    fresh_database[CASES].delete_many({})
    fresh_database[CHECKPOINTS].delete_many({})
    assert projection.catch_up() == 7
    assert sorted(fresh_database[CASES].find(), key=lambda doc: doc["_id"]) == live
