"""Outreach activities and honours (seed 2.3.2): one fact each, its view the fact's data. Pure rules, no I/O.

A record typed wrongly is corrected (an outreach activity: the fields given anew) or withdrawn as recorded by
mistake, each with a reason, as an event: the record's view applies them, nothing stored is edited."""
from __future__ import annotations

from datetime import date
from typing import Any

from services.training.people import UnknownEnterprise, invalid
from shared.contracts import training as contract
from shared.corrections import changed_fields, reason_given
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, IllegalTransition, NotFound
from shared.eventstore import NewEvent
from shared.ownership import Owned, Owner

OUTREACH_KINDS = {"tv_programme": "Chuyên mục truyền hình", "website_article": "Bài viết trên website",
                  "publication": "Ấn phẩm, tài liệu", "conference": "Hội nghị, sự kiện tuyên truyền"}
RECIPIENT_KINDS = {"collective": "tập thể", "individual": "cá nhân"}

OUTREACH_RECORDED = contract.OUTREACH_RECORDED
HONOUR_AWARDED = contract.HONOUR_AWARDED
OUTREACH_CORRECTED = contract.OUTREACH_CORRECTED
OUTREACH_WITHDRAWN = contract.OUTREACH_WITHDRAWN
HONOUR_WITHDRAWN = contract.HONOUR_WITHDRAWN
OUTREACH_FIELDS = ("kind", "title", "held_on", "reach", "channel")  # what a correction may give anew
RECORD_STATES = {"recorded": "đã ghi nhận", "withdrawn": "đã rút do ghi nhầm"}


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
    """The record's view: its first fact's data with every correction applied, and whether it was withdrawn."""
    if not history or history[0].event_type != event_type:
        return None
    view: dict[str, Any] = {"id": history[0].stream_id, **history[0].data, "status": "recorded",
                            "withdrawn_reason": None, "corrections": 0}
    for event in history[1:]:
        if event.event_type == contract.CORRECTED_BY.get(event_type):
            view.update(event.data["changes"])
            view["corrections"] += 1
        elif event.event_type == contract.WITHDRAWN_BY[event_type]:
            view.update(status="withdrawn", withdrawn_reason=event.data["reason"])
    return {**view, "version": history[-1].version}


def correct_outreach(history: list[Envelope], *, changes: dict[str, Any], reason: str) -> list[NewEvent]:
    """Fields of an outreach activity typed wrongly, given anew with a reason; only what differs is recorded."""
    activity = _standing(history, OUTREACH_RECORDED, "đính chính hoạt động truyền thông")
    if "kind" in changes and changes["kind"] not in OUTREACH_KINDS:
        raise invalid("kind", "loại hoạt động không có trong danh mục")
    if "reach" in changes and changes["reach"] < 0:
        raise invalid("reach", "không được âm")
    changed = changed_fields(activity, changes, OUTREACH_FIELDS)
    previous = {name: activity.get(name) for name in changed}
    return [NewEvent(OUTREACH_CORRECTED, {"changes": changed, "previous": previous, "reason": reason_given(reason)},
                     occurred_at=business_time(changed.get("held_on", activity["held_on"])))]


def withdraw(history: list[Envelope], event_type: str, *, reason: str) -> list[NewEvent]:
    """An outreach activity or an honour recorded by mistake: withdrawn with a reason, it counts nowhere."""
    _standing(history, event_type, "rút bản ghi")
    return [NewEvent(contract.WITHDRAWN_BY[event_type], {"reason": reason_given(reason)})]


def _standing(history: list[Envelope], event_type: str, action: str) -> dict[str, Any]:
    view = single_fact(history, event_type)
    if view is None:
        raise NotFound("Không có bản ghi với mã định danh này.")
    if view["status"] == "withdrawn":
        raise IllegalTransition.of(action, "withdrawn", RECORD_STATES)
    return view


# Changed only by the department that recorded them, and DOST (shared.ownership, rules "outreach", "honour").
OUTREACH_OWNED = Owned("outreach", lambda history: single_fact(history, OUTREACH_RECORDED),
                       lambda view: Owner(view["department"]))
HONOUR_OWNED = Owned("honour", lambda history: single_fact(history, HONOUR_AWARDED),
                     lambda view: Owner(view["department"]))
