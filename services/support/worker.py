"""The support service's background worker: the enterprises it knows (from registry events)."""
from __future__ import annotations

from shared.config import Settings, database_for
from shared.directory import directory_loop
from shared.mongo import connect
from shared.worker import run_loops

SERVICE = "support"


def main() -> None:
    settings = Settings.from_env()
    database = connect(settings.mongo_url)[database_for(SERVICE)]
    run_loops(SERVICE, {"known-enterprises": directory_loop(SERVICE, settings, database)})


if __name__ == "__main__":
    main()
