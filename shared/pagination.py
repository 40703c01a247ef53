"""Pagination of list queries: ?page=&page_size= in, {items, total, page, page_size, pages} out."""
from __future__ import annotations

import math
from typing import Any

from marshmallow import Schema, fields, validate

from shared.inputs import Int, QueryInput

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # page × page_size stays far inside what MongoDB's skip takes


class PageQuery(QueryInput):
    page = Int(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE), metadata={"description": "trang (từ 1)"})
    page_size = Int(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
                               metadata={"description": f"số dòng mỗi trang (tối đa {MAX_PAGE_SIZE})"})


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item)),
        "total": fields.Integer(metadata={"description": "tổng số dòng khớp bộ lọc"}),
        "page": fields.Integer(), "page_size": fields.Integer(), "pages": fields.Integer(),
    }, name=name)


def skip_limit(query: dict[str, Any]) -> tuple[int, int]:
    return (query["page"] - 1) * query["page_size"], query["page_size"]


def page_of(items: list[Any], total: int, query: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": query["page"], "page_size": query["page_size"],
            "pages": math.ceil(total / query["page_size"]) if total else 0}
