"""The registry's own read models, projected from its event store (see shared.projection)."""
from __future__ import annotations

from typing import Any

from shared.envelope import Envelope
from shared.readmodel import ReadModel

ENTERPRISES = "enterprises"


class RegistryReadModel:
    def __init__(self, database: Any) -> None:
        self.read_model = ReadModel(database)

    def handle(self, event: Envelope) -> None:
        if event.event_type in ("EnterpriseRegistered", "EnterpriseProfileUpdated"):
            self.read_model.apply_versioned(ENTERPRISES, event.stream_id, event.version, dict(event.data))
