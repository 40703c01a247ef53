"""Reference data of the plan, recorded once as events: the province, its districts, departments, committees."""
from __future__ import annotations

from services.registry import handlers, units
from services.registry.bootstrap import RegistryService
from shared.auth import Principal
from shared.commands import CommandContext
from shared.eventstore import ConcurrencyError

SEED_ACTOR = Principal(subject="system:seed", department="DOST", role="admin")


def seed_reference(service: RegistryService) -> int:
    """Establishes every unit of the plan not yet recorded; returns how many it recorded now."""
    recorded = 0
    for unit in units.plan_units():
        stream = units.stream_id(unit["code"])
        if service.store.stream_version(stream):
            continue
        context = CommandContext(SEED_ACTOR, correlation_id="seed-plan-2021", idempotency_key=f"seed:{stream}")
        try:
            outcome = handlers.establish_unit(handlers.EstablishUnit(**unit, effective_from=units.PLAN_DATE),
                                              service, context)
            recorded += 0 if outcome.replayed else 1
        except ConcurrencyError:
            continue  # another worker seeded it meanwhile
    return recorded
