"""Base standards (TCCS) and local technical regulations (QCĐP) the province builds (seed 2.3.5: "Xây dựng tiêu
chuẩn cơ sở, quy chuẩn kỹ thuật địa phương phục vụ trực tiếp cho hoạt động nâng cao NSCL"). Pure rules, no I/O.

Lifecycle: drafting (a department starts building it, under its code) → issued (by a decision, on a date) →
withdrawn (repealed or replaced, with a reason). The issuing date is what the annual plan's standardisation task
group counts (services/reporting/plans_view.py). One stream per code: the code is the document's identity, so a
second document under the same code is refused by the event store itself (the stream already exists).
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from shared.contracts import registry as contract
from shared.envelope import Envelope, business_time
from shared.errors import DateOutOfOrder, DomainError, IllegalTransition, NotFound
from shared.eventstore import NewEvent
from shared.ownership import Owned, Owner
from shared.reference import PROVINCIAL_DEPARTMENTS

DRAFTING_STARTED = contract.LOCAL_STANDARD_DRAFTING_STARTED
ISSUED = contract.LOCAL_STANDARD_ISSUED
WITHDRAWN = contract.LOCAL_STANDARD_WITHDRAWN
KINDS = contract.LOCAL_STANDARD_KINDS
EVENT_LABELS = {event_type: contract.CONTRACT.labels[event_type]
                for event_type in (DRAFTING_STARTED, ISSUED, WITHDRAWN)}
STATES = {"drafting": "Đang xây dựng", "issued": "Đã ban hành", "withdrawn": "Đã bãi bỏ / thay thế"}
# Who builds them (seed 2.5.1: DOST leads standardisation; 2.5.3: the sector departments build what serves their
# sectors): a provincial department drafts; the drafting department or DOST issues and withdraws (the rule
# "local_standard" of shared.ownership; see OWNED below).


class NotPermitted(DomainError):
    status = 403
    slug = "not-permitted"
    title = "Không có quyền với văn bản này"


class CodeTaken(DomainError):
    slug = "local-standard-code-taken"
    title = "Số hiệu đã được dùng"


def stream_id(code: str) -> str:
    """The same code however it was typed (case, spaces, Unicode form) names the same document."""
    normal = " ".join(unicodedata.normalize("NFC", code).split()).casefold()
    return contract.LOCAL_STANDARD_STREAM_PREFIX + hashlib.sha256(normal.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class LocalStandard:
    id: str
    code: str
    kind: str
    title: str
    field: str
    drafting_department: str
    started_on: str
    state: str
    version: int
    issued_on: str | None = None
    decision_number: str | None = None
    withdrawn_on: str | None = None
    reason: str | None = None
    replaced_by: str | None = None


def start_drafting(history: list[Envelope], *, code: str, kind: str, title: str, field: str,
                   drafting_department: str, started_on: date) -> list[NewEvent]:
    if drafting_department not in PROVINCIAL_DEPARTMENTS:
        raise NotPermitted(f"Đơn vị '{drafting_department}' không xây dựng tiêu chuẩn cơ sở, quy chuẩn kỹ thuật "
                           "địa phương: đây là việc của các sở (Sở KH&CN chủ trì).")
    if history:
        existing = current_state(history)
        raise CodeTaken(f"Số hiệu '{code.strip()}' đã được dùng cho '{existing.title if existing else ''}'.",
                        existing_id=history[0].stream_id, errors={"code": ["đã được dùng"]})
    return [NewEvent(DRAFTING_STARTED, {"code": " ".join(code.split()), "kind": kind, "title": title.strip(),
                                        "field": field.strip(), "drafting_department": drafting_department,
                                        "started_on": started_on.isoformat()},
                     occurred_at=business_time(started_on))]


def issue(history: list[Envelope], *, issued_on: date, decision_number: str) -> list[NewEvent]:
    document = _existing(history)
    if document.state != "drafting":
        raise IllegalTransition.of("ban hành", document.state, STATES)
    DateOutOfOrder.check("issued_on", issued_on, document.started_on, "ngày bắt đầu xây dựng")
    return [NewEvent(ISSUED, {"issued_on": issued_on.isoformat(), "decision_number": decision_number.strip()},
                     occurred_at=business_time(issued_on))]


def withdraw(history: list[Envelope], *, withdrawn_on: date, reason: str,
             replaced_by: str | None = None) -> list[NewEvent]:
    document = _existing(history)
    if document.state != "issued":
        raise IllegalTransition.of("bãi bỏ", document.state, STATES)
    DateOutOfOrder.check("withdrawn_on", withdrawn_on, document.issued_on, "ngày ban hành")
    return [NewEvent(WITHDRAWN, {"withdrawn_on": withdrawn_on.isoformat(), "reason": reason.strip(),
                                 "replaced_by": " ".join(replaced_by.split()) if replaced_by else None},
                     occurred_at=business_time(withdrawn_on))]


def current_state(history: list[Envelope]) -> LocalStandard | None:
    document = None
    for event in history:
        data = event.data
        if event.event_type == DRAFTING_STARTED:
            document = LocalStandard(id=event.stream_id, code=data["code"], kind=data["kind"], title=data["title"],
                                     field=data["field"], drafting_department=data["drafting_department"],
                                     started_on=data["started_on"], state="drafting", version=event.version)
        elif document is not None and event.event_type == ISSUED:
            document = replace(document, state="issued", issued_on=data["issued_on"],
                               decision_number=data["decision_number"], version=event.version)
        elif document is not None and event.event_type == WITHDRAWN:
            document = replace(document, state="withdrawn", withdrawn_on=data["withdrawn_on"], reason=data["reason"],
                               replaced_by=data.get("replaced_by"), version=event.version)
    return document


def _existing(history: list[Envelope]) -> LocalStandard:
    document = current_state(history)
    if document is None:
        raise NotFound("Không có tiêu chuẩn cơ sở / quy chuẩn kỹ thuật địa phương này.")
    return document


# Issued and withdrawn only by the drafting department or DOST (shared.ownership, rule "local_standard").
OWNED = Owned("local_standard", current_state, lambda document: Owner(document.drafting_department))

