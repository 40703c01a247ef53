"""The indicator evaluator: pure. Given an indicator's contribution rows, a period and a cut (what the
system knew), it computes the value, targets, status, breakdowns and the list of what was counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.reporting.indicators import Indicator, Period
from shared.units import UnitDirectory

STRUCTURES = ("period", "current")


@dataclass(frozen=True)
class Cut:
    """What the system knew: everything recorded by ``as_of`` (system time), or, for an issued report,
    everything at or below a position of each service's log. ``today`` is the day the figures speak for."""

    today: date
    as_of: str | None = None
    positions: dict[str, int] | None = field(default=None)

    def knows(self, stamp: dict[str, Any], service: str) -> bool:
        if self.positions is not None:
            return stamp["position"] <= self.positions.get(service, 0)
        return self.as_of is None or stamp["recorded_at"] <= self.as_of


def counts(row: dict[str, Any], cut: Cut, last_day: str) -> bool:
    """Known by the cut, and not voided by a cancellation or a removal dated by ``last_day`` known by then."""
    if not cut.knows(row["known"], row["service"]):
        return False
    return not any(
        cut.knows(void, row["service"]) and (void.get("effective") is None or void["effective"] <= last_day)
        for void in row.get("revoked", [])
    )


def status_of(target_min: int | None, value: int, period: Period, today: date) -> tuple[str, float | None]:
    if target_min is None:
        return "no_target", None
    if today < period.start:
        return "not_started", 0.0
    total = (period.end - period.start).days + 1
    elapsed = min((today - period.start).days + 1, total)
    expected = round(target_min * elapsed / total, 2)
    if today > period.end:
        return ("achieved" if value >= target_min else "not_achieved"), expected
    if value >= expected:
        return "on_track", expected
    return ("at_risk" if value >= 0.8 * expected else "behind"), expected


def evaluate(
    indicator: Indicator,
    rows: list[dict[str, Any]],
    period: Period,
    cut: Cut,
    units: UnitDirectory,
    unit: str | None = None,
    structure: str = "period",
) -> dict[str, Any]:
    today_text = cut.today.isoformat()

    def unit_of(row: dict[str, Any]) -> str | None:
        return units.in_force(row.get("unit_code"), row["date"] if structure == "period" else today_text)

    slices = slices_of(indicator, period)
    counted: dict[str, dict[str, dict[str, Any]]] = {label: {} for label, _, _ in slices}
    own = [row for row in rows if row["indicator"] == indicator.code]
    for row in sorted(own, key=lambda row: (row["date"], row["_id"])):
        for label, first, last in slices:
            if first <= row["date"] <= last and counts(row, cut, last):
                mapped = unit_of(row)
                if unit is None or mapped == unit:
                    counted[label].setdefault(row["key"], {**row, "mapped_unit": mapped})
    by_year = {year: 0 for year in period.years}
    by_unit: dict[str | None, int] = {}
    contributors = []
    for keys in counted.values():
        for key, row in keys.items():
            by_year[int(row["date"][:4])] += 1
            by_unit[row["mapped_unit"]] = by_unit.get(row["mapped_unit"], 0) + 1
            contributors.append(
                {
                    "id": key,
                    "label": row["label"],
                    "date": row["date"],
                    "service": row["service"],
                    "stream_id": row["stream_id"],
                    "unit": row["mapped_unit"],
                }
            )
    return {
        **summary(indicator, period, cut.today, units, by_year, by_unit),
        "contributors": sorted(contributors, key=lambda item: (item["date"], item["id"])),
    }


def slices_of(indicator: Indicator, period: Period) -> list[tuple[str, str, str]]:
    """The spans whose units are counted distinctly, (label, first day, last day): the years of a yearly
    indicator, else the period itself."""
    if indicator.yearly:
        return [(str(year), f"{year}-01-01", f"{year}-12-31") for year in period.years]
    return [(period.label, period.start.isoformat(), period.end.isoformat())]


def summary(
    indicator: Indicator,
    period: Period,
    today: date,
    units: UnitDirectory,
    by_year: dict[int, int],
    by_unit: dict[str | None, int],
) -> dict[str, Any]:
    """An indicator's answer from its counts per year and per unit: value, targets, status and the breakdowns."""
    today_text = today.isoformat()
    value = sum(by_year.values())
    low, high = (
        indicator.targets(period.phase, len(period.years))
        if (indicator.yearly or period.label == period.phase)
        else (None, None)
    )
    status, expected = status_of(low, value, period, today)
    yearly_target = indicator.targets(period.phase, 1)[0] if indicator.yearly else None
    return {
        "code": indicator.code,
        "name": indicator.name,
        "name_en": indicator.name_en,
        "owner": indicator.owner,
        "unit_label": indicator.counts,
        "period": period.label,
        "value": value,
        "target_min": low,
        "target_max": high,
        "status": status,
        "expected_to_date": expected,
        "percent_achieved": round(100 * value / low, 1) if low else None,
        "baseline": indicator.baseline.__dict__ if indicator.baseline else None,
        "by_year": [{"year": year, "value": count, "target_min": yearly_target} for year, count in by_year.items()],
        "by_unit": sorted(
            ({"code": code, "name": units.name(code, today_text), "value": count} for code, count in by_unit.items()),
            key=lambda item: (-item["value"], item["code"] or ""),
        ),
    }
