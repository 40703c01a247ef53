"""Training service: courses and participants, outreach, NSCL experts and their certificates.

This walking-skeleton stage has the service's frame only (event store, event history, health, OpenAPI);
the training domain arrives with its own issue.
"""
from __future__ import annotations

from flask import Flask

from shared.audit import attach_event_store
from shared.config import Settings
from shared.eventstore import EventStore
from shared.http import create_service_app


def create_app(settings: Settings | None = None, event_store: EventStore | None = None) -> Flask:
    app, api = create_service_app("training", "NSCL — Đào tạo, truyền thông, chuyên gia (training)",
                                  "Khoá đào tạo, học viên, truyền thông về NSCL, chuyên gia NSCL và chứng chỉ.",
                                  settings)
    attach_event_store(app, api, event_store=event_store)
    return app
