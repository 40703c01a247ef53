"""Reporting service: the programme's indicators per department, by period and as-of; issued reports that
reproduce exactly; the history reporting received and its hash chains. Routes parse, call
``services.reporting.queries`` and render."""
from __future__ import annotations

from typing import Any

from flask import Flask, url_for

from services.reporting import queries, schemas
from services.reporting.bootstrap import Dependencies, active_projection, bootstrap
from services.reporting.dashboard import register_dashboard
from services.reporting.export_routes import blp as exports_blp
from services.reporting.live import reporting
from services.reporting.plan_routes import blp as plan_view_blp
from services.reporting.projector import build_loop
from shared.audit import attach_event_store
from shared.config import Settings
from shared.contracts import event_label
from shared.endpoints import dead_letters_blueprint
from shared.envelope import utc_now
from shared.http import (
    CREATE_HEADERS,
    ServiceBlueprint,
    command_context,
    create_service_app,
    current_principal,
    require,
    versioned,
)
from shared.pagination import PageQuery, page_of, page_schema, skip_limit

blp = ServiceBlueprint("reporting", __name__, url_prefix="/api/v1",
                       description="Chỉ tiêu của chương trình NSCL theo kỳ và theo thời điểm; báo cáo đã ban hành")


def _filters(query: dict[str, Any]) -> dict[str, Any]:
    return {"as_of": query.get("as_of"), "unit": query.get("unit"), "structure": query["structure"]}


@blp.get("/indicators")
@require("read")
@blp.arguments(schemas.IndicatorsQuery, location="query")
@blp.response(200, schemas.IndicatorsOut)
def list_indicators(query):
    return queries.indicators(reporting(), query["period"], **_filters(query), contributors=query["contributors"])


@blp.get("/indicators/<code>")
@require("read")
@blp.arguments(schemas.IndicatorQuery, location="query")
@blp.response(200, schemas.IndicatorOut)
def get_indicator(query, code):
    return queries.indicator(reporting(), code, query["period"], **_filters(query))


@blp.get("/views")
@require("read")
@blp.response(200, schemas.ViewName(many=True))
def list_views():
    principal = current_principal()
    return queries.view_names(reporting(), principal.department, principal.role)


@blp.get("/views/<department>")
@require("read")
@blp.arguments(schemas.ViewPageQuery, location="query")
@blp.response(200, schemas.ViewOut)
def department_view(query, department):
    principal = current_principal()
    queries.authorize_view(principal.department, principal.role, department)
    return queries.view(reporting(), department, query["period"], **_filters(query),
                        contributors=query["contributors"])


@blp.get("/units")
@require("read")
@blp.arguments(schemas.UnitQuery, location="query")
@blp.response(200, schemas.UnitOut(many=True))
def list_units(query):
    return queries.units(reporting(), query.get("on"))


REPORT_OUT = schemas.ReportOut()


@blp.post("/reports")
@require("write")
@blp.arguments(schemas.IssueReport)
@blp.response(201, schemas.ReportOut)
@blp.doc(**CREATE_HEADERS)
def issue_report(body):
    context = command_context()
    issued = queries.issue_report(reporting(), body["kind"], body["period"], context.metadata,
                                  context.idempotency_key)
    return versioned(REPORT_OUT.dump(issued), 1, 201,
                     location=url_for("reporting.get_report", report_id=issued["id"]))


@blp.get("/reports")
@require("read")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_schema(schemas.ReportSummary, "ReportPage"))
def list_reports(query):
    issued = queries.reports(reporting())
    skip, limit = skip_limit(query)
    return page_of(issued[skip:skip + limit], len(issued), query)


@blp.get("/reports/<report_id>")
@require("read")
@blp.response(200, schemas.ReportOut)
def get_report(report_id):
    return queries.report(reporting(), report_id)


@blp.get("/reports/<report_id>/changes")
@require("read")
@blp.response(200, schemas.ReportChanges)
def report_changes(report_id):
    return queries.report_changes(reporting(), report_id)


@blp.get("/history/<stream_id>")
@require("read")
@blp.response(200, schemas.HistoryItem(many=True))
def stream_history(stream_id):
    return queries.history(reporting(), stream_id, event_label)


@blp.get("/audit/chains")
@require("audit")
@blp.response(200, schemas.ChainOut(many=True))
def audit_chains():
    return queries.chains(reporting())


@blp.get("/enterprises/by-district")
@require("read")
@blp.response(200, schemas.EnterprisesByDistrict)
def enterprises_by_district():
    counts = queries.enterprises_by_district(reporting())
    return {"total": sum(row["count"] for row in counts), "districts": counts, "generated_at": utc_now()}


def create_app(settings: Settings | None = None, dependencies: Dependencies | None = None) -> Flask:
    app, api = create_service_app("reporting", "NSCL — Báo cáo và chỉ tiêu (reporting)",
                                  "Chỉ tiêu theo sở ngành, theo kỳ và theo thời điểm; báo cáo đã ban hành tái lập "
                                  "được; lịch sử sự kiện đã nhận.", settings,
                                  mongo_client=dependencies.client if dependencies else None)
    context = app.extensions["nscl"]
    dependencies = dependencies or bootstrap(context.settings, context.mongo)
    app.extensions["reporting"] = dependencies
    attach_event_store(app, api, event_store=dependencies.reporting.reports)
    api.register_blueprint(blp)
    api.register_blueprint(dead_letters_blueprint(lambda: build_loop(bootstrap(
        context.settings, dependencies.client, projection_name=active_projection(dependencies.database)))))
    api.register_blueprint(exports_blp)
    api.register_blueprint(plan_view_blp)
    register_dashboard(app)
    return app

