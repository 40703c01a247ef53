"""Departments as data (issue 12): who may write on a date follows the registry's unit events — a department
merged or abolished before a command's business date may not record it, and its successor holds its rights and
its records."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.registry import domain
from services.registry.app import create_app
from services.registry.bootstrap import bootstrap
from services.training import courses
from shared.claims import InMemoryUniqueClaims
from shared.commands import run_command, run_owned
from shared.contracts import registry as reg
from shared.errors import DomainError
from shared.eventstore import InMemoryEventStore, NewEvent
from shared.ownership import NotOwner
from shared.units import UnitDirectory, UnitNotInForce
from tests.fakes import Stream, acting_as
from tests.unit.http_helpers import assert_problem, auth, offline_settings


def unit(code: str, name: str, level: str, *changes: tuple[str, str, str | None]) -> list[dict]:
    """A unit's facts: established on the plan's date, then (kind, effective_from, successor) changes."""
    stream = f"{reg.ORG_UNIT_STREAM_PREFIX}{code}"
    facts = [{"stream_id": stream, "version": 1, "event_type": reg.ORG_UNIT_ESTABLISHED,
              "data": {"code": code, "name": name, "category": "organisation", "level": level,
                       "effective_from": "2021-01-01"}}]
    for version, (kind, effective_from, successor) in enumerate(changes, start=2):
        facts.append({"stream_id": stream, "version": version, "event_type": kind,
                      "data": {"effective_from": effective_from, "successor_code": successor, "reason": "2025"}})
    return facts


REORGANISED = [
    *unit("DOF", "Sở Tài chính", "department"),
    *unit("DPI", "Sở Kế hoạch và Đầu tư", "department", (reg.ORG_UNIT_MERGED, "2025-03-01", "DOF")),
    *unit("DOHA", "Sở Nội vụ", "department"),
    *unit("DOLISA", "Sở Lao động - Thương binh và Xã hội", "department", (reg.ORG_UNIT_MERGED, "2025-03-01", "DOHA")),
    *unit("UBND-866", "UBND Thành phố Cao Lãnh", "committee", (reg.ORG_UNIT_ABOLISHED, "2025-07-01", None)),
]


def test_a_unit_ended_by_a_day_is_known_with_its_successor_and_the_successor_holds_it():
    units = UnitDirectory(REORGANISED)
    assert units.ended("DPI", "2025-02-28") is None
    assert units.ended("DPI", "2025-03-01") == ("merged", "DOF")
    assert units.ended("UBND-866", "2025-07-01") == ("abolished", None)
    assert units.ended("DOST", "2030-01-01") is None  # never recorded as ended
    assert units.predecessors("DOF", "2025-02-28") == frozenset()
    assert units.predecessors("DOF", "2025-03-01") == {"DPI"}
    assert units.predecessors("DOHA", "2026-01-01") == {"DOLISA"}


def test_a_command_dated_after_its_department_ended_is_refused_naming_the_successor():
    store, units = InMemoryEventStore(), UnitDirectory(REORGANISED)
    context = replace(acting_as("DPI"), units=units)

    def dated(day: str):
        return lambda history: [NewEvent("Noted", {"n": len(history)}, occurred_at=f"{day}T00:00:00.000Z")]
    run_command(store, "s-1", dated("2025-02-28"), context)
    with pytest.raises(UnitNotInForce) as refused:
        run_command(store, "s-1", dated("2025-03-01"), context)
    assert refused.value.status == 403 and refused.value.extra["successor_code"] == "DOF"
    assert "từ ngày 2025-03-01" in refused.value.detail
    assert len(store.read_stream("s-1")) == 1  # nothing written


def test_a_successor_changes_the_records_of_the_department_merged_into_it():
    store = InMemoryEventStore()
    registered = domain.register([], tax_code="1400123456", name="Công ty A", district_code="866",
                                 registered_on=date(2024, 1, 1))
    run_command(store, "e-1", lambda history: registered, acting_as("DPI"))

    def rename(department: str, units: UnitDirectory | None):
        context = replace(acting_as(department), units=units)
        return run_owned(store, "e-1", domain.OWNED, context,
                         lambda history: domain.update_profile(history, {"name": f"Tên của {department}"},
                                                               on=date(2026, 1, 5)))
    with pytest.raises(NotOwner):
        rename("DOF", None)  # without the merger recorded, DOF does not hold DPI's enterprise
    assert rename("DOF", UnitDirectory(REORGANISED)).version == 2


@pytest.fixture
def reorganised_registry(tmp_path):
    service = bootstrap(offline_settings(tmp_path), store=InMemoryEventStore(), claims=InMemoryUniqueClaims())
    for fact in REORGANISED:
        service.units.record(fact)
    app = create_app(service=service)
    yield app.test_client()
    service.close()


def _register(client, department: str, registered_on: str, tax_code: str):
    return client.post("/api/v1/enterprises", headers=auth(department), json={
        "tax_code": tax_code, "name": "Công ty TNHH Sen Hồng", "district_code": "866", "registered_on": registered_on})


def test_a_district_committee_writes_what_is_dated_before_it_ended_and_nothing_after(reorganised_registry):
    before = _register(reorganised_registry, "UBND-866", "2025-06-30", "1400000011")
    assert before.status_code == 201, before.data
    after = assert_problem(_register(reorganised_registry, "UBND-866", "2025-07-01", "1400000012"), 403)
    assert after["type"].endswith("unit-not-in-force") and after["department"] == "UBND-866"
    assert after["ended_on"] == "2025-07-01"


def test_a_successor_department_has_the_rights_of_the_one_merged_into_it(reorganised_registry):
    # DOHA writes no registry record of its own; since March 2025 it holds DOLISA's rights
    assert _register(reorganised_registry, "DOHA", "2026-01-05", "1400000013").status_code == 201
    # DOF, successor of DPI, renames an enterprise DPI registered
    created = _register(reorganised_registry, "DPI", "2024-05-01", "1400000014").get_json()
    renamed = reorganised_registry.patch(f"/api/v1/enterprises/{created['id']}", headers=auth("DOF"),
                                         json={"name": "Công ty TNHH Sen Hồng Mới"})
    assert renamed.status_code == 200, renamed.data


@pytest.mark.parametrize("starts, refused", [(date(2025, 2, 10), False), (date(2025, 4, 1), True)])
def test_a_participant_s_organisation_must_be_in_force_on_the_course_s_first_day(starts, refused):
    course = Stream(aggregate=courses.COURSE)
    course.do(courses.schedule_course, organiser="DOST", title="Lớp 5S", kind="training_class",
              topic="improvement_tool", subject=None, start_date=starts, end_date=starts, venue="Cao Lãnh", capacity=10)

    def enrol():
        return course.do(courses.enrol, full_name="Trần Văn Bình", role="manager", national_id=None,
                         enterprise_id=None, organisation_code="DPI", enterprise=None, key_secret=b"k" * 32,
                         units=UnitDirectory(REORGANISED))
    if not refused:
        assert enrol()[0].data["organisation_code"] == "DPI"
        return
    with pytest.raises(DomainError) as raised:
        enrol()
    [message] = raised.value.extra["errors"]["organisation_code"]
    assert "không còn hoạt động vào ngày 2025-04-01" in message and "'DOF'" in message
