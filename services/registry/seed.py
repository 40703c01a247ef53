"""Reference data of the plan, recorded once as events: the province, its districts, departments, committees."""
from __future__ import annotations

from services.registry import units
from shared.eventstore import ConcurrencyError, EventStore, Metadata

SEED_ACTOR = Metadata(actor="system:seed", department="DOST", correlation_id="seed-plan-2021")


def seed_reference(store: EventStore) -> int:
    """Establishes every unit of the plan not yet recorded; returns how many it recorded now."""
    recorded = 0
    for unit in units.plan_units():
        stream = units.stream_id(unit["code"])
        if store.stream_version(stream):
            continue
        events = units.establish([], effective_from=units.PLAN_DATE, **unit)
        try:
            result = store.append(stream, 0, events, SEED_ACTOR, idempotency_key=f"seed:{stream}")
            recorded += 0 if result.replayed else 1
        except ConcurrencyError:
            continue  # another worker seeded it meanwhile
    return recorded
