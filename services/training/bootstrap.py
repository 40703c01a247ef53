"""Everything the training service needs, built in one place for its app, its worker, its relay and the tests."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.training.readmodel import TrainingProjection, TrainingQueries
from shared.bootstrap import WriteService, write_service
from shared.claims import MongoUniqueClaims, UniqueClaims
from shared.config import Settings
from shared.directory import EnterpriseDirectory, KnownEnterprises
from shared.envelope import Upcasters
from shared.eventstore import EventStore

SERVICE = "training"
CERTIFICATE_IDS = "certificate_public_ids"  # public id → expert id (shared.claims), for the public verification
UPCASTERS = Upcasters()  # schema_version n → n+1 of training's events: @UPCASTERS.register(type, n)


@dataclass
class TrainingService(WriteService):
    known_enterprises: KnownEnterprises
    queries: TrainingQueries
    projection: TrainingProjection
    certificate_ids: UniqueClaims

    @property
    def person_key_secret(self) -> bytes:
        """The key of people's identities (settings ``NSCL_PERSON_KEY_SECRET``); commands about people need it."""
        if not self.settings.person_key_secret:
            raise RuntimeError("no person key secret: set NSCL_PERSON_KEY_SECRET (the launcher generates one)")
        return self.settings.person_key_secret.encode("utf-8")


def bootstrap(settings: Settings | None = None, *, database: Any = None, store: EventStore | None = None,
              known_enterprises: KnownEnterprises | None = None,
              certificate_ids: UniqueClaims | None = None) -> TrainingService:
    base = write_service(SERVICE, settings, UPCASTERS, database=database, store=store)
    return TrainingService(**base.base(), known_enterprises=known_enterprises or EnterpriseDirectory(base.database),
                           queries=TrainingQueries(base.database),
                           projection=TrainingProjection(base.database, base.store),
                           certificate_ids=certificate_ids or MongoUniqueClaims(base.database[CERTIFICATE_IDS]))
