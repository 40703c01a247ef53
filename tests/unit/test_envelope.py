from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.envelope import (
    GENESIS_HASH,
    HASHED_FIELDS,
    Envelope,
    Upcasters,
    business_time,
    canonical_json,
    format_instant,
)

HANOI = timezone(timedelta(hours=7))


def make_envelope(**overrides) -> Envelope:
    fields: dict[str, Any] = dict(
        event_id="6f1c0a52-0c1e-4d55-9a0b-6f0d1f3b2a11", event_type="EnterpriseRegistered",
        schema_version=1, stream_id="ent-1", version=1, position=1,
        occurred_at="2024-03-01T00:00:00.000Z", recorded_at="2024-03-02T08:15:30.123Z",
        actor="dost-clerk", department="DOST", correlation_id="corr-1", causation_id=None,
        data={"tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng Đồng Tháp"},
        prev_hash=GENESIS_HASH,
    )
    fields.update(overrides)
    return Envelope(**fields).sealed()


# ---- format_instant / business_time -------------------------------------------------------------------
def test_format_instant_is_utc_with_milliseconds_and_z():
    moment = datetime(2024, 3, 1, 14, 5, 9, 987654, tzinfo=HANOI)
    assert format_instant(moment) == "2024-03-01T07:05:09.987Z"


