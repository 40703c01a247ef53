"""What reporting keeps of each event. Every effect is idempotent (see shared.readmodel)."""
from __future__ import annotations

from shared.envelope import Envelope
from shared.readmodel import ReadModel

FACTS = "facts"  # every event once, keyed by event id: the base for indicators and as-of questions
ENTERPRISES = "enterprises"  # the directory of registered enterprises, one document per enterprise

ENTERPRISE_EVENTS = {"EnterpriseRegistered", "EnterpriseProfileUpdated"}


class Projector:
    def __init__(self, read_model: ReadModel) -> None:
        self.read_model = read_model

    def handle(self, event: Envelope) -> None:
        self.read_model.record_fact(FACTS, event.event_id, {
            "event_type": event.event_type, "stream_id": event.stream_id, "version": event.version,
            "position": event.position, "occurred_at": event.occurred_at, "recorded_at": event.recorded_at,
            "department": event.department, "data": event.data})
        if event.event_type in ENTERPRISE_EVENTS:
            self._enterprise(event)

    def _enterprise(self, event: Envelope) -> None:
        fields = {key: event.data[key] for key in ("tax_code", "name", "district_code", "district_name",
                                                    "registered_on") if key in event.data}
        if event.event_type == "EnterpriseRegistered":
            fields["first_recorded_at"] = event.recorded_at
        fields["last_recorded_at"] = event.recorded_at
        self.read_model.apply_versioned(ENTERPRISES, event.stream_id, event.version, fields)
