"""Registry service: enterprises and organisations, conformity-assessment bodies, units and departments."""
from __future__ import annotations

from flask import Flask

from services.registry import api_conformity, api_enterprises, api_units
from shared.audit import attach_event_store
from shared.claims import MongoUniqueClaims, UniqueClaims
from shared.config import Settings
from shared.eventstore import EventStore
from shared.http import create_service_app

TAX_CODE_CLAIMS = "tax_code_claims"


def create_app(settings: Settings | None = None, event_store: EventStore | None = None,
               claims: UniqueClaims | None = None) -> Flask:
    app, api = create_service_app("registry", "NSCL — Đăng ký doanh nghiệp (registry)",
                                  "Doanh nghiệp, tổ chức, sản phẩm, chứng nhận, khảo sát; tổ chức đánh giá sự phù "
                                  "hợp và lĩnh vực; đơn vị hành chính và sở ngành theo thời gian.", settings)
    attach_event_store(app, api, event_store=event_store)
    database = app.extensions["nscl"].database
    app.extensions["registry"] = {"claims": claims or MongoUniqueClaims(database[TAX_CODE_CLAIMS])}
    for module in (api_enterprises, api_conformity, api_units):
        api.register_blueprint(module.blp)
    return app
