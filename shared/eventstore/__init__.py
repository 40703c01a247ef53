from shared.eventstore.base import (
    ANY_VERSION,
    AppendResult,
    ConcurrencyError,
    EventStore,
    IdempotencyKeyReused,
    Metadata,
    NewEvent,
    StorageUnavailable,
    Tampering,
    VerifyReport,
)
from shared.eventstore.memory import InMemoryEventStore

__all__ = [
    "ANY_VERSION", "AppendResult", "ConcurrencyError", "EventStore", "IdempotencyKeyReused",
    "InMemoryEventStore", "Metadata", "NewEvent", "StorageUnavailable", "Tampering", "VerifyReport",
]
