"""Support service: support cases, National Quality Award participation, S&T tasks.

This walking-skeleton stage has the service's frame only (event store, event history, health, OpenAPI);
the support-case domain arrives with its own issue.
"""
from __future__ import annotations

from flask import Flask

from shared.audit import attach_event_store
from shared.config import Settings
from shared.eventstore import EventStore
from shared.http import create_service_app


def create_app(settings: Settings | None = None, event_store: EventStore | None = None) -> Flask:
    app, api = create_service_app("support", "NSCL — Hỗ trợ doanh nghiệp (support)",
                                  "Hồ sơ hỗ trợ doanh nghiệp, Giải thưởng Chất lượng Quốc gia, nhiệm vụ KH&CN.",
                                  settings)
    attach_event_store(app, api, event_store=event_store)
    return app
