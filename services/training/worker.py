"""The training service's background worker: the enterprises it knows (from registry events) and its own
read models (projected from its own event store)."""
from __future__ import annotations

from services.training.readmodel import TrainingProjection
from shared.config import Settings, database_for
from shared.directory import directory_loop
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect
from shared.projection import StoreProjection
from shared.worker import run_loops

SERVICE = "training"


def main() -> None:
    settings = Settings.from_env()
    database = connect(settings.mongo_url)[database_for(SERVICE)]
    store = MongoEventStore(database)
    projection = StoreProjection("training-read-model", store, database, TrainingProjection(database, store).handle)
    run_loops(SERVICE, {"known-enterprises": directory_loop(SERVICE, settings, database),
                        "read-model": projection.run})


if __name__ == "__main__":
    main()
