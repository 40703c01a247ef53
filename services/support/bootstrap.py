"""Everything the support service needs, built in one place for its app, its worker, its relay and the tests."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.support.readmodel import CaseReadModel
from shared.bootstrap import WriteService, write_service
from shared.config import Settings
from shared.directory import EnterpriseDirectory, KnownEnterprises
from shared.envelope import Upcasters
from shared.eventstore import EventStore

SERVICE = "support"
UPCASTERS = Upcasters()  # schema_version n → n+1 of support's events: @UPCASTERS.register(type, n)


@dataclass
class SupportService(WriteService):
    known_enterprises: KnownEnterprises
    cases: CaseReadModel


def bootstrap(settings: Settings | None = None, *, database: Any = None, store: EventStore | None = None,
              known_enterprises: KnownEnterprises | None = None) -> SupportService:
    base = write_service(SERVICE, settings, UPCASTERS, database=database, store=store)
    return SupportService(**base.base(), known_enterprises=known_enterprises or EnterpriseDirectory(base.database),
                          cases=CaseReadModel(base.database, base.store))
