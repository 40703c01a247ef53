"""Rules of the registry beyond registration: closure, priority groups, products, certifications, surveys,
conformity-assessment fields, and units in force at a date."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from services.registry import conformity, domain, handlers, units
from services.registry.bootstrap import RegistryService, bootstrap
from services.registry.seed import seed_reference
from shared.auth import Forbidden
from shared.claims import InMemoryUniqueClaims
from shared.errors import NotFound, UnknownReference
from shared.eventstore import InMemoryEventStore
from tests.fakes import Stream, acting_as
from tests.unit.http_helpers import offline_settings

DOST = acting_as("DOST")


@pytest.fixture
def enterprise() -> Stream:
    stream = Stream()
    stream.do(domain.register, tax_code="1400123456", name="HTX Xoài Mỹ Xương", district_code="873",
              registered_on=date(2022, 3, 1), ownership="collective", size_class="small")
    return stream


def state(stream: Stream) -> domain.Enterprise:
    enterprise = domain.current_state(stream.history)
    assert enterprise is not None
    return enterprise


def test_profile_fields_are_kept_from_registration(enterprise):
    assert (state(enterprise).ownership, state(enterprise).size_class) == ("collective", "small")


def test_an_unknown_ownership_is_refused_naming_the_field():
    with pytest.raises(domain.InvalidEnterprise) as refused:
        domain.register([], tax_code="1400123456", name="X", district_code="873", registered_on=date(2022, 1, 1),
                        ownership="martian")
    assert "ownership" in refused.value.extra["errors"]


def test_closing_before_registration_is_refused(enterprise):
    with pytest.raises(domain.RuleViolated):
        enterprise.do(domain.close, reason="Giải thể", closed_on=date(2021, 12, 31))


@pytest.mark.parametrize("decide, kwargs", [
    (domain.update_profile, {"changes": {"name": "Tên mới"}, "on": date(2024, 1, 1)}),
    (domain.close, {"reason": "lần hai", "closed_on": date(2024, 1, 1)}),
    (domain.apply_priority_group, {"group": "export", "since": date(2024, 1, 1)}),
    (domain.add_product, {"product": {"name": "Xoài cát Hòa Lộc"}}),
    (domain.record_survey, {"survey": {"surveyed_on": date(2024, 1, 1)}}),
])
def test_a_closed_enterprise_refuses_every_change(enterprise, decide, kwargs):
    enterprise.do(domain.close, reason="Giải thể", closed_on=date(2023, 6, 30))
    assert state(enterprise).status == "closed" and state(enterprise).closed_on == "2023-06-30"
    with pytest.raises(domain.EnterpriseClosed):
        decide(enterprise.history, **kwargs)


def test_priority_groups_carry_the_date_they_started_and_ocop_needs_stars(enterprise):
    with pytest.raises(domain.InvalidEnterprise):
        enterprise.do(domain.apply_priority_group, group="ocop", since=date(2023, 5, 1))
    [event] = enterprise.do(domain.apply_priority_group, group="ocop", since=date(2023, 5, 1), ocop_stars=4)
    assert event.occurred_at == "2023-05-01T00:00:00.000Z"
    assert state(enterprise).priority_groups == {"ocop": {"since": "2023-05-01", "ocop_stars": 4}}
    assert enterprise.do(domain.apply_priority_group, group="ocop", since=date(2023, 5, 1), ocop_stars=4) == []
    enterprise.do(domain.end_priority_group, group="ocop", until=date(2025, 1, 1))
    assert state(enterprise).priority_groups == {}
    with pytest.raises(domain.RuleViolated):
        enterprise.do(domain.end_priority_group, group="ocop", until=date(2025, 2, 1))


def test_products_are_added_updated_and_removed(enterprise):
    [added] = enterprise.do(domain.add_product, {"name": " Xoài sấy ", "priority_groups": ["ocop", "export"],
                                                 "ocop_stars": 3})
    product_id = added.data["product_id"]
    assert state(enterprise).products[product_id]["name"] == "Xoài sấy"
    assert state(enterprise).products[product_id]["priority_groups"] == ["export", "ocop"]
    enterprise.do(domain.update_product, product_id, {"name": "Xoài sấy dẻo"})
    assert state(enterprise).products[product_id]["name"] == "Xoài sấy dẻo"
    assert enterprise.do(domain.update_product, product_id, {"name": "Xoài sấy dẻo"}) == []
    enterprise.do(domain.remove_product, product_id)
    assert state(enterprise).products == {}
    with pytest.raises(NotFound):
        enterprise.do(domain.remove_product, product_id)


def test_a_product_in_an_unknown_priority_group_is_refused(enterprise):
    with pytest.raises(domain.InvalidEnterprise):
        enterprise.do(domain.add_product, {"name": "Gạo", "priority_groups": ["galactic"]})


def certification(**overrides):
    return {"standard": "iso_9001", "certificate_number": "QMS-123", "body": "QUACERT",
            "valid_from": date(2022, 6, 1), "valid_to": date(2025, 5, 31), **overrides}


def test_certification_expiry_is_derived_from_its_dates(enterprise):
    [event] = enterprise.do(domain.record_certification, certification())
    held = state(enterprise).certifications[event.data["certification_id"]]
    assert domain.certification_status(held, date(2022, 5, 31)) == "not_yet_valid"
    assert domain.certification_status(held, date(2022, 6, 1)) == "valid"
    assert domain.certification_status(held, date(2025, 5, 31)) == "valid"
    assert domain.certification_status(held, date(2025, 6, 1)) == "expired"
    assert domain.certification_status({**held, "valid_to": None}, date(2040, 1, 1)) == "valid"


def test_a_withdrawn_certification_is_an_event_and_cannot_be_withdrawn_twice(enterprise):
    [event] = enterprise.do(domain.record_certification, certification())
    certification_id = event.data["certification_id"]
    enterprise.do(domain.withdraw_certification, certification_id, withdrawn_on=date(2023, 1, 10), reason="vi phạm")
    held = state(enterprise).certifications[certification_id]
    assert domain.certification_status(held, date(2023, 1, 9)) == "valid"
    assert domain.certification_status(held, date(2023, 1, 10)) == "withdrawn"
    with pytest.raises(domain.RuleViolated):
        enterprise.do(domain.withdraw_certification, certification_id, withdrawn_on=date(2023, 2, 1), reason="x")


def test_a_certification_ending_before_it_starts_is_refused(enterprise):
    with pytest.raises(domain.InvalidEnterprise):
        enterprise.do(domain.record_certification, certification(valid_to=date(2021, 1, 1)))


def test_surveys_keep_scores_by_area_and_needs(enterprise):
    enterprise.do(domain.record_survey, {"surveyed_on": date(2023, 8, 15), "kind": "diagnosis",
                                         "scores": {"leadership": 60, "operations": 45}, "needs": ["5S", "ISO 9001"]})
    [survey] = state(enterprise).surveys
    assert survey["scores"] == {"leadership": 60, "operations": 45} and survey["needs"] == ["5S", "ISO 9001"]
    with pytest.raises(domain.InvalidEnterprise):
        enterprise.do(domain.record_survey, {"surveyed_on": date(2023, 8, 15), "scores": {"astrology": 1}})


# ---- conformity-assessment bodies ---------------------------------------------------------------------
def test_fields_are_added_with_their_date_and_a_duplicate_active_field_is_refused():
    lab = Stream("lab-1")
    lab.do(conformity.register_body, name="Trung tâm Kỹ thuật TĐC", district_code="866",
           registered_on=date(2021, 1, 5))
    [added] = lab.do(conformity.add_field, kind="calibration", name="Hiệu chuẩn cân", added_on=date(2023, 4, 2))
    assert added.occurred_at == "2023-04-02T00:00:00.000Z"
    with pytest.raises(conformity.DuplicateField):
        lab.do(conformity.add_field, kind="calibration", name="hiệu chuẩn CÂN", added_on=date(2024, 1, 1))
    lab.do(conformity.remove_field, added.data["field_id"], removed_on=date(2024, 1, 1), reason="thiết bị hỏng")
    lab.do(conformity.add_field, kind="calibration", name="Hiệu chuẩn cân", added_on=date(2024, 6, 1))
    body = conformity.current_state(lab.history)
    assert sorted(bool(f.get("removed_on")) for f in body.fields.values()) == [False, True]


def test_a_field_for_an_unknown_body_is_not_found():
    with pytest.raises(NotFound):
        conformity.add_field([], kind="testing", name="x", added_on=date(2024, 1, 1))


# ---- units and departments in force at a date -----------------------------------------------------------
@pytest.fixture
def registry(tmp_path) -> Iterator[RegistryService]:
    """The registry on fakes, with the plan's units recorded by the seed."""
    service = bootstrap(offline_settings(tmp_path), store=InMemoryEventStore(), claims=InMemoryUniqueClaims())
    assert seed_reference(service) == len(units.plan_units())
    assert seed_reference(service) == 0  # a second run finds them recorded
    yield service
    service.close()


