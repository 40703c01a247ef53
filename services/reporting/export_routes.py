"""Files for the people up the chain: indicators as CSV/XLSX and an issued report as a printable page.

Routes only: the figures come from services.reporting.queries (what the API answers), the files from the
pure writers in services.reporting.exports.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Response
from marshmallow import fields, validate

from services.reporting import exports, plans_view, queries, schemas
from services.reporting.dashboard.catalogue import DEFAULT_LANGUAGE, LANGUAGES, Translator
from services.reporting.live import reporting
from services.reporting.plan_routes import PlanViewQuery
from shared.envelope import utc_now
from shared.errors import NotFound
from shared.http import ServiceBlueprint, current_principal, require
from shared.inputs import QueryInput

blp = ServiceBlueprint("exports", __name__, url_prefix="/api/v1",
                       description="Xuất dữ liệu: CSV (UTF-8 có BOM), XLSX, bản in báo cáo đã ban hành")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
WRITERS = {"csv": exports.to_csv, "xlsx": exports.to_xlsx}
LANGUAGE = fields.String(load_default=DEFAULT_LANGUAGE, validate=validate.OneOf(LANGUAGES),
                         metadata={"description": "ngôn ngữ của tiêu đề cột: vi (mặc định) hoặc en"})


class ExportQuery(schemas.IndicatorQuery):
    lang = LANGUAGE


class ViewExportQuery(schemas.ViewQuery):
    lang = LANGUAGE


class PlanExportQuery(PlanViewQuery):
    lang = LANGUAGE


class PrintQuery(QueryInput):
    lang = LANGUAGE


def _file(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, mimetype=media_type.split(";")[0], content_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _writer(file_format: str) -> Callable[[exports.Export], bytes]:
    """Checked after the token, so an unknown format tells nothing to a caller without one."""
    if file_format not in WRITERS:
        raise NotFound(f"Không có định dạng '{file_format}': dùng csv hoặc xlsx.")
    return WRITERS[file_format]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _file_doc(*formats: str) -> dict[str, Any]:
    return {"responses": {"200": {"description": "tệp", "content": {MEDIA_TYPES[f]: {} for f in formats}}}}


@blp.get("/exports/indicators.<file_format>")
@require("read")
@blp.arguments(ExportQuery, location="query")
@blp.doc(**_file_doc("csv", "xlsx"))
def export_indicators(query, file_format):
    write = _writer(file_format)
    answer = queries.indicators(reporting(), query["period"], as_of=query.get("as_of"), unit=query.get("unit"),
                                structure=query["structure"])
    export = exports.indicators_export(answer, Translator(query["lang"]), utc_now(), query.get("unit"),
                                       query["structure"])
    return _file(write(export), MEDIA_TYPES[file_format],
                 f"nscl-indicators-{answer['period']}-{answer['as_of'][:10]}.{file_format}")


@blp.get("/exports/views/<department>.<file_format>")
@require("read")
@blp.arguments(ViewExportQuery, location="query")
@blp.doc(**_file_doc("csv", "xlsx"))
def export_view(query, department, file_format):
    principal = current_principal()
    queries.authorize_view(principal.department, principal.role, department)
    write = _writer(file_format)
    answer = queries.view(reporting(), department, query["period"], as_of=query.get("as_of"),
                          unit=query.get("unit"), structure=query["structure"])
    export = exports.view_export(answer, Translator(query["lang"]), utc_now(), query.get("unit"), query["structure"])
    return _file(write(export), MEDIA_TYPES[file_format],
                 f"nscl-{_safe(department)}-{answer['period']}-{answer['as_of'][:10]}.{file_format}")


@blp.get("/exports/views/DOST/plan.<file_format>")
@require("read")
@blp.arguments(PlanExportQuery, location="query")
@blp.doc(**_file_doc("csv", "xlsx"))
def export_plan(query, file_format):
    """Kế hoạch năm và thực hiện (như GET /views/DOST/plan) thành tệp CSV hoặc XLSX."""
    principal = current_principal()
    plans_view.authorize(principal.department, principal.role)
    write = _writer(file_format)
    answer = plans_view.plan_view(reporting(), query["year"], query.get("as_of"))
    export = exports.plan_export(answer, Translator(query["lang"]), utc_now())
    return _file(write(export), MEDIA_TYPES[file_format],
                 f"nscl-DOST-plan-{answer['year']}-{answer['as_of'][:10]}.{file_format}")


@blp.get("/reports/<report_id>/print")
@require("read")
@blp.arguments(PrintQuery, location="query")
@blp.doc(responses={"200": {"description": "bản in (HTML)", "content": {"text/html": {}}}})
def print_report(query, report_id):
    report = queries.report(reporting(), report_id)
    changes = queries.report_changes(reporting(), report_id)
    html = exports.report_print_html(report, changes, Translator(query["lang"]), utc_now())
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})
