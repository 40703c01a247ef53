"""The reporting projector: consumes every write service's topic into reporting's projection database.

Each event must be listed in its service's contract (shared.contracts) and honour it; anything else is a
dead letter with the reason. A poll's events are applied as one batch (see services.reporting.facts).
"""
from __future__ import annotations

import logging
import threading
import time

from services.reporting.bootstrap import Dependencies, active_projection, bootstrap_live, projector_group
from services.reporting.facts import Facts
from shared.bus import ConsumerSettings
from shared.config import WRITE_SERVICES, Settings, dead_letter_topic_for, topic_for
from shared.consumer import TRANSIENT_DB_ERRORS, ConsumerLoop, MongoDeadLetters
from shared.contracts import contracts, service_of_event
from shared.directory import DEAD_LETTERS
from shared.envelope import Envelope
from shared.process import configure_logging, stop_on_signals
from shared.provenance import EnvelopeVerifier

DEAD_LETTER_TOPIC = dead_letter_topic_for("reporting")
POINTER_CHECK_S = 2.0
IDLE_WORK_S = 1.0
RETRY_AFTER_FAILURE_S = 60.0
log = logging.getLogger("nscl.reporting.projector")


class ContractBroken(Exception):
    pass


class Projector:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.changed = True  # a start checks the kept counts once: a stopped projector may have left them stale
        self.retry_at = 0.0

    def handle(self, event: Envelope) -> None:
        self.handle_batch([event])

    def handle_batch(self, events: list[Envelope]) -> None:
        self.facts.record([(checked_service(event), event) for event in events])
        self.changed = True

    def consolidate(self, stop: threading.Event) -> None:
        """When there is nothing to consume: brings the kept counts up to date with what this projector
        recorded, a second's work at a time (see services.reporting.tallies). A failure never stops the
        projector: queries stay exact without the counts, computing what is stale from the rows."""
        if not self.changed or time.monotonic() < self.retry_at:
            return
        try:
            if self.facts.tallies.consolidate(stop, budget_s=IDLE_WORK_S):
                self.changed = False
        except TRANSIENT_DB_ERRORS as error:
            log.warning("kept counts not brought up to date (database unreachable: %s); trying again", error)
        except Exception:  # noqa: BLE001 - an optimisation's failure must not stop the projection
            log.exception("kept counts not brought up to date; trying again in %.0f s", RETRY_AFTER_FAILURE_S)
            self.retry_at = time.monotonic() + RETRY_AFTER_FAILURE_S


def checked_service(event: Envelope) -> str:
    service = service_of_event(event.event_type)
    if service is None:
        raise ContractBroken(f"loại sự kiện '{event.event_type}' không có trong hợp đồng của dịch vụ nào")
    problems = contracts()[service].problems(event.event_type, event.data)
    if problems:
        raise ContractBroken(f"{event.event_type} không đúng hợp đồng của {service}: {problems}")
    return service


def build_loop(deps: Dependencies, projector: Projector | None = None) -> ConsumerLoop:
    projector = projector or Projector(deps.facts)
    return ConsumerLoop(projector.handle, MongoDeadLetters(deps.database[DEAD_LETTERS], deps.settings.kafka_bootstrap,
                                                           DEAD_LETTER_TOPIC), batch_handler=projector.handle_batch,
                        verifier=EnvelopeVerifier.from_settings(deps.settings))


def run(deps: Dependencies, stop: threading.Event) -> bool:
    """Projects into ``deps``' projection database until stopped (False) or switched to another one (True)."""
    done = threading.Event()
    switched = threading.Event()

    def watch() -> None:
        while not stop.wait(POINTER_CHECK_S):
            if done.is_set():
                return
            if active_projection(deps.database) != deps.projection_name:
                log.info("projection switched away from %s", deps.projection_name)
                switched.set()
                break
        done.set()

    threading.Thread(target=watch, name="projection-pointer", daemon=True).start()
    consumer_settings = ConsumerSettings.of(deps.settings, projector_group(deps.projection_name))
    try:
        projector = Projector(deps.facts)
        build_loop(deps, projector).run(consumer_settings, [topic_for(service) for service in WRITE_SERVICES], done,
                                        on_idle=lambda: projector.consolidate(done))
    finally:
        done.set()
    return switched.is_set() and not stop.is_set()


def main() -> None:
    configure_logging()
    stop = stop_on_signals()
    settings = Settings.from_env()
    while True:
        deps = bootstrap_live(settings)
        log.info("projecting into %s", deps.projection_name)
        if not run(deps, stop):
            return
        deps.client.close()


if __name__ == "__main__":
    main()