def test_a_district_abolished_in_2025_resolves_to_its_successor_only_from_that_date(registry):
    handlers.abolish_unit(handlers.AbolishUnit("873", "Bỏ cấp huyện (Nghị quyết 2025)", date(2025, 7, 1), "87"),
                          registry, DOST)
    before = units.resolve("873", date(2025, 6, 30), registry.store.read_stream)
    after = units.resolve("873", date(2025, 7, 1), registry.store.read_stream)
    assert [u.code for u in before] == ["873"] and before[-1].status == "active"
    assert [u.code for u in after] == ["873", "87"] and after[0].status == "abolished"


def test_a_department_merged_and_renamed_resolves_through_the_chain(registry):
    store = registry.store
    handlers.merge_unit(handlers.MergeUnit("DIC", "DOST", date(2025, 3, 1)), registry, DOST)
    handlers.rename_unit(handlers.RenameUnit("DARD", "Sở Nông nghiệp và Môi trường", date(2025, 3, 1)), registry, DOST)
    assert [u.code for u in units.resolve("DIC", date(2025, 3, 1), store.read_stream)] == ["DIC", "DOST"]
    assert units.resolve("DARD", date(2024, 12, 31), store.read_stream)[-1].name.startswith("Sở Nông nghiệp và Phát")
    assert units.resolve("DARD", date(2025, 3, 1), store.read_stream)[-1].name == "Sở Nông nghiệp và Môi trường"


