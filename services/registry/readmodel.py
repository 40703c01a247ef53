"""The registry's own read models, projected from its event store (see shared.projection).

Each effect writes the whole current state of one aggregate, guarded by its version: replaying, or
rebuilding from position 0, gives the same documents.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from services.registry import conformity, domain, local_standards, units
from shared.directory import unit_fact
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.projection import project_aggregate
from shared.readmodel import ReadModel
from shared.units import KnownUnits

ENTERPRISES = "enterprises"
CONFORMITY_BODIES = "conformity_bodies"
UNITS = "org_units"
LOCAL_STANDARDS = "local_standards"
OPEN_ENDED = "9999-12-31"


def searchable(text: str) -> str:
    """Lower case without diacritics ('Đồng Tháp' → 'dong thap'), so a search need not type the accents."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return re.sub(r"\s+", " ", "".join(c for c in decomposed if not unicodedata.combining(c))).strip().lower()


class RegistryReadModel:
    def __init__(self, database: Any, store: EventStore, units: KnownUnits) -> None:
        self.read_model = ReadModel(database)
        self.store = store
        self.known_units = units  # the unit events, as every service keeps them for its permission checks

    def handle(self, event: Envelope) -> None:
        if event.event_type in domain.EVENT_LABELS:
            project_aggregate(self.store, self.read_model, ENTERPRISES, event, domain.current_state, enterprise_row)
        elif event.event_type in conformity.EVENT_LABELS:
            project_aggregate(self.store, self.read_model, CONFORMITY_BODIES, event, conformity.current_state,
                              body_row)
        elif event.event_type in local_standards.EVENT_LABELS:
            project_aggregate(self.store, self.read_model, LOCAL_STANDARDS, event, local_standards.current_state,
                              local_standard_row)
        elif event.event_type in units.EVENT_LABELS:
            history = self.store.read_stream(event.stream_id, to_version=event.version)
            first = history[0].data
            self.read_model.replace_versioned(UNITS, event.stream_id, event.version, {
                "code": first["code"], "category": first["category"], "level": first["level"],
                "history": [item.to_dict() for item in history]})
            self.known_units.record(unit_fact(event))

    def page(self, collection: str, match: dict[str, Any], sort: list[tuple[str, int]], skip: int,
             limit: int) -> tuple[list[dict[str, Any]], int]:
        return self.read_model.page(collection, match, sort, skip, limit)

    def units(self, match: dict[str, Any]) -> list[list[Envelope]]:
        """Each unit's history (as the read model keeps it), in code order."""
        rows = self.read_model.database[UNITS].find(match).sort("code", 1)
        return [[Envelope.from_dict(item) for item in row["history"]] for row in rows]


def enterprise_row(enterprise: domain.Enterprise) -> dict[str, Any]:
    return {
        "tax_code": enterprise.tax_code, "name": enterprise.name,
        "search": f"{searchable(enterprise.name)} {enterprise.tax_code}", "sort_name": searchable(enterprise.name),
        "district_code": enterprise.district_code, "district_name": enterprise.district_name,
        "commune": enterprise.commune, "ownership": enterprise.ownership, "size_class": enterprise.size_class,
        "industry_code": enterprise.industry_code, "status": enterprise.status,
        "registered_on": enterprise.registered_on, "closed_on": enterprise.closed_on,
        "priority_groups": sorted(enterprise.priority_groups),
        "certifications": [{"standard": c["standard"], "valid_from": c["valid_from"],
                            "valid_to": c.get("valid_to") or OPEN_ENDED, "withdrawn": bool(c.get("withdrawn_on"))}
                           for c in enterprise.certifications.values()],
        "products_count": len(enterprise.products), "surveys_count": len(enterprise.surveys),
    }


def body_row(body: conformity.ConformityBody) -> dict[str, Any]:
    active = [f for f in body.fields.values() if not f.get("removed_on")]
    return {"name": body.name, "district_code": body.district_code, "enterprise_id": body.enterprise_id,
            "registered_on": body.registered_on, "fields": list(body.fields.values()),
            "active_kinds": sorted({f["kind"] for f in active})}


def local_standard_row(document: local_standards.LocalStandard) -> dict[str, Any]:
    return {**{name: getattr(document, name) for name in local_standards.LocalStandard.__dataclass_fields__
               if name != "id"},
            "issued_year": int(document.issued_on[:4]) if document.issued_on else None,
            "sort_code": searchable(document.code)}


def valid_standards(row: dict[str, Any], on: date) -> list[str]:
    day = on.isoformat()
    return sorted({c["standard"] for c in row.get("certifications", [])
                   if not c["withdrawn"] and c["valid_from"] <= day <= c["valid_to"]})


def enterprise_filter(query: dict[str, Any], on: date) -> dict[str, Any]:
    match: dict[str, Any] = {key: query[key] for key in ("district_code", "ownership", "size_class", "status")
                             if query.get(key)}
    if query.get("priority_group"):
        match["priority_groups"] = query["priority_group"]
    if query.get("standard"):
        day = on.isoformat()
        match["certifications"] = {"$elemMatch": {"standard": query["standard"], "withdrawn": False,
                                                  "valid_from": {"$lte": day}, "valid_to": {"$gte": day}}}
    if query.get("q"):
        match["search"] = {"$regex": re.escape(searchable(query["q"]))}
    return match


SORTS = {"name": "sort_name", "tax_code": "tax_code", "registered_on": "registered_on"}


def enterprise_sort(sort: str) -> list[tuple[str, int]]:
    return [(SORTS[sort.lstrip("-")], -1 if sort.startswith("-") else 1)]
