"""Courses, training classes and workshops (seed 2.3.4) and their participants: pure rules, no I/O.

Each decision takes a course as it stands (None before it is scheduled; ``COURSE`` folds it from its stream, with
snapshots: a course's stream grows with its participants) and what the caller looked up (today, a known
enterprise), and returns the new events, or raises a DomainError. The same person (see ``people``) cannot be
enrolled twice in a course.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from services.training.people import check_origin, invalid, origin_of, person_key
from shared.aggregate import Aggregate
from shared.contracts import training as contract
from shared.corrections import reason_given
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, IllegalTransition, NotFound
from shared.eventstore import NewEvent
from shared.ownership import Owned, Owner
from shared.units import UnitDirectory

COURSE_KINDS = {"training_class": "Lớp đào tạo, tập huấn", "workshop": "Hội thảo chuyên đề",
                "conference": "Hội nghị", "seminar": "Tọa đàm"}
COURSE_TOPICS = {"nscl_awareness": "Nhận thức về năng suất chất lượng",
                 "management_system": "Hệ thống quản lý (ISO 9001, ISO 14001, ISO 22000, ISO 56000, ...)",
                 "improvement_tool": "Công cụ cải tiến NSCL (5S, Kaizen, Lean, 6 Sigma, TPM, KPI, ...)",
                 "expert_training": "Đào tạo chuyên gia NSCL"}
PARTICIPANT_ROLES = {"leader": "cán bộ lãnh đạo", "manager": "cán bộ quản lý", "worker": "người lao động",
                     "official": "cán bộ, công chức"}

COURSE_SCHEDULED = contract.COURSE_SCHEDULED
PARTICIPANT_ENROLLED = contract.PARTICIPANT_ENROLLED
COURSE_HELD = contract.COURSE_HELD
ATTENDANCE_RECORDED = contract.ATTENDANCE_RECORDED
COMPLETION_RECORDED = contract.COMPLETION_RECORDED
COURSE_CLOSED = contract.COURSE_CLOSED
COURSE_CANCELLED = contract.COURSE_CANCELLED
PARTICIPANT_WITHDRAWN = contract.PARTICIPANT_WITHDRAWN

COURSE_STATES = {"scheduled": "đã lên lịch", "held": "đã tổ chức", "closed": "đã kết thúc",
                 "cancelled": "đã huỷ"}


class CourseFull(DomainError):
    slug = "course-full"
    title = "Khoá học đã đủ chỗ"


class AlreadyEnrolled(DomainError):
    slug = "already-enrolled"
    title = "Học viên đã được ghi danh"


class CourseNotStarted(DomainError):
    slug = "course-not-started"
    title = "Khoá học chưa đến ngày tổ chức"


@dataclass(frozen=True)
class Participant:
    id: str
    full_name: str
    role: str
    person_key: str
    identified_by: str
    enterprise_id: str | None
    enterprise_name: str | None
    district_code: str | None
    organisation_code: str | None
    attended: bool | None = None
    completed: bool | None = None


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    kind: str
    topic: str
    subject: str | None
    organiser: str
    start_date: str
    end_date: str
    venue: str
    capacity: int
    version: int
    status: str = "scheduled"
    participants: dict[str, Participant] = field(default_factory=dict)
    cancel_reason: str | None = None


def schedule_course(course: Course | None, *, organiser: str, title: str, kind: str, topic: str,
                    subject: str | None, start_date: date, end_date: date, venue: str,
                    capacity: int) -> list[NewEvent]:
    if course is not None:
        raise DomainError("Khoá học này đã được lên lịch.")
    if kind not in COURSE_KINDS:
        raise invalid("kind", "loại khoá học không có trong danh mục")
    if topic not in COURSE_TOPICS:
        raise invalid("topic", "chủ đề không có trong danh mục")
    if end_date < start_date:
        raise invalid("end_date", "ngày kết thúc trước ngày bắt đầu")
    if capacity < 1:
        raise invalid("capacity", "số chỗ phải từ 1")
    if not title.strip():
        raise invalid("title", "bắt buộc")
    return [NewEvent(COURSE_SCHEDULED, {
        "title": title.strip(), "kind": kind, "topic": topic, "subject": subject, "organiser": organiser,
        "start_date": start_date.isoformat(), "end_date": end_date.isoformat(), "venue": venue.strip(),
        "capacity": capacity})]


def enrol(current: Course | None, *, full_name: str, role: str, national_id: str | None,
          enterprise_id: str | None, organisation_code: str | None,
          enterprise: dict[str, Any] | None, key_secret: bytes, units: UnitDirectory | None = None) -> list[NewEvent]:
    """``key_secret``: the service's person key secret (see ``people.person_key``); ``units``: a participant's
    organisation must be in force on the course's first day."""
    course = _existing(current)
    if course.status not in ("scheduled", "held"):
        raise IllegalTransition.of("ghi danh học viên", course.status, COURSE_STATES)
    if role not in PARTICIPANT_ROLES:
        raise invalid("role", "vai trò không có trong danh mục")
    if not full_name.strip():
        raise invalid("full_name", "bắt buộc")
    check_origin(enterprise_id, organisation_code, enterprise, units, course.start_date)
    key = person_key(key_secret, full_name, national_id, origin_of(enterprise_id, organisation_code))
    participant_id = participant_id_for(course.id, key)
    if participant_id in course.participants:
        raise AlreadyEnrolled(f"Người này đã được ghi danh vào khoá học (học viên '{participant_id}').",
                              participant_id=participant_id)
    if len(course.participants) >= course.capacity:
        raise CourseFull(f"Khoá học đã đủ {course.capacity} chỗ.", capacity=course.capacity)
    return [NewEvent(PARTICIPANT_ENROLLED, {
        "participant_id": participant_id, "full_name": " ".join(full_name.split()), "role": role,
        "person_key": key, "identified_by": "national_id" if national_id else "name_and_origin",
        "enterprise_id": enterprise_id, "organisation_code": organisation_code,
        "enterprise_name": enterprise.get("name") if enterprise else None,
        "district_code": enterprise.get("district_code") if enterprise else None})]


