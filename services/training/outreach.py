"""Outreach activities and honours (seed 2.3.2): one event each, its view the event's data. Pure rules, no I/O."""
from __future__ import annotations

from datetime import date
from typing import Any

from services.training.people import UnknownEnterprise, invalid
from shared.contracts import training as contract
from shared.envelope import Envelope, business_time
from shared.errors import DomainError
from shared.eventstore import NewEvent

OUTREACH_KINDS = {"tv_programme": "Chuyên mục truyền hình", "website_article": "Bài viết trên website",
                  "publication": "Ấn phẩm, tài liệu", "conference": "Hội nghị, sự kiện tuyên truyền"}
RECIPIENT_KINDS = {"collective": "tập thể", "individual": "cá nhân"}

OUTREACH_RECORDED = contract.OUTREACH_RECORDED
HONOUR_AWARDED = contract.HONOUR_AWARDED


def record_outreach(history: list[Envelope], *, department: str, kind: str, title: str, held_on: date,
                    reach: int, channel: str | None) -> list[NewEvent]:
    if history:
        raise DomainError("Hoạt động truyền thông này đã được ghi nhận.")
    if kind not in OUTREACH_KINDS:
        raise invalid("kind", "loại hoạt động không có trong danh mục")
    if reach < 0:
        raise invalid("reach", "không được âm")
    return [NewEvent(OUTREACH_RECORDED, {"department": department, "kind": kind, "title": title.strip(),
                                         "held_on": held_on.isoformat(), "reach": reach, "channel": channel},
                     occurred_at=business_time(held_on))]


def award_honour(history: list[Envelope], *, department: str, recipient_kind: str, recipient_name: str,
                 enterprise_id: str | None, enterprise: dict[str, Any] | None, kind: str,
                 decision_number: str, decision_date: date) -> list[NewEvent]:
    if history:
        raise DomainError("Khen thưởng này đã được ghi nhận.")
    if recipient_kind not in RECIPIENT_KINDS:
        raise invalid("recipient_kind", "không có trong danh mục")
    if enterprise_id and enterprise is None:
        raise UnknownEnterprise(f"Dịch vụ đào tạo chưa biết doanh nghiệp '{enterprise_id}'.",
                                errors={"enterprise_id": ["doanh nghiệp chưa có trong danh bạ"]})
    return [NewEvent(HONOUR_AWARDED, {
        "department": department, "recipient_kind": recipient_kind, "recipient_name": recipient_name.strip(),
        "enterprise_id": enterprise_id, "district_code": enterprise.get("district_code") if enterprise else None,
        "kind": kind.strip(), "decision_number": decision_number.strip(),
        "decision_date": decision_date.isoformat()}, occurred_at=business_time(decision_date))]


def single_fact(history: list[Envelope], event_type: str) -> dict[str, Any] | None:
    """Outreach activities and honours are one event each; their view is the event's data."""
    if not history or history[0].event_type != event_type:
        return None
    return {"id": history[0].stream_id, **history[0].data, "version": history[-1].version}

