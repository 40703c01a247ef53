"""Everything the registry needs, built in one place for its app, its worker, its relay and the tests."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.registry.readmodel import RegistryReadModel
from shared.bootstrap import WriteService, write_service
from shared.claims import MongoUniqueClaims, UniqueClaims
from shared.config import Settings
from shared.envelope import Upcasters
from shared.eventstore import EventStore

SERVICE = "registry"
TAX_CODE_CLAIMS = "tax_code_claims"
UPCASTERS = Upcasters()  # schema_version n → n+1 of the registry's events: @UPCASTERS.register(type, n)


@dataclass
class RegistryService(WriteService):
    claims: UniqueClaims
    read_model: RegistryReadModel


def bootstrap(settings: Settings | None = None, *, database: Any = None, store: EventStore | None = None,
              claims: UniqueClaims | None = None) -> RegistryService:
    base = write_service(SERVICE, settings, UPCASTERS, database=database, store=store)
    return RegistryService(**base.base(), claims=claims or MongoUniqueClaims(base.database[TAX_CODE_CLAIMS]),
                           read_model=RegistryReadModel(base.database, base.store, base.units))