def participant_id_for(course_id: str, key: str) -> str:
    return hashlib.sha256(f"{course_id}|{key}".encode()).hexdigest()[:16]


def hold(current: Course | None, *, today: date) -> list[NewEvent]:
    course = _existing(current)
    if course.status != "scheduled":
        raise IllegalTransition.of("ghi nhận khoá học đã tổ chức", course.status, COURSE_STATES)
    if date.fromisoformat(course.start_date) > today:
        raise CourseNotStarted(f"Khoá học bắt đầu ngày {course.start_date}; chưa thể ghi nhận đã tổ chức.",
                               start_date=course.start_date)
    return [NewEvent(COURSE_HELD, {"start_date": course.start_date, "end_date": course.end_date,
                                   "topic": course.topic, "kind": course.kind, "organiser": course.organiser,
                                   "participants": len(course.participants)},
                     occurred_at=business_time(course.start_date))]


def record_result(current: Course | None, participant_id: str, *, attended: bool,
                  completed: bool, reason: str | None = None) -> list[NewEvent]:
    """While the course is held, a result recorded again replaces the one before; once it is closed, a result typed
    wrongly is corrected the same way with a reason (kept in the events)."""
    course = _existing(current)
    if course.status not in ("held", "closed"):
        raise IllegalTransition.of("ghi nhận kết quả học viên", course.status, COURSE_STATES)
    correction = {"correction_reason": reason_given(reason or "")} if course.status == "closed" else {}
    participant = course.participants.get(participant_id)
    if participant is None:
        raise NotFound(f"Khoá học không có học viên '{participant_id}'.")
    if completed and not attended:
        raise invalid("completed", "không thể hoàn thành khi không tham dự")
    origin = {"participant_id": participant_id, "enterprise_id": participant.enterprise_id,
              "district_code": participant.district_code, "organisation_code": participant.organisation_code,
              "topic": course.topic}  # self-contained for consumers counting trained enterprises (I3)
    events = []
    if participant.attended != attended:
        events.append(NewEvent(ATTENDANCE_RECORDED, {**origin, "attended": attended, **correction},
                               occurred_at=business_time(course.start_date)))
    if participant.completed != completed:
        events.append(NewEvent(COMPLETION_RECORDED, {**origin, "completed": completed, **correction},
                               occurred_at=business_time(course.end_date)))
    return events


