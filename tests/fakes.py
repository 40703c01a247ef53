"""In-memory stand-ins for unit tests, each a subclass of the real interface (the store and the claims have
theirs in shared: InMemoryEventStore, InMemoryUniqueClaims), and the command context a handler is given."""
from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Principal
from shared.commands import CommandContext
from shared.directory import KnownEnterprises


class FakeKnownEnterprises(KnownEnterprises):
    """The enterprises a service knows, given as dicts with their ``id``."""

    def __init__(self, *known: dict[str, Any]) -> None:
        self.known = {enterprise["id"]: enterprise for enterprise in known}

    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        found = self.known.get(enterprise_id)
        return dict(found) if found else None


def acting_as(department: str = "DOST", role: str = "clerk", idempotency_key: str | None = None) -> CommandContext:
    """The context of a command sent by a person of ``department`` with ``role``."""
    return CommandContext(Principal(f"test-{department.lower()}-{role}", department, role),
                          correlation_id=str(uuid.uuid4()), idempotency_key=idempotency_key)
