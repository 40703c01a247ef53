"""Everything reporting needs, built once for the app, the projector, the rebuild and the tests.

Reporting's facts and contribution rows live in its *projection database*; which one is active is a pointer
in reporting's own database, so a rebuild can fill a side database and then be switched over. Reporting's
own event store (issued reports) stays in its own database.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.reporting.facts import Facts
from services.reporting.queries import Reporting
from shared.config import Settings, database_for
from shared.eventstore import EventStore
from shared.eventstore.mongo import MongoEventStore
from shared.mongo import connect_for

SERVICE = "reporting"
POINTERS = "projection_pointer"
ACTIVE = "active"


def active_projection(database: Any) -> str:
    found = database[POINTERS].find_one({"_id": ACTIVE})
    return found["database"] if found else database.name


def switch_projection(database: Any, projection_name: str) -> None:
    database[POINTERS].replace_one({"_id": ACTIVE}, {"_id": ACTIVE, "database": projection_name}, upsert=True)


def projector_group(projection_name: str) -> str:
    """The consumer group that fills a projection database (a rebuild's group carries on after a switch)."""
    base = "nscl-reporting-projector"
    return base if projection_name == database_for(SERVICE) else f"{base}-{projection_name}"


@dataclass
class Dependencies:
    settings: Settings
    client: Any
    database: Any  # reporting's own database: its event store, pointers, dead letters
    projection_name: str
    reporting: Reporting

    @property
    def facts(self) -> Facts:
        return self.reporting.facts


def bootstrap(settings: Settings | None = None, client: Any = None, projection_name: str | None = None,
              reports: EventStore | None = None, clock: Callable[[], datetime] | None = None) -> Dependencies:
    settings = settings or Settings.from_env()
    client = client or connect_for(settings)
    database = client[database_for(SERVICE)]
    name = projection_name or database.name  # the live one is resolved on use (see active_projection)
    reporting = Reporting(Facts(client[name]), reports or MongoEventStore(database))
    if clock is not None:
        reporting.clock = clock
    return Dependencies(settings, client, database, name, reporting)


def bootstrap_live(settings: Settings) -> Dependencies:
    """The dependencies on the projection database that is live now (for the projector and the rebuild)."""
    first = bootstrap(settings)
    return bootstrap(settings, first.client, projection_name=active_projection(first.database))