def test_a_unit_no_longer_active_takes_no_more_changes_and_cannot_merge_into_itself(registry):
    with pytest.raises(units.UnitRuleViolated):
        handlers.merge_unit(handlers.MergeUnit("DOF", "DOF", date(2025, 3, 1)), registry, DOST)
    handlers.merge_unit(handlers.MergeUnit("DPI", "DOF", date(2025, 3, 1)), registry, DOST)
    with pytest.raises(units.UnitRuleViolated) as refused:
        handlers.rename_unit(handlers.RenameUnit("DPI", "X", date(2025, 4, 1)), registry, DOST)
    assert refused.value.extra["current_state"] == "merged"


def test_only_the_steward_department_or_an_admin_changes_units(registry):
    with pytest.raises(Forbidden):
        handlers.rename_unit(handlers.RenameUnit("DOF", "Sở Tài chính mới", date(2025, 3, 1)), registry,
                             acting_as("DOF"))
    handlers.rename_unit(handlers.RenameUnit("DOF", "Sở Tài chính mới", date(2025, 3, 1)), registry,
                         acting_as("DOF", "admin"))


def test_a_unit_before_it_was_established_is_marked_so(registry):
    store = registry.store
    handlers.establish_unit(handlers.EstablishUnit("NEW", "Sở mới", "organisation", "department", date(2025, 3, 1)),
                            registry, DOST)
    assert units.as_of(store.read_stream(units.stream_id("NEW")), date(2024, 1, 1)).status == "not_yet_established"
    with pytest.raises(NotFound):
        units.resolve("NOPE", date(2024, 1, 1), store.read_stream)



