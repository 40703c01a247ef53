"""The enterprises a service knows, kept from registry events (a local read model; no call to registry).

Support and training check "does this enterprise exist and is it open?" here, on the request path.
Each effect is a write guarded by the enterprise's stream version, so redelivery changes nothing.
"""
from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.contracts import registry as contract
from shared.envelope import Envelope
from shared.readmodel import ReadModel
from shared.units import KnownUnits, UnitDirectory

if TYPE_CHECKING:
    from shared.bootstrap import WriteService
    from shared.consumer import ConsumerLoop

KNOWN_ENTERPRISES = "known_enterprises"
KNOWN_UNITS = "known_units"  # the registry's unit events, one document each (shared.units)
DEAD_LETTERS = "dead_letters"  # a service's dead letters, listed by GET /api/v1/dead-letters
PROFILE_FIELDS = ("tax_code", "name", "district_code", "district_name", "registered_on", "commune",
                  "ownership", "size_class", "industry_code")


class KnownEnterprises(ABC):
    """What a service may ask of the enterprises it knows (a unit-test fake subclasses this)."""

    @abstractmethod
    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        """The enterprise as registry events described it (``status`` 'open' or 'closed'), or None."""


class EnterpriseDirectory(KnownEnterprises):
    """Also keeps the registry's unit events (``units``): who may write on a date depends on them."""

    def __init__(self, database: Any, units: KnownUnits | None = None) -> None:
        self.read_model = ReadModel(database)
        self.collection = database[KNOWN_ENTERPRISES]
        self.units = units or MongoKnownUnits(database)

    def handle(self, event: Envelope) -> None:
        self.handle_batch([event])

    def handle_batch(self, events: list[Envelope]) -> None:
        """Events of one enterprise may arrive out of order (a topic refilled after a broker restart): each
        version's fields are folded in version order (shared.readmodel.fold_versioned). The enterprises' effects
        of a whole poll are written together (``fold_versioned_many``)."""
        effects = []
        for event in events:
            if event.event_type in contract.ORG_UNIT_EVENTS:
                self.units.record(unit_fact(event))
            elif (fields := enterprise_effect(event)) is not None:
                effects.append((event.stream_id, event.version, fields))
        self.read_model.fold_versioned_many(KNOWN_ENTERPRISES, effects)

    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        """None also while only a later profile update has arrived (no status yet: not registered here)."""
        found = self.collection.find_one({"_id": enterprise_id}, {"effects": 0, "revision": 0})
        if found is None or "status" not in found:
            return None
        found["id"] = found.pop("_id")
        return found


def enterprise_effect(event: Envelope) -> dict[str, Any] | None:
    """The fields of a known enterprise an event of registry sets (None for an event that sets none)."""
    if event.event_type == contract.ENTERPRISE_REGISTERED:
        return {**{key: event.data.get(key) for key in PROFILE_FIELDS if key in event.data}, "status": "open"}
    if event.event_type == contract.ENTERPRISE_PROFILE_UPDATED:
        return {key: event.data[key] for key in PROFILE_FIELDS if key in event.data}
    if event.event_type == contract.ENTERPRISE_MOVED:
        return {"district_code": event.data["district_code"], "district_name": event.data["district_name"]}
    if event.event_type == contract.ENTERPRISE_CLOSED:
        return {"status": "closed", "closed_on": event.data.get("closed_on")}
    return None


def unit_fact(event: Envelope) -> dict[str, Any]:
    return {"stream_id": event.stream_id, "version": event.version, "event_type": event.event_type,
            "data": event.data}


class MongoKnownUnits(KnownUnits):
    """One document per unit event, keyed by stream and version (a redelivery rewrites the same document). The
    directory is built from them at most every ``FRESH_FOR_S`` seconds: a unit change reaches the permission
    checks within that, and a command does not read the whole list."""

    FRESH_FOR_S = 2.0

    def __init__(self, database: Any) -> None:
        self.collection = database[KNOWN_UNITS]
        self._built: tuple[float, UnitDirectory] | None = None
        self._lock = threading.Lock()

    def record(self, fact: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": f"{fact['stream_id']}:{fact['version']}"}, fact, upsert=True)
        self._built = None

    def directory(self) -> UnitDirectory:
        with self._lock:
            now = time.monotonic()
            if self._built is None or now - self._built[0] > self.FRESH_FOR_S:
                facts = list(self.collection.find({}, {"_id": 0}))
                self._built = (now, UnitDirectory(facts))
            return self._built[1]


def directory_consumer(service: WriteService) -> ConsumerLoop:
    """The consumer that keeps a service's known enterprises, its dead letters in the service's database."""
    from shared.config import dead_letter_topic_for
    from shared.consumer import ConsumerLoop, MongoDeadLetters
    from shared.provenance import EnvelopeVerifier

    directory = EnterpriseDirectory(service.database, service.units)
    return ConsumerLoop(directory.handle, MongoDeadLetters(service.database[DEAD_LETTERS],
                                                           service.settings.kafka_bootstrap,
                                                           dead_letter_topic_for(service.name)),
                        batch_handler=directory.handle_batch,
                        verifier=EnvelopeVerifier.from_settings(service.settings))


def directory_loop(service: WriteService) -> Callable[[threading.Event], None]:
    """The loop that keeps a service's known enterprises from the registry topic (for shared.worker)."""
    from shared.bus import ConsumerSettings

    loop = directory_consumer(service)
    consumer_settings = ConsumerSettings.of(service.settings, f"nscl-{service.name}-enterprises")
    return lambda stop: loop.run(consumer_settings, [contract.TOPIC], stop)
