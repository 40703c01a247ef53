"""The training service's background worker: the enterprises it knows (from registry events) and its own
read models (projected from its own event store)."""
from __future__ import annotations

from services.training.bootstrap import SERVICE, bootstrap
from shared.directory import directory_loop
from shared.projection import read_model_projection
from shared.worker import run_loops


def main() -> None:
    service = bootstrap()
    projection = read_model_projection(service, "training-read-model", service.projection.handle,
                                       service.projection.read_model)
    run_loops(SERVICE, {"known-enterprises": directory_loop(service), "read-model": projection.run})


if __name__ == "__main__":
    main()
