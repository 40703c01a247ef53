"""Administrative units and departments in time, as every service knows them from the registry's unit events.

Reporting shows a figure in the units of its period (the unit in force on the business date, following
mergers and abolitions that took effect by then) or mapped to today's successor; each row maps to exactly
one unit either way, so nothing is counted twice. The write services ask who may write on a date: a
department merged or abolished by then may not (``ended``), and a department holds the rights and records of
those merged into it (``predecessors``). Pure: built from unit facts (stream_id, version, event_type, data),
no I/O; ``KnownUnits`` is where a service keeps them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.contracts import registry as reg
from shared.errors import DomainError

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

    def ended_on(self) -> str | None:
        """The day it was merged or abolished, if it was."""
        return next((change.effective_from for change in self.changes if change.kind != reg.ORG_UNIT_RENAMED), None)

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

    def ended(self, code: str, day: str) -> tuple[str, str | None] | None:
        """(status, the unit now in its place) when ``code`` was merged or abolished by ``day``; None while it is in
        force, or when the registry never recorded it (the plan's codes are recorded by the registry's seed)."""
        unit = self.units.get(code)
        if unit is None:
            return None
        _, status, _ = unit.on(day)
        if status not in ("merged", "abolished"):
            return None
        successor = self.in_force(code, day)
        return status, successor if successor != code else None

    def predecessors(self, code: str, day: str) -> frozenset[str]:
        """Every unit merged into ``code`` (or abolished naming it as successor) by ``day``, through any chain:
        their rights and records are ``code``'s from then on."""
        found = {other for other in self.units if other != code and self.in_force(other, day) == code
                 and self.units[other].on(day)[1] in ("merged", "abolished")}
        return frozenset(found)


class UnitNotInForce(DomainError):
    status = 403
    slug = "unit-not-in-force"
    title = "Đơn vị không còn hoạt động vào ngày ghi nhận"


def check_may_write(units: UnitDirectory, department: str, days: Iterable[str]) -> None:
    """A department merged or abolished before a command's business date may not record it (a merged department's
    successor does, with the predecessor's rights); raises UnitNotInForce naming the successor."""
    for day in sorted(set(days)):
        ended = units.ended(department, day)
        if ended is None:
            continue
        status, successor = ended
        since = units.units[department].ended_on() or day
        ended_how = f"đã sáp nhập từ ngày {since}" if status == "merged" else f"đã giải thể từ ngày {since}"
        who = (f"; việc có ngày {day} do đơn vị tiếp nhận '{successor}' ({units.name(successor, day)}) ghi nhận"
               if successor else f": không ghi nhận được việc có ngày {day}")
        raise UnitNotInForce(f"Đơn vị '{department}' {ended_how}{who}.", department=department, ended_on=since,
                             successor_code=successor)


class KnownUnits(ABC):
    """The units a service knows from the registry's unit events (a unit-test fake subclasses this)."""

    @abstractmethod
    def record(self, fact: dict[str, Any]) -> None:
        """Keeps one unit event (stream_id, version, event_type, data); a redelivered one changes nothing."""

    @abstractmethod
    def directory(self) -> UnitDirectory:
        """Every unit known now."""
