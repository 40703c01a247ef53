from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.registry import domain
from services.registry.domain import (
    ENTERPRISE_PROFILE_UPDATED,
    ENTERPRISE_REGISTERED,
    AlreadyRegistered,
    InvalidEnterprise,
)
from shared.envelope import Envelope
from shared.errors import NotFound, UnknownReference
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from shared.reference import DISTRICTS

STREAM = "enterprise-1"
ON = date(2024, 6, 1)  # the day a profile is changed
META = Metadata(actor="test-dost-clerk", department="DOST")


def history_of(*events: NewEvent) -> list[Envelope]:
    store = InMemoryEventStore()
    for event in events:
        store.append(STREAM, None, [event], META)
    return store.read_stream(STREAM)


def registered(**overrides) -> NewEvent:
    fields: dict[str, Any] = dict(tax_code="1400123456", name="Công ty TNHH Sen Hồng", district_code="866",
                  registered_on=date(2024, 3, 1))
    fields.update(overrides)
    [event] = domain.register([], **fields)
    return event


# ---- tax codes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["1400123456", "0312345678", "1400123456-001", "1400123456-999"])
def test_valid_tax_codes(value):
    assert domain.is_valid_tax_code(value)


@pytest.mark.parametrize("value", [
    "140012345",           # 9 digits
    "14001234567",         # 11 digits
    "14001234AB",          # letters
    "-123",
    "1400123456-12",       # branch suffix too short
    "1400123456-1234",     # branch suffix too long
    "1400123456-",
    "1400123456001",       # branch without the dash
    " 1400123456",
    "1400123456 ",
    "1400 123456",
    "",
    None,
])
def test_invalid_tax_codes(value):
    assert not domain.is_valid_tax_code(value)


# ---- register -----------------------------------------------------------------------------------------
def test_register_produces_enterprise_registered_with_district_name_and_business_time():
    events = domain.register([], tax_code="1400123456-001", name="  Hợp tác xã Xoài Cao Lãnh  ",
                             district_code="873", registered_on=date(2024, 3, 1))

    assert len(events) == 1
    [event] = events
    assert event.event_type == ENTERPRISE_REGISTERED
    assert event.occurred_at == "2024-03-01T00:00:00.000Z"
    assert event.data == {
        "tax_code": "1400123456-001", "name": "Hợp tác xã Xoài Cao Lãnh", "district_code": "873",
        "district_name": "Huyện Cao Lãnh", "registered_on": "2024-03-01",
    }


def test_register_on_an_existing_history_raises_already_registered():
    history = history_of(registered())
    with pytest.raises(AlreadyRegistered) as raised:
        domain.register(history, tax_code="1400999999", name="Khác", district_code="867",
                        registered_on=date(2024, 4, 1))
    assert raised.value.status == 409


@pytest.mark.parametrize("overrides, field", [
    ({"tax_code": "14001234"}, "tax_code"),
    ({"name": "   "}, "name"),
    ({"name": ""}, "name"),
])
def test_register_rejects_invalid_input_naming_the_field(overrides, field):
    fields = dict(tax_code="1400123456", name="Công ty TNHH Sen Hồng", district_code="866",
                  registered_on=date(2024, 3, 1))
    fields.update(overrides)
    with pytest.raises(InvalidEnterprise) as raised:
        domain.register([], **fields)
    assert raised.value.status == 422
    assert set(raised.value.extra["errors"]) == {field}


def test_register_refuses_a_district_the_plan_does_not_name_naming_the_field():
    with pytest.raises(UnknownReference) as raised:
        domain.register([], tax_code="1400123456", name="Công ty TNHH Sen Hồng", district_code="999",
                        registered_on=date(2024, 3, 1))
    assert raised.value.status == 422 and set(raised.value.extra["errors"]) == {"district_code"}


# ---- update_profile -----------------------------------------------------------------------------------
def test_update_profile_of_an_unknown_enterprise_raises_not_found():
    with pytest.raises(NotFound) as raised:
        domain.update_profile([], {"name": "Tên mới"}, on=ON)
    assert raised.value.status == 404


def test_update_profile_without_a_change_produces_no_event():
    history = history_of(registered(name="Sen Hồng", district_code="866"))
    assert domain.update_profile(history, {"name": "Sen Hồng", "district_code": "866"}, on=ON) == []
    assert domain.update_profile(history, {}, on=ON) == []


def test_update_profile_records_only_the_changed_fields():
    history = history_of(registered(name="Sen Hồng", district_code="866"))
    [event] = domain.update_profile(history, {"name": "Sen Hồng Xanh", "district_code": "866"}, on=ON)
    assert event.event_type == ENTERPRISE_PROFILE_UPDATED
    assert event.data == {"name": "Sen Hồng Xanh"}


def test_update_profile_district_change_adds_the_district_name():
    history = history_of(registered(district_code="866"))
    [event] = domain.update_profile(history, {"district_code": "867"}, on=ON)
    assert event.data == {"district_code": "867", "district_name": DISTRICTS["867"]}


@pytest.mark.parametrize("changes, field", [
    ({"name": " "}, "name"),
    ({"district_code": "000"}, "district_code"),
])
def test_update_profile_rejects_invalid_changes(changes, field):
    history = history_of(registered())
    with pytest.raises((InvalidEnterprise, UnknownReference)) as raised:
        domain.update_profile(history, changes, on=ON)
    assert set(raised.value.extra["errors"]) == {field}


# ---- folding ------------------------------------------------------------------------------------------
def test_current_state_of_an_empty_history_is_none():
    assert domain.current_state([]) is None


def test_current_state_after_registration():
    history = history_of(registered())
    enterprise = domain.current_state(history)
    assert enterprise == domain.Enterprise(id=STREAM, tax_code="1400123456", name="Công ty TNHH Sen Hồng",
                                           district_code="866", district_name="Thành phố Cao Lãnh",
                                           registered_on="2024-03-01", version=1, registered_by="DOST")
    assert enterprise.district_name == "Thành phố Cao Lãnh"
    assert enterprise.status == "open"


def test_current_state_folds_updates_and_tracks_the_version():
    history = history_of(
        registered(name="Sen Hồng", district_code="866"),
        NewEvent(ENTERPRISE_PROFILE_UPDATED, {"name": "Sen Hồng Xanh"}),
        NewEvent(ENTERPRISE_PROFILE_UPDATED, {"district_code": "875", "district_name": DISTRICTS["875"]}),
    )
    enterprise = domain.current_state(history)
    assert (enterprise.name, enterprise.district_code, enterprise.version) == ("Sen Hồng Xanh", "875", 3)
    assert enterprise.district_name == "Huyện Lấp Vò"
    assert enterprise.tax_code == "1400123456"


def test_current_state_of_a_prefix_is_the_state_at_that_version():
    history = history_of(
        registered(name="Sen Hồng"),
        NewEvent(ENTERPRISE_PROFILE_UPDATED, {"name": "Sen Hồng Xanh"}),
    )
    at_one = domain.current_state(history[:1])
    assert (at_one.name, at_one.version) == ("Sen Hồng", 1)


def test_evolve_with_an_unknown_event_type_only_advances_the_version():
    history = history_of(registered(), NewEvent("EnterpriseNoteAdded", {"note": "ghi chú"}))
    first = domain.evolve(None, history[0])
    after = domain.evolve(first, history[1])
    assert after == domain.Enterprise(**{**first.__dict__, "version": 2})


def test_evolve_ignores_an_update_before_registration():
    history = history_of(NewEvent(ENTERPRISE_PROFILE_UPDATED, {"name": "Không có"}))
    assert domain.evolve(None, history[0]) is None
