"""What a correction records: a reason, and the fields given anew that differ from the record as it stands. Pure.

A correction is always an event of its own beside the fact it corrects (never an edit of a stored event), so the
history keeps both and a report as of a moment before the correction gives the figure known then.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from shared.errors import DomainError


class InvalidCorrection(DomainError):
    status = 422
    slug = "invalid-correction"
    title = "Đính chính không hợp lệ"


def changed_fields(current: Mapping[str, Any], changes: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """The allowed fields of ``changes`` (dates as ISO text, text stripped) whose value differs from ``current``;
    none is refused (422 naming ``changes``)."""
    names = set(allowed)
    given = {name: _stored(value) for name, value in changes.items() if name in names}
    changed = {name: value for name, value in given.items() if current.get(name) != value}
    if not changed:
        raise InvalidCorrection("Không có trường nào khác với bản ghi hiện tại.",
                                errors={"changes": ["không có thay đổi"]})
    return changed


def reason_given(reason: str) -> str:
    """Every correction says why (422 naming ``reason`` otherwise)."""
    if not reason.strip():
        raise InvalidCorrection("Cần nêu lý do đính chính.", errors={"reason": ["bắt buộc"]})
    return reason.strip()


def _stored(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else value
