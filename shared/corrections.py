"""What a correction records: the fields given anew that differ from the record as it stands. Pure."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any


def changed_fields(current: Mapping[str, Any], changes: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """The allowed fields of ``changes`` (dates as ISO text, text stripped) whose value differs from ``current``."""
    names = set(allowed)
    given = {name: _stored(value) for name, value in changes.items() if name in names}
    return {name: value for name, value in given.items() if current.get(name) != value}


def _stored(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else value
