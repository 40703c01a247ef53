"""Administrative units and departments in time, as reporting knows them from the registry's unit events.

A figure can be shown in the units of its period (the unit in force on the business date, following
mergers and abolitions that took effect by then) or mapped to today's successor. Each row maps to exactly
one unit either way, so nothing is counted twice. Pure: built from facts, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contracts import registry as reg

MAX_CHAIN = 10


@dataclass(frozen=True)
class Change:
    effective_from: str
    version: int
    kind: str
    name: str | None = None
    successor_code: str | None = None


@dataclass
class Unit:
    code: str
    name: str
    level: str
    category: str
    parent_code: str | None
    effective_from: str
    changes: list[Change]

    def on(self, day: str) -> tuple[str, str, str | None]:
        """(name, status, successor_code) on a day, by the dates changes take effect."""
        name, status, successor = self.name, "active", None
        if day < self.effective_from:
            return name, "not_yet_established", None
        for change in self.changes:
            if change.effective_from > day:
                break
            if change.kind == reg.ORG_UNIT_RENAMED:
                name = change.name or name
            else:
                status = "merged" if change.kind == reg.ORG_UNIT_MERGED else "abolished"
                successor = change.successor_code
        return name, status, successor


class UnitDirectory:
    def __init__(self, unit_facts: list[dict[str, Any]]) -> None:
        self.units: dict[str, Unit] = {}
        for fact in sorted(unit_facts, key=lambda fact: (fact["stream_id"], fact["version"])):
            data, code = fact["data"], fact["stream_id"].removeprefix(reg.ORG_UNIT_STREAM_PREFIX)
            if fact["event_type"] == reg.ORG_UNIT_ESTABLISHED:
                self.units[code] = Unit(data["code"], data["name"], data["level"], data["category"],
                                        data.get("parent_code"), data["effective_from"], [])
            elif code in self.units:
                self.units[code].changes.append(Change(data["effective_from"], fact["version"], fact["event_type"],
                                                       data.get("name"), data.get("successor_code")))
        for unit in self.units.values():
            unit.changes.sort(key=lambda change: (change.effective_from, change.version))

    def in_force(self, code: str | None, day: str) -> str | None:
        """The unit that holds ``code``'s place on ``day``: itself, or the successor it was merged into."""
        for _ in range(MAX_CHAIN):
            unit = self.units.get(code or "")
            if unit is None:
                return code
            _, status, successor = unit.on(day)
            if status not in ("merged", "abolished") or not successor:
                return code
            code = successor
        return code

    def name(self, code: str | None, day: str) -> str:
        unit = self.units.get(code or "")
        return unit.on(day)[0] if unit else (code or "(không rõ đơn vị)")

    def listing(self, day: str) -> list[dict[str, Any]]:
        rows = []
        for code, unit in sorted(self.units.items()):
            name, status, successor = unit.on(day)
            rows.append({"code": code, "name": name, "level": unit.level, "category": unit.category,
                         "status": status, "successor_code": successor, "parent_code": unit.parent_code})
        return rows