def withdraw_participant(current: Course | None, participant_id: str, *, reason: str) -> list[NewEvent]:
    """A correction: a participant enrolled by mistake is taken off the course, with a reason, before or after
    the course is held and after it is closed; their attendance and completion no longer count anywhere. The
    same person may be enrolled again (the same participant id)."""
    course = _existing(current)
    if course.status == "cancelled":
        raise IllegalTransition.of("rút học viên", course.status, COURSE_STATES)
    participant = course.participants.get(participant_id)
    if participant is None:
        raise NotFound(f"Khoá học không có học viên '{participant_id}' (hoặc học viên đã được rút).")
    return [NewEvent(PARTICIPANT_WITHDRAWN, {
        "participant_id": participant_id, "enterprise_id": participant.enterprise_id,
        "district_code": participant.district_code, "organisation_code": participant.organisation_code,
        "reason": reason_given(reason)})]


def close(current: Course | None) -> list[NewEvent]:
    course = _existing(current)
    if course.status != "held":
        raise IllegalTransition.of("kết thúc khoá học", course.status, COURSE_STATES)
    return [NewEvent(COURSE_CLOSED, {
        "attended": sum(1 for p in course.participants.values() if p.attended),
        "completed": sum(1 for p in course.participants.values() if p.completed)})]


def cancel(current: Course | None, *, reason: str) -> list[NewEvent]:
    course = _existing(current)
    if course.status != "scheduled":
        raise IllegalTransition.of("huỷ khoá học", course.status, COURSE_STATES)
    if not reason.strip():
        raise invalid("reason", "bắt buộc")
    return [NewEvent(COURSE_CANCELLED, {"reason": reason.strip()})]


def course_state(history: list[Envelope]) -> Course | None:
    return COURSE.fold(history)


def _evolve_course(course: Course | None, event: Envelope) -> Course | None:
    data = event.data
    if event.event_type == COURSE_SCHEDULED:
        return Course(id=event.stream_id, title=data["title"], kind=data["kind"], topic=data["topic"],
                      subject=data.get("subject"), organiser=data["organiser"], start_date=data["start_date"],
                      end_date=data["end_date"], venue=data["venue"], capacity=data["capacity"],
                      version=event.version)
    if course is None:
        return None
    course = replace(course, version=event.version)
    if event.event_type == PARTICIPANT_ENROLLED:
        participant = Participant(id=data["participant_id"], full_name=data["full_name"], role=data["role"],
                                  person_key=data["person_key"], identified_by=data["identified_by"],
                                  enterprise_id=data.get("enterprise_id"),
                                  enterprise_name=data.get("enterprise_name"),
                                  district_code=data.get("district_code"),
                                  organisation_code=data.get("organisation_code"))
        return replace(course, participants={**course.participants, participant.id: participant})
    if event.event_type == PARTICIPANT_WITHDRAWN:
        return replace(course, participants={key: participant for key, participant in course.participants.items()
                                             if key != data["participant_id"]})
    if event.event_type in (ATTENDANCE_RECORDED, COMPLETION_RECORDED):
        name = "attended" if event.event_type == ATTENDANCE_RECORDED else "completed"
        participant = replace(course.participants[data["participant_id"]], **{name: data[name]})
        return replace(course, participants={**course.participants, participant.id: participant})
    status = {COURSE_HELD: "held", COURSE_CLOSED: "closed", COURSE_CANCELLED: "cancelled"}.get(event.event_type)
    if status:
        return replace(course, status=status, cancel_reason=data.get("reason", course.cancel_reason))
    return course


def _course_document(course: Course) -> dict[str, Any]:
    return asdict(course)  # participants by id: hexadecimal keys


def _course_from(document: dict[str, Any]) -> Course:
    participants = {key: Participant(**participant) for key, participant in document["participants"].items()}
    return Course(**{**document, "participants": participants})


COURSE = Aggregate("course", _evolve_course, _course_document, _course_from)

# Run only by its organiser (shared.ownership, rule "course").
OWNED = Owned("course", course_state, lambda course: Owner(course.organiser), aggregate=COURSE)


def _existing(course: Course | None) -> Course:
    if course is None:
        raise NotFound("Không có khoá học với mã định danh này.")
    return course
