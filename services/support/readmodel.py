"""The support cases list: one row per case, projected from the service's own store (see shared.projection).

Each row is the whole case as of the event's version, written only if it is newer than the stored row, so a
replayed or redelivered event changes nothing.
"""
from __future__ import annotations

from typing import Any

from services.support import domain
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.projection import project_aggregate
from shared.readmodel import ReadModel

CASES = "cases"
INDEXED_FIELDS = ("support_type", "state", "department", "enterprise_id", "year", "proposed_on")


def row_of(case: domain.Case) -> dict[str, Any]:
    return {
        "enterprise_id": case.enterprise_id, "enterprise_name": case.enterprise_name,
        "district_code": case.district_code, "support_type": case.support_type, "title": case.title,
        "state": case.state, "department": case.proposed_by, "proposed_on": case.proposed_on,
        "year": int(case.proposed_on[:4]), "requested_amount": case.requested_amount,
        "budget": {source: case.budget.get(source, 0) for source in domain.FUNDING_SOURCES},
        "disbursed": {source: case.disbursed.get(source, 0) for source in domain.FUNDING_SOURCES},
        "funding_sources": sorted(source for source, amount in case.budget.items() if amount > 0),
        "outcome": case.outcome,
    }


class CaseReadModel:
    def __init__(self, database: Any, store: EventStore | None = None) -> None:
        self.read_model = ReadModel(database)
        self.collection = database[CASES]
        self.store = store

    def ensure_indexes(self) -> None:
        for name in INDEXED_FIELDS:  # nx-27017 uses single-field indexes only
            self.collection.create_index(name)

    def handle(self, event: Envelope) -> None:
        if event.event_type not in domain.EVENT_LABELS or self.store is None:
            return
        project_aggregate(self.store, self.read_model, CASES, event, domain.current_state, row_of)

    def page(self, filters: dict[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        match: dict[str, Any] = {}
        for field, name in (("support_type", "type"), ("state", "state"), ("department", "department"),
                            ("enterprise_id", "enterprise_id"), ("year", "year")):
            if filters.get(name) is not None:
                match[field] = filters[name]
        if filters.get("funding_source"):
            match[f"budget.{filters['funding_source']}"] = {"$gt": 0}
        return self.read_model.page(CASES, match, [("proposed_on", -1)], skip, limit)
