"""The counts the projector keeps answer today's figures exactly as the evaluator does from the rows.

Rows are generated (several indicators, keys counted more than once, voids with and without a date, units
merged mid-phase), summarized shard by shard as the projector does, and every period, unit and structure is
compared with ``evaluate`` (its list of contributors left aside).
"""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.evaluator import Cut, evaluate
from services.reporting.indicators import BY_CODE, INDICATORS, Period
from services.reporting.tallies import (
    SHARDS,
    added,
    answer,
    answerable,
    from_document,
    shard_of,
    summarize,
    to_document,
)
from shared.contracts import registry as reg
from shared.units import UnitDirectory

TODAY = date(2027, 3, 15)
UNIT_CODES = ("866", "867", "X1", "DOST", None)
PERIODS = ("2021-2025", "2026-2030", "2022", "2025", "2026")


def unit(code: str, level: str, *changes: tuple[str, str, str | None]) -> list[dict]:
    stream = f"{reg.ORG_UNIT_STREAM_PREFIX}{code}"
    facts = [{"stream_id": stream, "version": 1, "event_type": reg.ORG_UNIT_ESTABLISHED,
              "data": {"code": code, "name": f"Đơn vị {code}", "category": "administrative_unit", "level": level,
                       "effective_from": "2021-01-01"}}]
    for version, (kind, effective_from, successor) in enumerate(changes, start=2):
        facts.append({"stream_id": stream, "version": version, "event_type": kind,
                      "data": {"effective_from": effective_from, "successor_code": successor, "reason": "2025"}})
    return facts


UNITS = UnitDirectory([
    *unit("866", "district", (reg.ORG_UNIT_MERGED, "2025-07-01", "X1")),
    *unit("867", "district", (reg.ORG_UNIT_MERGED, "2025-07-01", "X1")),
    *unit("X1", "commune"),
])

days = st.dates(date(2021, 1, 1), date(2027, 12, 31)).map(date.isoformat)
voids = st.lists(st.fixed_dictionaries({"event_id": st.just("v"), "position": st.just(1),
                                        "recorded_at": st.just("2024-01-01T00:00:00.000Z"),
                                        "effective": st.one_of(st.none(), days)}), max_size=1)
row_parts = st.tuples(st.sampled_from([indicator.code for indicator in INDICATORS]),
                      st.sampled_from(["e1", "e2", "e3", "e4", "c1"]), days, st.sampled_from(UNIT_CODES), voids)


def rows_of(parts: list[tuple]) -> list[dict]:
    return [{"_id": f"{code}:s{number}", "indicator": code, "stream_id": f"s{number}", "service": "registry",
             "key": key, "label": key, "date": day, "unit_code": unit_code,
             "known": {"event_id": f"k{number}", "position": number, "recorded_at": "2024-01-01T00:00:00.000Z"},
             "revoked": revoked, "extra": {}}
            for number, (code, key, day, unit_code, revoked) in enumerate(parts, start=1)]


def without_contributors(result: dict) -> dict:
    return {name: value for name, value in result.items() if name != "contributors"}


@settings(max_examples=150, deadline=None)
@given(st.lists(row_parts, max_size=40))
def test_kept_counts_give_the_evaluators_figures_for_every_period_unit_and_structure(parts):
    rows = rows_of(parts)
    by_shard: dict[int, list[dict]] = {}
    for row in rows:
        by_shard.setdefault(shard_of(row["key"]), []).append(row)
    # Summaries go through the stored form and are added shard by shard, as the projector keeps them.
    entries, filtered = added(from_document(to_document(*summarize(shard_rows, UNITS)))
                              for shard_rows in by_shard.values())
    cut = Cut(today=TODAY)
    for label in PERIODS:
        period = Period.parse(label)
        for structure in ("period", "current"):
            for asked in (None, "866", "X1", "DOST"):
                if not answerable(asked, structure):
                    continue
                for indicator in INDICATORS:
                    expected = without_contributors(evaluate(indicator, rows, period, cut, UNITS, asked, structure))
                    kept = answer(indicator, period, TODAY, UNITS, entries, filtered, asked, structure)
                    assert kept == expected, (label, structure, asked, indicator.code)


def test_a_unit_under_todays_structure_is_left_to_the_rows():
    assert answerable(None, "current") and answerable("X1", "period")
    assert not answerable("X1", "current")  # two former districts of one commune would count an enterprise twice


def test_an_enterprise_counted_in_a_year_once_whatever_brought_it_and_a_void_dated_later_does_not_undo_a_year():
    rows = rows_of([
        ("I3", "e1", "2022-03-01", "866", []),
        ("I3", "e1", "2022-09-01", "867", []),  # the same enterprise, another course: counted once in 2022
        ("I3", "e1", "2023-02-01", "866", [{"event_id": "v", "position": 9, "recorded_at": "x",
                                           "effective": "2024-01-01"}]),  # removed after 2023: 2023 keeps it
        ("I3", "e2", "2023-05-01", "866", [{"event_id": "v", "position": 9, "recorded_at": "x",
                                           "effective": None}]),  # cancelled: never counts
    ])
    entries, filtered = summarize(rows, UNITS)
    result = answer(BY_CODE["I3"], Period.parse("2021-2025"), TODAY, UNITS, entries, filtered)
    assert result["value"] == 2
    assert {item["year"]: item["value"] for item in result["by_year"]} == {2021: 0, 2022: 1, 2023: 1, 2024: 0,
                                                                             2025: 0}
    in_867 = answer(BY_CODE["I3"], Period.parse("2022"), TODAY, UNITS, entries, filtered, unit="867")
    assert in_867["value"] == 1 and in_867["by_unit"][0]["code"] == "867"


def test_keys_spread_over_every_shard():
    shards = {shard_of(f"ent-{number}") for number in range(60_000)}
    assert len(shards) == SHARDS
