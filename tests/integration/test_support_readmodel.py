"""The support cases list, projected from a real MongoDB-protocol store, filtered and paged there."""
from __future__ import annotations

from datetime import date

import pytest

from services.support import handlers
from services.support.bootstrap import bootstrap
from services.support.readmodel import CASES
from shared.projection import CHECKPOINTS, StoreProjection
from tests.fakes import FakeKnownEnterprises, acting_as

pytestmark = pytest.mark.integration


def test_the_cases_list_filters_sorts_and_survives_a_rebuild(settings, fresh_database):
    known = FakeKnownEnterprises(*({"id": f"ent-{case}", "name": "HTX Quýt hồng Lai Vung", "district_code": "876",
                                    "status": "open"} for case in "abc"))
    service = bootstrap(settings, database=fresh_database, known_enterprises=known)
    dost, dof, dard = acting_as("DOST"), acting_as("DOF"), acting_as("DARD")

    def propose(case_id: str, context, support_type: str, proposed_on: date) -> None:
        handlers.propose_case(handlers.ProposeCase(f"ent-{case_id}", support_type, "Nhu cầu", 100_000_000,
                                                   proposed_on=proposed_on, case_id=case_id), service, context)

    propose("a", dard, "gap_organic", date(2022, 5, 1))
    handlers.approve_case(handlers.ApproveCase("a", {"state_st_budget": 70_000_000}, date(2022, 6, 1)), service, dost)
    handlers.record_disbursement(handlers.RecordDisbursement("a", 30_000_000, "state_st_budget", date(2022, 7, 1)),
                                 service, dof)
    propose("b", dost, "quality_award", date(2023, 2, 1))
    handlers.approve_case(handlers.ApproveCase("b", {"other_lawful": 20_000_000}, date(2023, 3, 1)), service, dost)
    propose("c", dost, "barcode", date(2024, 1, 15))
    handlers.reject_case(handlers.RejectCase("c", "Trùng", date(2024, 2, 1)), service, dost)

    cases, store = service.cases, service.store
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
