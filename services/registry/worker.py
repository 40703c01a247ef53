"""The registry's background worker: records the plan's reference data once, then keeps the read models."""
from __future__ import annotations

import logging
import threading

from services.registry.bootstrap import SERVICE, bootstrap
from services.registry.seed import seed_reference
from shared.projection import read_model_projection
from shared.worker import run_loops

log = logging.getLogger("nscl.registry.worker")


def main() -> None:
    service = bootstrap()

    def read_models(stop: threading.Event) -> None:
        log.info("reference data: %d units recorded now", seed_reference(service))
        read_model_projection(service, "registry-read-model", service.read_model.handle,
                              service.read_model.read_model).run(stop)

    run_loops(SERVICE, {"read-model": read_models})


if __name__ == "__main__":
    main()
