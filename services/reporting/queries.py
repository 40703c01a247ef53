"""What reporting answers: the application layer used alike by the API, the dashboard and the exports.

No Flask here: each function takes the reporting dependencies and plain values and returns plain dicts.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.reporting import tallies, views
from services.reporting.evaluator import STRUCTURES, Cut, evaluate
from services.reporting.facts import Facts
from services.reporting.indicators import BY_CODE, INDICATORS, PROVINCE_TZ, Indicator, Period, declarations_digest
from shared.auth import Forbidden
from shared.config import WRITE_SERVICES
from shared.envelope import GENESIS_HASH, Envelope, canonical_json, format_instant, parse_instant
from shared.errors import DomainError, NotFound
from shared.eventstore import EventStore, Metadata, NewEvent
from shared.units import UnitDirectory

REPORT_ISSUED = "ReportIssued"
REPORT_KINDS = {"annual": "Báo cáo sơ kết năm", "midterm": "Báo cáo sơ kết giữa kỳ / giai đoạn"}


class InvalidQuery(DomainError):
    status = 400
    slug = "invalid-query"
    title = "Tham số truy vấn không hợp lệ"


@dataclass
class Reporting:
    facts: Facts
    reports: EventStore
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(PROVINCE_TZ).date()


def cut_at(deps: Reporting, as_of: datetime | None) -> Cut:
    now = deps.clock()
    moment = min(as_of, now) if as_of else now
    return Cut(today=local_day(moment), as_of=format_instant(moment) if as_of else None)


def _structure(structure: str) -> str:
    if structure not in STRUCTURES:
        raise InvalidQuery(
            "structure phải là 'period' (đơn vị theo kỳ) hoặc 'current' (đơn vị hiện nay).",
            errors={"structure": ["period hoặc current"]},
        )
    return structure


def _units(deps: Reporting, cut: Cut) -> UnitDirectory:
    if cut.as_of is None and cut.positions is None:
        return deps.facts.unit_directory()[1]  # every unit fact known: held per process until one arrives
    return UnitDirectory(
        [
            fact
            for fact in deps.facts.unit_facts()
            if cut.knows({"position": fact["position"], "recorded_at": fact["recorded_at"]}, fact["service"])
        ]
    )


def _evaluate_all(
    deps: Reporting,
    indicators: tuple[Indicator, ...],
    period: Period,
    cut: Cut,
    unit: str | None,
    structure: str,
    contributors: bool = True,
) -> list[dict[str, Any]]:
    """Each indicator's figures. Today's figures without the list of contributors come from the counts the
    projector keeps (``tallies``), whose cost does not grow with history; anything else is evaluated from the
    contribution rows of the period."""
    _structure(structure)
    if not contributors and cut.as_of is None and tallies.answerable(unit, structure) and deps.facts.tallied():
        units, entries, filtered = deps.facts.tallies.now()
        return [tallies.answer(indicator, period, cut.today, units, entries, filtered, unit, structure)
                for indicator in indicators]
    rows = deps.facts.rows_in(period.start.isoformat(), period.end.isoformat(), [item.code for item in indicators])
    units = _units(deps, cut)
    return [evaluate(indicator, rows, period, cut, units, unit, structure) for indicator in indicators]


def completeness(deps: Reporting) -> tuple[bool, dict[str, int]]:
    coverage = deps.facts.coverage(WRITE_SERVICES)
    complete = all(found["complete_through"] == found["highest"] for found in coverage.values())
    return complete, {service: found["complete_through"] for service, found in coverage.items()}


def indicators(
    deps: Reporting,
    period: str,
    as_of: datetime | None = None,
    unit: str | None = None,
    structure: str = "period",
    contributors: bool = True,
) -> dict[str, Any]:
    parsed, cut = Period.parse(period), cut_at(deps, as_of)
    items = _evaluate_all(deps, INDICATORS, parsed, cut, unit, structure, contributors)
    complete, positions = completeness(deps)
    as_of_text = cut.as_of or format_instant(deps.clock())
    return {
        "period": parsed.label,
        "as_of": as_of_text,
        "unit": unit,
        "structure": structure,
        "complete": complete,
        "positions": positions,
        "items": [{**item, "as_of": as_of_text} for item in items],
    }


def indicator(
    deps: Reporting,
    code: str,
    period: str,
    as_of: datetime | None = None,
    unit: str | None = None,
    structure: str = "period",
) -> dict[str, Any]:
    declared = BY_CODE.get(code.upper())
    if declared is None:
        raise NotFound(f"Không có chỉ tiêu '{code}'; các chỉ tiêu: {', '.join(BY_CODE)}.")
    parsed, cut = Period.parse(period), cut_at(deps, as_of)
    item = _evaluate_all(deps, (declared,), parsed, cut, unit, structure)[0]
    return {**item, "as_of": cut.as_of or format_instant(deps.clock()), "unit": unit, "structure": structure}


def units(deps: Reporting, on: date | None = None) -> list[dict[str, Any]]:
    cut = cut_at(deps, None)
    return _units(deps, cut).listing((on or cut.today).isoformat())


def enterprises_by_district(deps: Reporting) -> list[dict[str, Any]]:
    """Registered enterprises by their current unit (folded from each enterprise's facts, moves included)."""
    counted = deps.facts.enterprise_districts.counts()
    now = cut_at(deps, None)
    directory, today = _units(deps, now), now.today.isoformat()
    districts = {unit["code"] for unit in directory.listing(today) if unit["level"] == "district"} | set(counted)
    return [
        {"code": code, "name": directory.name(code, today), "count": counted.get(code, 0)} for code in sorted(districts)
    ]


def view_names(deps: Reporting, department: str, role: str) -> list[dict[str, str]]:
    """The views a principal may open: every view for DOST, admins and auditors; otherwise its own."""
    now = cut_at(deps, None)
    directory, today = _units(deps, now), now.today.isoformat()
    every = [{"code": code, "name": name} for code, name in views.DEPARTMENTS.items()]
    every += [
        {"code": unit["code"], "name": unit["name"]}
        for unit in directory.listing(today)
        if unit["category"] == "administrative_unit" and unit["level"] in ("district", "commune")
    ]
    if department == "DOST" or role in ("admin", "auditor"):
        return every
    own = [entry for entry in every if entry["code"] == department]
    return own or [{"code": department, "name": directory.name(views.unit_of_view(department), today)}]


def may_see(department: str, role: str, view: str) -> bool:
    return department == "DOST" or role in ("admin", "auditor") or department == view


def authorize_view(department: str, role: str, view: str) -> None:
    """The API's department view and its exports refuse the same principals."""
    if not may_see(department, role, view):
        raise Forbidden(f"đơn vị '{department}' chỉ xem được báo cáo của mình, không xem được của '{view}'")


def view(
    deps: Reporting,
    department: str,
    period: str,
    as_of: datetime | None = None,
    unit: str | None = None,
    structure: str = "period",
    contributors: bool = True,
) -> dict[str, Any]:
    parsed, cut = Period.parse(period), cut_at(deps, as_of)
    area = views.unit_of_view(department)
    codes = views.VIEW_INDICATORS.get(department, views.UNIT_INDICATORS)
    directory = _units(deps, cut)
    items = (
        _evaluate_all(deps, tuple(BY_CODE[code] for code in codes), parsed, cut, area or unit, structure,
                      contributors)
        if codes
        else []
    )
    facts = [
        fact
        for fact in deps.facts.of_types(views.needs(department))
        if cut.knows({"position": fact["position"], "recorded_at": fact["recorded_at"]}, fact["service"])
    ]
    today = cut.today.isoformat()

    def in_unit(code: str | None, day: str) -> bool:
        target = area or unit
        return (
            target is None
            or directory.in_force(code, day if structure == "period" else today) == target
            or code == target
        )

    name = views.DEPARTMENTS.get(department) or directory.name(area, today)
    as_of_text = cut.as_of or format_instant(deps.clock())
    return {
        "department": department,
        "name": name,
        "period": parsed.label,
        "as_of": as_of_text,
        "indicators": [{**item, "as_of": as_of_text} for item in items],
        "tables": views.build(department, facts, parsed, in_unit),
    }


# ---- issued reports ---------------------------------------------------------------------------------------------
def _content(deps: Reporting, period: Period, cut: Cut, issued_at: str) -> dict[str, Any]:
    items = _evaluate_all(deps, INDICATORS, period, cut, None, "period")
    return {"period": period.label, "as_of": issued_at, "cut": cut.positions, "items": items}


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def issue_report(
    deps: Reporting, kind: str, period: str, meta: Metadata, idempotency_key: str | None = None
) -> dict[str, Any]:
    if kind not in REPORT_KINDS:
        raise InvalidQuery("Loại báo cáo phải là 'annual' hoặc 'midterm'.", errors={"kind": list(REPORT_KINDS)})
    parsed = Period.parse(period)
    issued = deps.clock()
    _, positions = completeness(deps)
    cut = Cut(today=local_day(issued), positions=positions)
    issued_at = format_instant(issued)
    content = _content(deps, parsed, cut, issued_at)
    report_id = str(uuid.uuid4())
    result = deps.reports.append(
        f"report-{report_id}",
        0,
        [
            NewEvent(
                REPORT_ISSUED,
                {
                    "report_id": report_id,
                    "kind": kind,
                    "period": parsed.label,
                    "cut": positions,
                    "issued_at": issued_at,
                    "declarations_digest": declarations_digest(),
                    "content_hash": content_hash(content),
                },
                occurred_at=issued_at,
            )
        ],
        meta,
        idempotency_key=idempotency_key,
    )
    return report(deps, result.stream_id.removeprefix("report-"))


def _issued(deps: Reporting, report_id: str) -> Envelope:
    events = deps.reports.read_stream(f"report-{report_id}")
    if not events:
        raise NotFound(f"Không có báo cáo '{report_id}'.")
    return events[0]


def _summary(event: Envelope) -> dict[str, Any]:
    data = event.data
    return {
        "id": data["report_id"],
        "kind": data["kind"],
        "kind_name": REPORT_KINDS.get(data["kind"], data["kind"]),
        "period": data["period"],
        "issued_at": data["issued_at"],
        "issued_by": event.actor,
        "department": event.department,
        "cut": data["cut"],
        "declarations_digest": data["declarations_digest"],
        "content_hash": data["content_hash"],
        "position": event.position,
        "event_hash": event.hash,
    }


def report(deps: Reporting, report_id: str) -> dict[str, Any]:
    """The report as issued, recomputed from the facts at its cut, and whether it reproduces its kept hash."""
    event = _issued(deps, report_id)
    data = event.data
    cut = Cut(today=local_day(parse_instant(data["issued_at"])), positions=data["cut"])
    content = _content(deps, Period.parse(data["period"]), cut, data["issued_at"])
    recomputed = content_hash(content)
    return {
        **_summary(event),
        "reproduced": recomputed == data["content_hash"],
        "recomputed_hash": recomputed,
        "declarations_current": data["declarations_digest"] == declarations_digest(),
        "content": content,
    }


def reports(deps: Reporting) -> list[dict[str, Any]]:
    issued = [event for batch in deps.reports.read_all() for event in batch if event.event_type == REPORT_ISSUED]
    return [_summary(event) for event in reversed(issued)]


def report_changes(deps: Reporting, report_id: str) -> dict[str, Any]:
    """The events recorded after the report's cut that change its figures, indicator by indicator."""
    event = _issued(deps, report_id)
    data = event.data
    period, today = Period.parse(data["period"]), local_day(parse_instant(data["issued_at"]))
    then = Cut(today=today, positions=data["cut"])
    now = Cut(today=today)
    rows = deps.facts.rows_in(period.start.isoformat(), period.end.isoformat(), BY_CODE)
    units_then, units_now = _units(deps, then), _units(deps, now)
    changes = []
    for declared in INDICATORS:
        before = evaluate(declared, rows, period, then, units_then)
        after = evaluate(declared, rows, period, now, units_now)
        keys_before = {(item["id"], item["date"][:4]) for item in before["contributors"]}
        keys_after = {(item["id"], item["date"][:4]) for item in after["contributors"]}
        if before["value"] == after["value"] and keys_before == keys_after:
            continue
        moved = {key for key, _ in keys_before ^ keys_after}
        events = {}
        for row in rows:
            if row["indicator"] != declared.code or row["key"] not in moved:
                continue
            for stamp in [row["known"], *row.get("revoked", [])]:
                if not then.knows(stamp, row["service"]):
                    events[stamp["event_id"]] = {"service": row["service"], "stream_id": row["stream_id"], **stamp}
        details = {fact["_id"]: fact for fact in deps.facts.facts.find({"_id": {"$in": list(events)}})}
        changes.append(
            {
                "code": declared.code,
                "name": declared.name,
                "value_at_issue": before["value"],
                "value_now": after["value"],
                "events": sorted(
                    (
                        {
                            "service": found["service"],
                            "position": found["position"],
                            "event_type": details.get(event_id, {}).get("event_type"),
                            "stream_id": found["stream_id"],
                            "occurred_at": details.get(event_id, {}).get("occurred_at"),
                            "recorded_at": found["recorded_at"],
                        }
                        for event_id, found in events.items()
                    ),
                    key=lambda item: (item["service"], item["position"]),
                ),
            }
        )
    return {"report_id": report_id, "cut": data["cut"], "changes": changes}


# ---- history and audit -------------------------------------------------------------------------------------
def history(deps: Reporting, stream_id: str, label: Callable[[str], str]) -> list[dict[str, Any]]:
    found = deps.facts.stream(stream_id)
    if not found:
        raise NotFound(f"Báo cáo chưa nhận sự kiện nào của '{stream_id}'.")
    return [
        {
            "service": fact["service"],
            "position": fact["position"],
            "version": fact["version"],
            "event_type": fact["event_type"],
            "label": label(fact["event_type"]),
            "occurred_at": fact["occurred_at"],
            "recorded_at": fact["recorded_at"],
            "actor": fact["actor"],
            "department": fact["department"],
            "data": fact["data"],
        }
        for fact in found
    ]


def chains(deps: Reporting) -> list[dict[str, Any]]:
    """Each write service's hash chain as reporting received it, recomputed event by event."""
    answers = []
    for service in WRITE_SERVICES:
        checked, expected, prev, problems = 0, 1, GENESIS_HASH, []
        for fact in deps.facts.chain(service):
            envelope = Envelope.from_dict(fact)
            checked += 1
            if envelope.position != expected:
                problems.append(
                    {"position": expected, "reason": f"thiếu sự kiện từ vị trí {expected} đến {envelope.position - 1}"}
                )
            elif envelope.prev_hash != prev:
                problems.append({"position": envelope.position, "reason": "prev_hash không nối với sự kiện trước"})
            if envelope.compute_hash() != envelope.hash:
                problems.append({"position": envelope.position, "reason": "nội dung không khớp hash (bị sửa)"})
            expected, prev = envelope.position + 1, envelope.hash
        answers.append(
            {
                "service": service,
                "checked": checked,
                "head_position": expected - 1,
                "head_hash": prev,
                "ok": not problems,
                "problems": problems[:50],
            }
        )
    return answers