def test_format_instant_pads_milliseconds_to_three_digits():
    assert format_instant(datetime(2024, 1, 2, 3, 4, 5, 7000, tzinfo=UTC)) == "2024-01-02T03:04:05.007Z"
    assert format_instant(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05.000Z"


def test_format_instant_crosses_the_date_line_when_converting_to_utc():
    assert format_instant(datetime(2024, 1, 1, 3, 0, tzinfo=HANOI)) == "2023-12-31T20:00:00.000Z"


def test_format_instant_rejects_a_naive_datetime():
    with pytest.raises(ValueError):
        format_instant(datetime(2024, 3, 1, 12, 0))


def test_business_time_of_a_date_is_the_start_of_that_day_utc():
    assert business_time(date(2024, 3, 1)) == "2024-03-01T00:00:00.000Z"


def test_business_time_of_an_aware_datetime_is_its_utc_instant():
    assert business_time(datetime(2024, 3, 1, 9, 30, tzinfo=HANOI)) == "2024-03-01T02:30:00.000Z"


def test_business_time_accepts_date_and_instant_strings():
    assert business_time("2024-03-01") == "2024-03-01T00:00:00.000Z"
    assert business_time("2024-03-01T09:30:00.250+07:00") == "2024-03-01T02:30:00.250Z"
    assert business_time("2024-03-01T02:30:00Z") == "2024-03-01T02:30:00.000Z"


def test_business_time_rejects_a_naive_datetime():
    with pytest.raises(ValueError):
        business_time(datetime(2024, 3, 1, 9, 30))
    with pytest.raises(ValueError):
        business_time("2024-03-01T09:30:00")


def test_formatted_instants_sort_as_they_read():
    earlier = format_instant(datetime(2024, 3, 1, 23, 59, 59, 999000, tzinfo=UTC))
    later = format_instant(datetime(2024, 3, 2, 0, 0, 0, 0, tzinfo=UTC))
    assert earlier < later


# ---- canonical_json -----------------------------------------------------------------------------------
def test_canonical_json_ignores_key_order():
    first = {"b": 1, "a": {"y": [1, 2], "x": None}}
    second = {"a": {"x": None, "y": [1, 2]}, "b": 1}
    assert canonical_json(first) == canonical_json(second)


def test_canonical_json_is_compact_and_sorted():
    assert canonical_json({"b": 1, "a": [1, 2]}) == b'{"a":[1,2],"b":1}'


def test_canonical_json_keeps_vietnamese_text_as_utf8():
    encoded = canonical_json({"name": "Huyện Tháp Mười"})
    assert encoded == '{"name":"Huyện Tháp Mười"}'.encode()
    assert b"\\u" not in encoded


def test_canonical_json_keeps_list_order():
    assert canonical_json([2, 1]) != canonical_json([1, 2])


# ---- hashing ------------------------------------------------------------------------------------------
def test_sealed_envelope_carries_its_computed_hash():
    envelope = make_envelope()
    assert len(envelope.hash) == 64
    assert envelope.hash == envelope.compute_hash()


def test_hash_ignores_key_order_in_data():
    first = make_envelope(data={"a": 1, "b": 2})
    second = make_envelope(data={"b": 2, "a": 1})
    assert first.hash == second.hash


CHANGED_VALUES = {
    "event_id": "00000000-0000-0000-0000-000000000000",
    "event_type": "EnterpriseProfileUpdated",
    "schema_version": 2,
    "stream_id": "ent-2",
    "version": 2,
    "position": 2,
    "occurred_at": "2024-03-01T00:00:00.001Z",
    "recorded_at": "2024-03-02T08:15:30.124Z",
    "actor": "dpi-clerk",
    "department": "DPI",
    "correlation_id": "corr-2",
    "causation_id": "cause-1",
    "data": {"tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng Đồng Tháp."},
    "prev_hash": "f" * 64,
}


def test_every_hashed_field_has_a_changed_value_under_test():
    assert set(CHANGED_VALUES) == set(HASHED_FIELDS)


@pytest.mark.parametrize("field", HASHED_FIELDS)
def test_compute_hash_changes_when_a_hashed_field_changes(field):
    original = make_envelope()
    assert getattr(original, field) != CHANGED_VALUES[field]
    changed = replace(original, **{field: CHANGED_VALUES[field]})
    assert changed.compute_hash() != original.hash


def test_compute_hash_does_not_depend_on_the_stored_hash():
    original = make_envelope()
    assert replace(original, hash="0" * 64).compute_hash() == original.hash


# ---- JSON round trip ----------------------------------------------------------------------------------
def test_to_json_from_json_round_trip():
    original = make_envelope(causation_id="cause-7", data={"nested": {"list": [1, "hai", None]}, "tên": "Sa Đéc"})
    restored = Envelope.from_json(original.to_json())
    assert restored == original
    assert restored.compute_hash() == restored.hash


def test_to_json_is_canonical():
    envelope = make_envelope()
    assert envelope.to_json() == canonical_json(envelope.to_dict())


def test_from_json_rejects_a_payload_without_a_hash():
    raw = make_envelope().to_dict()
    del raw["hash"]
    with pytest.raises(KeyError):
        Envelope.from_dict(raw)


# ---- upcasters ----------------------------------------------------------------------------------------
def three_step_upcasters(calls: list[str]) -> Upcasters:
    upcasters = Upcasters()

    @upcasters.register("EnterpriseRegistered", 1)
    def v1_to_v2(data):
        calls.append("v1->v2")
        data["district_code"] = data.pop("district")
        return data

    @upcasters.register("EnterpriseRegistered", 2)
    def v2_to_v3(data):
        calls.append("v2->v3")
        data["district_name"] = {"866": "Thành phố Cao Lãnh"}[data["district_code"]]
        return data

    return upcasters


def test_upcasters_apply_the_chain_in_order_up_to_the_latest_version():
    calls: list[str] = []
    upcasters = three_step_upcasters(calls)
    old = make_envelope(data={"name": "Sen Hồng", "district": "866"})

    upcast = upcasters.upcast(old)

    assert calls == ["v1->v2", "v2->v3"]
    assert upcast.schema_version == 3
    assert upcast.data == {"name": "Sen Hồng", "district_code": "866", "district_name": "Thành phố Cao Lãnh"}


def test_upcasters_start_from_the_stored_version():
    calls: list[str] = []
    upcasters = three_step_upcasters(calls)
    middle = make_envelope(schema_version=2, data={"district_code": "866"})

    upcast = upcasters.upcast(middle)

    assert calls == ["v2->v3"]
    assert upcast.schema_version == 3


def test_upcasters_leave_unknown_event_types_untouched():
    calls: list[str] = []
    upcasters = three_step_upcasters(calls)
    other = make_envelope(event_type="TrainingCourseOpened", data={"district": "866"})

    assert upcasters.upcast(other) == other
    assert calls == []


def test_upcasters_leave_events_already_at_the_latest_version_untouched():
    calls: list[str] = []
    upcasters = three_step_upcasters(calls)
    latest = make_envelope(schema_version=3, data={"district_code": "866"})

    assert upcasters.upcast(latest) == latest
    assert calls == []


def test_upcasting_does_not_mutate_the_stored_data():
    upcasters = three_step_upcasters([])
    stored_data = {"name": "Sen Hồng", "district": "866"}
    old = make_envelope(data=stored_data)
    snapshot = copy.deepcopy(stored_data)

    upcasters.upcast(old)

    assert stored_data == snapshot
    assert old.data == snapshot
    assert old.schema_version == 1
    assert old.compute_hash() == old.hash


def test_an_upcaster_changing_nested_data_leaves_the_stored_envelope_intact():
    upcasters = Upcasters()

    @upcasters.register("EnterpriseRegistered", 1)
    def rename_nested(data):
        data["address"]["district"] = "Huyện Tam Nông"
        return data

    old = make_envelope(data={"address": {"district": "871"}})
    assert upcasters.upcast(old).data["address"]["district"] == "Huyện Tam Nông"
    assert old.data == {"address": {"district": "871"}} and old.compute_hash() == old.hash
