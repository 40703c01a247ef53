"""Departments as data (issue 12), on the running stack: a unit's end and a merger, recorded on the registry,
reach every service (registry by its own projection, support over Kafka) and decide who may write what.

The units changed here (UBND-872, DPI) are written by no other test of the shared stack."""
from __future__ import annotations

import pytest

from deploy.processes import wait_until

pytestmark = pytest.mark.e2e


def refused_by_every_worker(attempt, **named) -> bool:
    """Six refusals in a row, each a unit-not-in-force problem with the ``named`` fields: each gunicorn worker keeps
    its own view of the units (refreshed every 2 s), so one refusal may come from a worker that has seen the change
    while the next request reaches another that has not yet."""
    def refused(response) -> bool:
        if response.status_code != 403:
            return False
        problem = response.json()
        return problem["type"].endswith("unit-not-in-force") and all(problem.get(k) == v for k, v in named.items())
    return all(refused(attempt()) for _ in range(6))


def test_a_district_committee_records_what_is_dated_before_its_end_and_nothing_after(api, register_enterprise):
    steward, committee = api("registry", "DOST"), api("registry", "UBND-872")
    enterprise = register_enterprise(district_code="872", name="HTX Sen Tháp Mười")
    steward.command("/units/UBND-872/abolish", {"effective_from": "2025-07-01",
                                                "reason": "Kết thúc hoạt động của chính quyền cấp huyện"}, 200)

    tax_codes = iter(range(1_400_872_001, 1_400_873_000))

    def register(day: str):
        return committee.post("/enterprises", {"tax_code": str(next(tax_codes)), "name": "Công ty TNHH Sen Đỏ",
                                               "district_code": "872", "registered_on": day})
    wait_until(lambda: refused_by_every_worker(lambda: register("2025-07-02"), ended_on="2025-07-01"), 30,
               "the registry refuses the committee's write dated after its end, naming the day it ended")
    assert register("2025-06-30").status_code == 201

    support = api("support", "UBND-872")
    wait_until(lambda: support.knows(enterprise["id"]), 30, "support knows the enterprise")

    def propose(day: str):
        return support.post("/cases", {"enterprise_id": enterprise["id"], "support_type": "gap_organic",
                                       "need": "Áp dụng VietGAP cho sen", "requested_amount": 50_000_000,
                                       "proposed_on": day})
    wait_until(lambda: refused_by_every_worker(lambda: propose("2025-08-01")), 30,
               "support (over Kafka) refuses the committee's proposal dated after its end")
    assert propose("2025-06-01").status_code == 201


def test_a_merged_department_s_successor_holds_its_rights_and_records(api, register_enterprise):
    registered = register_enterprise(name="Công ty TNHH Đầu tư Sa Đéc")
    dpi_record = api("registry", "DPI").command("/enterprises", {
        "tax_code": "1400870001", "name": "Công ty TNHH Kế hoạch", "district_code": "867",
        "registered_on": "2024-02-02"}, 201)
    dof = api("registry", "DOF")
    path = f"/enterprises/{dpi_record['id']}"
    assert dof.patch(path, {"name": "Công ty TNHH Kế hoạch Mới"}).status_code == 403  # not DOF's record yet
    api("registry", "DOST").command("/units/DPI/merge", {"successor_code": "DOF", "effective_from": "2025-03-01"},
                                    200)
    wait_until(lambda: all(dof.patch(path, {"name": f"Công ty TNHH Kế hoạch {n}"}).status_code == 200
                           for n in range(6)), 30, "DOF, successor of DPI, changes DPI's enterprise")
    dpi = api("registry", "DPI")
    addresses = iter(range(1, 1000))

    def change_address():
        return dpi.patch(f"/enterprises/{registered['id']}", {"address": f"Số {next(addresses)}"})
    wait_until(lambda: refused_by_every_worker(change_address, successor_code="DOF"), 30,
               "DPI records nothing dated after its merger, and is told DOF does")


def test_doha_proposes_support_with_the_right_of_dolisa_merged_into_it(api, register_enterprise):
    """Approval stays DOST's alone (seed 2.5.1) and no merger touched it; what a merger moves in support is the
    right to propose and the hold on the proposer's own cases (their amounts)."""
    enterprise = register_enterprise(district_code="875", name="Công ty TNHH Dệt Lấp Vò")
    dolisa, doha = api("support", "DOLISA"), api("support", "DOHA")
    wait_until(lambda: doha.knows(enterprise["id"]), 30, "support knows the enterprise")
    body = {"enterprise_id": enterprise["id"], "support_type": "improvement_tool", "need": "Áp dụng 5S, Kaizen",
            "requested_amount": 40_000_000}
    earlier = dolisa.command("/cases", {**body, "proposed_on": "2024-09-09"}, 201)
    assert doha.post("/cases", {**body, "proposed_on": "2025-04-01"}).status_code == 403  # no right of its own
    api("registry", "DOST").command("/units/DOLISA/merge", {"successor_code": "DOHA", "effective_from": "2025-03-01"},
                                    200)
    wait_until(lambda: all(doha.post("/cases", {**body, "proposed_on": "2025-04-01"}).status_code == 201
                           for _ in range(6)), 30, "DOHA proposes with DOLISA's right (over Kafka)")
    wait_until(lambda: refused_by_every_worker(lambda: dolisa.post("/cases", {**body, "proposed_on": "2025-04-01"}),
                                               successor_code="DOHA"),
               30, "DOLISA proposes nothing dated after its merger, and is told DOHA does")
    assert dolisa.post("/cases", {**body, "proposed_on": "2025-02-01"}).status_code == 201  # dated before
    assert doha.get(f"/cases/{earlier['id']}").json()["requested_amount"] == 40_000_000  # DOLISA's case is its own
