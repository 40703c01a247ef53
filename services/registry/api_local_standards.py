"""Routes for the base standards (TCCS) and local technical regulations (QCĐP) the province builds."""
from __future__ import annotations

from dataclasses import asdict

from services.registry import local_standard_handlers as handlers
from services.registry import local_standards
from services.registry.bootstrap import RegistryService
from services.registry.local_standard_schemas import (
    Issue,
    LocalStandardOut,
    LocalStandardQuery,
    StartDrafting,
    Withdraw,
)
from services.registry.readmodel import LOCAL_STANDARDS
from shared.http import Resource, ServiceBlueprint, dependencies, dispatch, require
from shared.pagination import page_of, page_schema, skip_limit

blp = ServiceBlueprint("local_standards", __name__, url_prefix="/api/v1/local-standards",
                       description="Tiêu chuẩn cơ sở và quy chuẩn kỹ thuật địa phương do tỉnh xây dựng (mục 2.3.5)")


LOCAL_STANDARD_OUT = LocalStandardOut()


def _view(document: local_standards.LocalStandard | dict) -> dict:
    row = asdict(document) if isinstance(document, local_standards.LocalStandard) else document
    return LOCAL_STANDARD_OUT.dump({**row, "kind_label": local_standards.KINDS[row["kind"]],
                                    "state_label": local_standards.STATES[row["state"]]})


STANDARD = Resource(local_standards.current_state, _view, "Không có tiêu chuẩn / quy chuẩn '{}'.",
                    "local_standards.get_local_standard", "standard_id")


@blp.post("/")
@require("write")
@blp.arguments(StartDrafting)
@blp.response(201, LocalStandardOut)
def start_drafting(body):
    """Bắt đầu xây dựng một tiêu chuẩn cơ sở hoặc quy chuẩn kỹ thuật địa phương (đơn vị xây dựng: sở của người
    ghi). Số hiệu là duy nhất: số hiệu đã dùng được trả lời 409 kèm mã văn bản đã có."""
    return STANDARD.answer(dispatch(handlers.start_drafting, handlers.StartDrafting(**body)), 201, created=True)


@blp.get("/")
@require("read")
@blp.arguments(LocalStandardQuery, location="query")
@blp.response(200, page_schema(LocalStandardOut, "LocalStandardPage"))
def list_local_standards(query):
    match = {key: query[key] for key in ("kind", "state", "issued_in") if query.get(key)}
    if "issued_in" in match:
        match["issued_year"] = match.pop("issued_in")
    rows, total = dependencies(RegistryService).read_model.page(LOCAL_STANDARDS, match, [("sort_code", 1)],
                                                                *skip_limit(query))
    return page_of([_view(row) for row in rows], total, query)


@blp.get("/<standard_id>")
@require("read")
@blp.response(200, LocalStandardOut)
def get_local_standard(standard_id):
    return STANDARD.get(dependencies(RegistryService).store, standard_id)


@blp.post("/<standard_id>/issuance")
@require("write")
@blp.arguments(Issue)
@blp.response(200, LocalStandardOut)
def issue(body, standard_id):
    """Ban hành (đơn vị xây dựng hoặc Sở KH&CN)."""
    return STANDARD.answer(dispatch(handlers.issue, handlers.Issue(standard_id, **body)))


@blp.post("/<standard_id>/withdrawal")
@require("write")
@blp.arguments(Withdraw)
@blp.response(200, LocalStandardOut)
def withdraw(body, standard_id):
    """Bãi bỏ hoặc thay thế (đơn vị xây dựng hoặc Sở KH&CN), kèm lý do."""
    return STANDARD.answer(dispatch(handlers.withdraw, handlers.Withdraw(standard_id, **body)))
