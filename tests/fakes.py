"""In-memory stand-ins for unit tests, each a subclass of the real interface (the store and the claims have
theirs in shared: InMemoryEventStore, InMemoryUniqueClaims), the command context a handler is given, and one
stream driven by a domain's decisions."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from shared.aggregate import Aggregate
from shared.auth import Principal
from shared.commands import CommandContext, run_command, run_folded
from shared.directory import KnownEnterprises
from shared.envelope import Envelope
from shared.eventstore import EventStore, InMemoryEventStore, Metadata, NewEvent
from shared.units import KnownUnits, UnitDirectory


class FakeKnownEnterprises(KnownEnterprises):
    """The enterprises a service knows, given as dicts with their ``id``."""

    def __init__(self, *known: dict[str, Any]) -> None:
        self.known = {enterprise["id"]: enterprise for enterprise in known}

    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        found = self.known.get(enterprise_id)
        return dict(found) if found else None


class FakeKnownUnits(KnownUnits):
    """The registry's unit events a service knows, kept in memory (none unless recorded)."""

    def __init__(self, *facts: dict[str, Any]) -> None:
        self.facts = {(fact["stream_id"], fact["version"]): fact for fact in facts}

    def record(self, fact: dict[str, Any]) -> None:
        self.facts[(fact["stream_id"], fact["version"])] = fact

    def directory(self) -> UnitDirectory:
        return UnitDirectory(list(self.facts.values()))


def acting_as(department: str = "DOST", role: str = "clerk", idempotency_key: str | None = None) -> CommandContext:
    """The context of a command sent by a person of ``department`` with ``role``."""
    return CommandContext(Principal(f"test-{department.lower()}-{role}", department, role),
                          correlation_id=str(uuid.uuid4()), idempotency_key=idempotency_key)


class Stream:
    """One stream in an in-memory store, driven by a domain's decisions through run_command, as handlers drive
    them (through run_folded, on the record's state, for a record folded by an ``aggregate``); ``do`` returns what
    the decision decided."""

    def __init__(self, stream_id: str = "s-1", store: EventStore | None = None,
                 aggregate: Aggregate[Any] | None = None) -> None:
        self.store, self.stream_id, self.aggregate = store or InMemoryEventStore(), stream_id, aggregate

    @property
    def history(self) -> list[Envelope]:
        return self.store.read_stream(self.stream_id)

    def do(self, decide: Callable[..., list[NewEvent]], *args: Any, **kwargs: Any) -> list[NewEvent]:
        decided: list[NewEvent] = []

        def decide_and_keep(subject: Any) -> list[NewEvent]:
            decided.extend(decide(subject, *args, **kwargs))
            return decided
        if self.aggregate is not None:
            run_folded(self.store, self.aggregate, self.stream_id, decide_and_keep, acting_as())
        else:
            run_command(self.store, self.stream_id, decide_and_keep, acting_as())
        return decided


def stored_event(stream_id: str, event_type: str, data: dict[str, Any], schema_version: int = 1) -> Envelope:
    """Version 1 of a stream, sealed as a store seals it (what a relay would publish)."""
    store = InMemoryEventStore()
    store.append(stream_id, 0, [NewEvent(event_type, data, schema_version=schema_version)],
                 Metadata(actor="test-dost-clerk", department="DOST"))
    [[event]] = list(store.read_all(raw=True))
    return event