# ---- a record is placed in the administrative unit in force on its business date ---------------------------
def _register(registry: RegistryService, district_code: str, registered_on: date,
              tax_code: str = "1400123456") -> domain.Enterprise:
    outcome = handlers.register_enterprise(handlers.RegisterEnterprise(tax_code, "Công ty TNHH Sen Hồng",
                                                                       district_code, registered_on), registry, DOST)
    enterprise = domain.current_state(list(outcome.history))
    assert enterprise is not None
    return enterprise


def test_a_district_abolished_in_2025_places_records_until_the_day_before_and_then_names_its_successor(registry):
    handlers.abolish_unit(handlers.AbolishUnit("873", "Bỏ cấp huyện", date(2025, 7, 1), "87"), registry, DOST)
    placed = _register(registry, "873", date(2025, 6, 30))
    assert placed.district_name == "Huyện Cao Lãnh"
    with pytest.raises(UnknownReference) as refused:
        _register(registry, "873", date(2025, 7, 1), tax_code="1400123457")
    assert refused.value.status == 422
    [message] = refused.value.extra["errors"]["district_code"]
    assert "không còn hiệu lực vào ngày 2025-07-01" in message and "'87'" in message


def test_a_commune_of_the_merged_province_places_records_from_the_day_it_takes_effect(registry):
    handlers.establish_unit(handlers.EstablishUnit("28249", "Phường Mỹ Tho", "administrative_unit", "commune",
                                                   date(2025, 7, 1), "87"), registry, DOST)
    with pytest.raises(UnknownReference) as refused:
        _register(registry, "28249", date(2025, 6, 30))
    assert "chưa có hiệu lực" in refused.value.extra["errors"]["district_code"][0]
    placed = _register(registry, "28249", date(2025, 8, 1))
    assert (placed.district_code, placed.district_name) == ("28249", "Phường Mỹ Tho")


def test_a_unit_that_is_no_place_is_refused_naming_the_field(registry):
    for code in ("DOF", "87", "NOPE"):  # a department, the province itself, nothing recorded
        with pytest.raises(UnknownReference) as refused:
            _register(registry, code, date(2024, 1, 1))
        assert set(refused.value.extra["errors"]) == {"district_code"}


def test_an_enterprise_moves_to_a_commune_of_the_new_structure_from_a_date(registry):
    handlers.establish_unit(handlers.EstablishUnit("X-MY-THO-CL", "Xã Mỹ Thọ", "administrative_unit", "commune",
                                                   date(2025, 7, 1), "87"), registry, DOST)
    handlers.abolish_unit(handlers.AbolishUnit("873", "Bỏ cấp huyện", date(2025, 7, 1), "87"), registry, DOST)
    registration = handlers.RegisterEnterprise("1400123456", "HTX Mỹ Thọ", "873", date(2022, 3, 1))
    handlers.register_enterprise(registration, registry, DOST)

    def move(code: str, day: date) -> domain.Enterprise:
        command = handlers.MoveEnterprise(registration.enterprise_id, code, "Sắp xếp đơn vị hành chính 2025", day)
        outcome = handlers.move_enterprise(command, registry, DOST)
        moved = domain.current_state(list(outcome.history))
        assert moved is not None
        return moved
    with pytest.raises(UnknownReference):
        move("X-MY-THO-CL", date(2025, 6, 30))  # the commune is not in force yet
    with pytest.raises(domain.RuleViolated):
        move("866", date(2021, 12, 31))  # before it was registered
    moved = move("X-MY-THO-CL", date(2025, 7, 1))
    assert (moved.district_code, moved.district_name) == ("X-MY-THO-CL", "Xã Mỹ Thọ")
    [event] = registry.store.read_stream(registration.enterprise_id)[-1:]
    assert event.event_type == "EnterpriseMoved" and event.data["moved_on"] == "2025-07-01"
    with pytest.raises(domain.RuleViolated):
        move("X-MY-THO-CL", date(2025, 8, 1))  # already there
