"""The registry's background worker: records the plan's reference data once, then keeps the read models."""
from __future__ import annotations

import logging

from services.registry.readmodel import RegistryReadModel
from services.registry.seed import seed_reference
from shared.config import Settings, database_for
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect
from shared.projection import StoreProjection
from shared.worker import run_loops

SERVICE = "registry"
log = logging.getLogger("nscl.registry.worker")


def main() -> None:
    settings = Settings.from_env()
    database = connect(settings.mongo_url)[database_for(SERVICE)]
    store = MongoEventStore(database)

    def read_models(stop):
        log.info("reference data: %d units recorded now", seed_reference(store))
        StoreProjection("registry-read-model", store, database, RegistryReadModel(database, store).handle).run(stop)

    run_loops(SERVICE, {"read-model": read_models})


if __name__ == "__main__":
    main()
