"""Errors the domain and application layers raise; the HTTP layer maps them to problem+json once."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A command breaks a business rule. ``status`` is the HTTP status it maps to (409 or 422)."""

    status = 409
    slug = "rule-violated"
    title = "Vi phạm quy tắc nghiệp vụ"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class IllegalTransition(DomainError):
    """The record's current state does not allow the command; ``current_state`` names it."""

    slug = "illegal-transition"
    title = "Thao tác không hợp lệ ở trạng thái hiện tại"

    @classmethod
    def of(cls, what: str, current: str, labels: dict[str, str]) -> IllegalTransition:
        """"Cannot <what>: the current state is <current> (<its label>)"."""
        return cls(f"Không thể {what}: trạng thái hiện tại là '{current}' ({labels.get(current, current)}).",
                   current_state=current)


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Không tìm thấy"


class UnknownReference(DomainError):
    """A command names a record (by code or id) that does not exist, or is not in force on its date."""

    status = 422
    slug = "unknown-reference"
    title = "Tham chiếu không tồn tại"

    @classmethod
    def to(cls, field_name: str, message: str) -> UnknownReference:
        return cls(message, errors={field_name: [message]})


class PreconditionFailed(Exception):
    """The client's If-Match names a version the resource is no longer at."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"expected version {expected}, current version {current}")
        self.expected, self.current = expected, current
