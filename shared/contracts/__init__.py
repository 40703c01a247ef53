"""The published language between services: event types and the fields other services may rely on.

One module per topic. A producer's events must validate against its module (the producer tests check every
event in the store); a consumer imports names from here, never string literals, and reads only the fields
listed. Policy for events that belong to a longer story (a support case, a course): the events carry what a
consumer needs to place and count them only where the contract lists it; otherwise the consumer folds the
stream (it has every event of the stream, in order, from the same topic partition).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

ISO_DATE = validate.Regexp(r"^\d{4}-\d{2}-\d{2}$")


def date_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=ISO_DATE, **kwargs)


@dataclass(frozen=True)
class Contract:
    """One topic's event types, each with a schema of the data fields a consumer may rely on."""
    topic: str
    events: dict[str, type[Schema]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # what people read for each event type (Vietnamese)
    # The schema version each event type's schema describes (1 when absent); consumers upcast older ones to it.
    versions: dict[str, int] = field(default_factory=dict)

    def version_of(self, event_type: str) -> int:
        return self.versions.get(event_type, 1)

    def problems(self, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        """What is wrong with an event of this topic ({} when it honours the contract)."""
        schema = self.events.get(event_type)
        if schema is None:
            return {"event_type": [f"'{event_type}' is not a published event type of {self.topic}"]}
        try:
            schema(unknown=INCLUDE).load(data)
        except ValidationError as error:
            return dict(error.messages) if isinstance(error.messages, dict) else {"data": error.messages}
        return {}


@cache
def contracts() -> dict[str, Contract]:
    """Every write service's contract, by service name."""
    from shared.contracts import registry, support, training

    return {"registry": registry.CONTRACT, "support": support.CONTRACT, "training": training.CONTRACT}


def service_of_event(event_type: str) -> str | None:
    """The write service that publishes ``event_type`` (None when no contract lists it)."""
    return _publishers().get(event_type)


@cache
def _publishers() -> dict[str, str]:
    return {event_type: service for service, contract in contracts().items() for event_type in contract.events}


def contract_problem(event: Any, topic: str) -> str | None:
    """Why a consumer must not apply ``event`` (an upcast envelope) received on ``topic``, or None: its type is
    in no contract, belongs to another service's topic, or has a schema version the contract does not describe."""
    service = service_of_event(event.event_type)
    if service is None:
        return f"loại sự kiện '{event.event_type}' không có trong hợp đồng của dịch vụ nào"
    contract = contracts()[service]
    if topic != contract.topic and topic in {known.topic for known in contracts().values()}:
        return f"sự kiện '{event.event_type}' của dịch vụ {service} không thuộc chủ đề {topic}"
    if event.schema_version != contract.version_of(event.event_type):
        return (f"phiên bản lược đồ {event.schema_version} của '{event.event_type}' không được hỗ trợ "
                f"(hợp đồng mô tả phiên bản {contract.version_of(event.event_type)})")
    return None


def event_label(event_type: str) -> str:
    service = service_of_event(event_type)
    return contracts()[service].labels.get(event_type, event_type) if service else event_type
