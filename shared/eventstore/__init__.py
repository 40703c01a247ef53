from shared.chain import Tampering, VerifyReport
from shared.eventstore.base import (
    ANY_VERSION,
    AppendResult,
    ConcurrencyError,
    EventFilter,
    EventStore,
    FilteredPage,
    IdempotencyKeyReused,
    Metadata,
    NewEvent,
    PendingCommit,
    StorageUnavailable,
)
from shared.eventstore.memory import InMemoryEventStore

__all__ = [
    "ANY_VERSION", "AppendResult", "ConcurrencyError", "EventFilter", "EventStore", "FilteredPage",
    "IdempotencyKeyReused", "InMemoryEventStore", "Metadata", "NewEvent", "PendingCommit", "StorageUnavailable",
    "Tampering", "VerifyReport",
]
