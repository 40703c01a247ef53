"""Errors the domain and application layers raise; the HTTP layer maps them to problem+json once."""
from __future__ import annotations

from datetime import date
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


class DateOutOfOrder(DomainError):
    """A business date before the date it must follow (issued before drafted, withdrawn before issued)."""

    status = 422
    slug = "date-out-of-order"
    title = "Ngày không hợp lệ"

    @classmethod
    def check(cls, name: str, value: date, earliest: str | None, what: str) -> None:
        """Raises when ``value`` (field ``name``) is before ``earliest`` (an ISO date; None: nothing to follow)."""
        if earliest is not None and value.isoformat() < earliest:
            raise cls(f"Ngày '{name}' ({value.isoformat()}) không được trước {what} ({earliest}).",
                      errors={name: [f"không được trước {what} {earliest}"]})


class StillUnprocessable(DomainError):
    """A dead letter retried after a fix is still refused by the consumer's checks or its handler."""

    status = 422
    slug = "still-unprocessable"
    title = "Vẫn không xử lý được"


class PreconditionFailed(Exception):
    """The client's If-Match names a version the resource is no longer at."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"expected version {expected}, current version {current}")
        self.expected, self.current = expected, current
