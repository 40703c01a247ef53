"""What every write service is built from. Each service's ``bootstrap()`` (services/<service>/bootstrap.py)
starts from ``write_service()`` and adds its own pieces; the app, the worker, the relay and the tests all
take what it builds, and a unit test passes fakes for any piece.

Nothing here connects: pymongo connects on first use, so an app can be built while the database is down.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol

from shared.config import Settings, database_for
from shared.envelope import Upcasters
from shared.eventstore import EventStore
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect_for
from shared.units import KnownUnits
from shared.wakeup import Waker, parse_address

if TYPE_CHECKING:
    from shared.relay import Relay


@dataclass
class WriteService:
    name: str
    settings: Settings
    mongo: Any  # the MongoClient (closed with the service)
    database: Any  # the service's own database
    store: EventStore
    units: KnownUnits  # the registry's units in time: who may write on a date (shared.units)

    def relay(self) -> Relay:
        from shared.relay import build_relay

        return build_relay(self)

    def close(self) -> None:
        self.mongo.close()

    def base(self) -> dict[str, Any]:
        """The shared fields, for a service's dependency class to extend."""
        return {field.name: getattr(self, field.name) for field in fields(WriteService)}


def write_service(name: str, settings: Settings | None, upcasters: Upcasters, *, database: Any = None,
                  store: EventStore | None = None) -> WriteService:
    """``database``: another database than the service's own (a test's fresh one; its client is the caller's)."""
    settings = settings or Settings.from_env()
    mongo = connect_for(settings) if database is None else database.client
    database = mongo[database_for(name)] if database is None else database
    if store is None:
        store = MongoEventStore(database, upcasters)
        store.after_commit = Waker(parse_address(settings.relay_wake.get(name)),
                                   parse_address(settings.projection_wake.get(name))).notify
    return WriteService(name, settings, mongo, database, store, known_units_of(database))


def known_units_of(database: Any) -> KnownUnits:
    """Where a service keeps the registry's unit events: its directory consumer (support, training) or its own
    read-model projection (registry) records them."""
    from shared.directory import MongoKnownUnits

    return MongoKnownUnits(database)


class Bootstrap(Protocol):
    def __call__(self, settings: Settings | None = None) -> WriteService: ...


def bootstrap_of(service: str) -> Bootstrap:
    """A write service's ``bootstrap`` by name (the relay's command line names the service)."""
    return importlib.import_module(f"services.{service}.bootstrap").bootstrap
