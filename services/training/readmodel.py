"""Training's own read models, projected from its event store (shared.projection), and the list queries.

Each event sets the whole document of its stream, as the stream stood at that event's version, guarded by
the version (shared.readmodel.replace_versioned): a replay, a redelivery or a later version first changes nothing.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from services.training import courses, experts, outreach
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.pagination import page_of, skip_limit
from shared.projection import project_aggregate
from shared.readmodel import ReadModel

COURSES = "training_courses"
OUTREACH = "training_outreach"
HONOURS = "training_honours"
EXPERTS = "training_experts"

COURSE_EVENTS = {courses.COURSE_SCHEDULED, courses.PARTICIPANT_ENROLLED, courses.COURSE_HELD,
                 courses.ATTENDANCE_RECORDED, courses.COMPLETION_RECORDED, courses.COURSE_CLOSED,
                 courses.COURSE_CANCELLED, courses.PARTICIPANT_WITHDRAWN}
EXPERT_EVENTS = {experts.EXPERT_NOMINATED, experts.EXPERT_TRAINED, experts.EXPERT_CERTIFIED,
                 experts.CERTIFICATE_RENEWED, experts.CERTIFICATE_SUSPENDED, experts.CERTIFICATE_REINSTATED,
                 experts.CERTIFICATE_REVOKED}


OUTREACH_EVENTS = {outreach.OUTREACH_RECORDED, outreach.OUTREACH_CORRECTED, outreach.OUTREACH_WITHDRAWN}
HONOUR_EVENTS = {outreach.HONOUR_AWARDED, outreach.HONOUR_WITHDRAWN}


def _listed(view: dict[str, Any], day: str) -> dict[str, Any]:
    """An outreach activity's or honour's row: its view as corrected, with its year."""
    return {name: value for name, value in view.items() if name not in ("id", "version")} | {"year": int(view[day][:4])}


def course_summary(course: courses.Course) -> dict[str, Any]:
    participants = list(course.participants.values())
    return {
        "title": course.title, "kind": course.kind, "topic": course.topic, "subject": course.subject,
        "organiser": course.organiser, "start_date": course.start_date, "end_date": course.end_date,
        "year": int(course.start_date[:4]), "venue": course.venue, "capacity": course.capacity,
        "status": course.status, "enrolled": len(participants),
        "attended": sum(1 for p in participants if p.attended),
        "completed": sum(1 for p in participants if p.completed),
        "enterprise_ids": sorted({p.enterprise_id for p in participants if p.enterprise_id}),
        "districts": sorted({p.district_code for p in participants if p.district_code}),
    }


def expert_summary(expert: experts.Expert) -> dict[str, Any]:
    return {
        "full_name": expert.full_name, "department": expert.department, "state": expert.state,
        "enterprise_id": expert.enterprise_id, "enterprise_name": expert.enterprise_name,
        "organisation_code": expert.organisation_code, "trained_on": expert.trained_on,
        "trained_year": int(expert.trained_on[:4]) if expert.trained_on else None,
        "certificate_number": expert.certificate_number, "issuer": expert.issuer,
        "valid_from": expert.valid_from, "valid_until": expert.valid_until,
        "certified_year": int(expert.valid_from[:4]) if expert.valid_from else None,
    }


class TrainingProjection:
    def __init__(self, database: Any, store: EventStore) -> None:
        self.read_model, self.store = ReadModel(database), store

    def handle(self, event: Envelope) -> None:
        if event.event_type in COURSE_EVENTS:
            project_aggregate(self.store, self.read_model, COURSES, event, courses.COURSE, course_summary)
        elif event.event_type in EXPERT_EVENTS:
            project_aggregate(self.store, self.read_model, EXPERTS, event, experts.expert_state, expert_summary)
        elif event.event_type in OUTREACH_EVENTS:
            project_aggregate(self.store, self.read_model, OUTREACH, event,
                              lambda history: outreach.single_fact(history, outreach.OUTREACH_RECORDED),
                              lambda view: _listed(view, "held_on"))
        elif event.event_type in HONOUR_EVENTS:
            project_aggregate(self.store, self.read_model, HONOURS, event,
                              lambda history: outreach.single_fact(history, outreach.HONOUR_AWARDED),
                              lambda view: _listed(view, "decision_date"))


class TrainingQueries:
    """Lists with filters and pages over the read models (eventually consistent with the streams)."""

    def __init__(self, database: Any) -> None:
        self.read_model = ReadModel(database)

    def courses(self, query: dict[str, Any]) -> dict[str, Any]:
        match = _match(query, {"topic": "topic", "kind": "kind", "department": "organiser", "year": "year",
                               "status": "status", "district_code": "districts", "enterprise_id": "enterprise_ids"})
        return self._page(COURSES, match, [("start_date", -1)], query)

    def outreach(self, query: dict[str, Any]) -> dict[str, Any]:
        match = _match(query, {"kind": "kind", "department": "department", "year": "year"}) | _standing(query)
        return self._page(OUTREACH, match, [("held_on", -1)], query)

    def honours(self, query: dict[str, Any]) -> dict[str, Any]:
        match = _match(query, {"recipient_kind": "recipient_kind", "department": "department", "year": "year",
                               "district_code": "district_code"}) | _standing(query)
        return self._page(HONOURS, match, [("decision_date", -1)], query)

    def experts(self, query: dict[str, Any], today: date) -> dict[str, Any]:
        match = _match(query, {"department": "department", "issuer": "issuer", "trained_year": "trained_year",
                               "certified_year": "certified_year"})
        status = query.get("status")
        if status == "valid":
            match.update({"state": "certified", "valid_until": {"$gte": today.isoformat()}})
        elif status == "expired":
            match.update({"state": "certified", "valid_until": {"$lt": today.isoformat()}})
        elif status:
            match["state"] = status
        result = self._page(EXPERTS, match, [("full_name", 1)], query)
        for row in result["items"]:
            row["status"] = _expert_status(row, today)
        return result

    def _page(self, collection: str, match: dict[str, Any], sort: list[tuple[str, int]],
              query: dict[str, Any]) -> dict[str, Any]:
        skip, limit = skip_limit(query)
        rows, total = self.read_model.page(collection, match, sort, skip, limit)
        return page_of(rows, total, query)


def _match(query: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    return {column: query[name] for name, column in fields.items() if query.get(name) is not None}


def _standing(query: dict[str, Any]) -> dict[str, Any]:
    """Records withdrawn as mistakes are listed only when asked for (``status=withdrawn``)."""
    return {"status": query["status"]} if query.get("status") else {"status": {"$ne": "withdrawn"}}


def _expert_status(row: dict[str, Any], today: date) -> str | None:
    if row.get("state") == "certified":
        return "valid" if today.isoformat() <= row["valid_until"] else "expired"
    return row.get("state")
