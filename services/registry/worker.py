"""The registry's background worker: its read models, projected from its own event store."""
from __future__ import annotations

from services.registry.readmodel import RegistryReadModel
from shared.config import Settings, database_for
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect
from shared.projection import StoreProjection
from shared.worker import run_loops

SERVICE = "registry"


def main() -> None:
    settings = Settings.from_env()
    database = connect(settings.mongo_url)[database_for(SERVICE)]
    projection = StoreProjection("registry-read-model", MongoEventStore(database), database,
                                 RegistryReadModel(database).handle)
    run_loops(SERVICE, {"read-model": projection.run})


if __name__ == "__main__":
    main()
