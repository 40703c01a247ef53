"""Training's aggregates: pure rules, no I/O. Courses, outreach, honours and NSCL experts.

Each function takes a stream's history (and what the caller looked up: today, a known enterprise, the
courses an expert trained in) and returns the new events, or raises a DomainError.

Identity of a person (a course participant, an expert): the national ID number (CCCD, 9 or 12 digits)
when it is given; otherwise the full name, normalised (Unicode NFC, case-folded, inner spaces collapsed,
diacritics kept: "Nguyễn Văn An" and "Nguyễn Văn Ân" are different people) together with where the person
comes from (the enterprise id or the organisation code). The same person cannot be enrolled twice in one
course; an expert's training is verified against the completions of that same person.

Certificate validity: a certificate is valid from ``valid_from`` through ``valid_until`` inclusive (it is
"valid until the end of that day", as a printed certificate reads); from the day after it is expired.
Expiry is derived from the date in the province's time zone, never an event.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from shared.envelope import Envelope, business_time
from shared.errors import DomainError, NotFound
from shared.eventstore import NewEvent
from shared.reference import DEPARTMENTS

# ---- vocabularies ----------------------------------------------------------------------------------------
COURSE_KINDS = {"training_class": "Lớp đào tạo, tập huấn", "workshop": "Hội thảo chuyên đề",
                "conference": "Hội nghị", "seminar": "Tọa đàm"}
COURSE_TOPICS = {"nscl_awareness": "Nhận thức về năng suất chất lượng",
                 "management_system": "Hệ thống quản lý (ISO 9001, ISO 14001, ISO 22000, ISO 56000, ...)",
                 "improvement_tool": "Công cụ cải tiến NSCL (5S, Kaizen, Lean, 6 Sigma, TPM, KPI, ...)",
                 "expert_training": "Đào tạo chuyên gia NSCL"}
PARTICIPANT_ROLES = {"leader": "cán bộ lãnh đạo", "manager": "cán bộ quản lý", "worker": "người lao động",
                     "official": "cán bộ, công chức"}
OUTREACH_KINDS = {"tv_programme": "Chuyên mục truyền hình", "website_article": "Bài viết trên website",
                  "publication": "Ấn phẩm, tài liệu", "conference": "Hội nghị, sự kiện tuyên truyền"}
RECIPIENT_KINDS = {"collective": "tập thể", "individual": "cá nhân"}
ISSUERS = {"local_programme": "Chương trình NSCL của tỉnh",
           "national_apo": "Cơ quan quốc gia / được Tổ chức Năng suất Châu Á (APO) công nhận"}

# ---- event types ------------------------------------------------------------------------------------------
COURSE_SCHEDULED = "CourseScheduled"
PARTICIPANT_ENROLLED = "ParticipantEnrolled"
COURSE_HELD = "CourseHeld"
ATTENDANCE_RECORDED = "AttendanceRecorded"
COMPLETION_RECORDED = "CompletionRecorded"
COURSE_CLOSED = "CourseClosed"
COURSE_CANCELLED = "CourseCancelled"
OUTREACH_RECORDED = "OutreachActivityRecorded"
HONOUR_AWARDED = "HonourAwarded"
EXPERT_NOMINATED = "ExpertNominated"
EXPERT_TRAINED = "ExpertTrained"
EXPERT_CERTIFIED = "ExpertCertified"
CERTIFICATE_RENEWED = "CertificateRenewed"
CERTIFICATE_SUSPENDED = "CertificateSuspended"
CERTIFICATE_REINSTATED = "CertificateReinstated"
CERTIFICATE_REVOKED = "CertificateRevoked"

COURSE_STATES = {"scheduled": "đã lên lịch", "held": "đã tổ chức", "closed": "đã kết thúc",
                 "cancelled": "đã huỷ"}
EXPERT_STATES = {"candidate": "ứng viên", "trained": "đã đào tạo", "certified": "đã cấp chứng chỉ",
                 "suspended": "chứng chỉ bị đình chỉ", "revoked": "chứng chỉ bị thu hồi"}


# ---- errors -------------------------------------------------------------------------------------------------
class IllegalTransition(DomainError):
    slug = "illegal-transition"
    title = "Không thể chuyển trạng thái"

    def __init__(self, what: str, current: str, labels: dict[str, str]) -> None:
        super().__init__(f"Không thể {what}: trạng thái hiện tại là '{current}' ({labels.get(current, current)}).",
                         current_state=current)


class CourseFull(DomainError):
    slug = "course-full"
    title = "Khoá học đã đủ chỗ"


class AlreadyEnrolled(DomainError):
    slug = "already-enrolled"
    title = "Học viên đã được ghi danh"


class CourseNotStarted(DomainError):
    slug = "course-not-started"
    title = "Khoá học chưa đến ngày tổ chức"


class InvalidTrainingData(DomainError):
    status = 422
    slug = "invalid-training-data"
    title = "Dữ liệu không hợp lệ theo quy tắc nghiệp vụ"


class UnknownEnterprise(DomainError):
    status = 422
    slug = "unknown-enterprise"
    title = "Doanh nghiệp chưa có trong danh bạ"


class TrainingNotVerified(DomainError):
    status = 422
    slug = "training-not-verified"
    title = "Không xác minh được việc đào tạo chuyên gia"


def _invalid(field_name: str, message: str) -> InvalidTrainingData:
    return InvalidTrainingData(message, errors={field_name: [message]})


# ---- identity of a person ---------------------------------------------------------------------------------
def normalise_name(full_name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", full_name).casefold().split())


def person_key(full_name: str, national_id: str | None, origin: str) -> str:
    """The identity of a person, hashed so a national ID number never appears in a key or a read model."""
    basis = f"cccd:{national_id}" if national_id else f"name:{normalise_name(full_name)}|{origin}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def origin_of(enterprise_id: str | None, organisation_code: str | None) -> str:
    return f"enterprise:{enterprise_id}" if enterprise_id else f"organisation:{organisation_code}"


def check_origin(enterprise_id: str | None, organisation_code: str | None,
                 enterprise: dict[str, Any] | None) -> None:
    """Exactly one of an enterprise known from registry events (and open) or an organisation code."""
    if bool(enterprise_id) == bool(organisation_code):
        raise InvalidTrainingData("Cần đúng một trong hai: enterprise_id hoặc organisation_code.",
                                  errors={"enterprise_id": ["cần đúng một trong enterprise_id, organisation_code"]})
    if organisation_code and organisation_code not in DEPARTMENTS:
        raise _invalid("organisation_code", f"mã đơn vị '{organisation_code}' không có trong danh mục")
    if enterprise_id and enterprise is None:
        raise UnknownEnterprise(f"Dịch vụ đào tạo chưa biết doanh nghiệp '{enterprise_id}' "
                                "(chưa đăng ký, hoặc sự kiện đăng ký chưa đến).",
                                errors={"enterprise_id": ["doanh nghiệp chưa có trong danh bạ"]})
    if enterprise_id and enterprise is not None and enterprise.get("status") == "closed":
        raise UnknownEnterprise(f"Doanh nghiệp '{enterprise_id}' đã ngừng hoạt động.",
                                errors={"enterprise_id": ["doanh nghiệp đã ngừng hoạt động"]})


# ---- courses --------------------------------------------------------------------------------------------------
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


def schedule_course(history: list[Envelope], *, organiser: str, title: str, kind: str, topic: str,
                    subject: str | None, start_date: date, end_date: date, venue: str,
                    capacity: int) -> list[NewEvent]:
    if history:
        raise DomainError("Khoá học này đã được lên lịch.")
    if kind not in COURSE_KINDS:
        raise _invalid("kind", "loại khoá học không có trong danh mục")
    if topic not in COURSE_TOPICS:
        raise _invalid("topic", "chủ đề không có trong danh mục")
    if end_date < start_date:
        raise _invalid("end_date", "ngày kết thúc trước ngày bắt đầu")
    if capacity < 1:
        raise _invalid("capacity", "số chỗ phải từ 1")
    if not title.strip():
        raise _invalid("title", "bắt buộc")
    return [NewEvent(COURSE_SCHEDULED, {
        "title": title.strip(), "kind": kind, "topic": topic, "subject": subject, "organiser": organiser,
        "start_date": start_date.isoformat(), "end_date": end_date.isoformat(), "venue": venue.strip(),
        "capacity": capacity})]


def enrol(history: list[Envelope], *, full_name: str, role: str, national_id: str | None,
          enterprise_id: str | None, organisation_code: str | None,
          enterprise: dict[str, Any] | None) -> list[NewEvent]:
    course = _existing_course(history)
    if course.status not in ("scheduled", "held"):
        raise IllegalTransition("ghi danh học viên", course.status, COURSE_STATES)
    if role not in PARTICIPANT_ROLES:
        raise _invalid("role", "vai trò không có trong danh mục")
    if not full_name.strip():
        raise _invalid("full_name", "bắt buộc")
    check_origin(enterprise_id, organisation_code, enterprise)
    key = person_key(full_name, national_id, origin_of(enterprise_id, organisation_code))
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


def hold(history: list[Envelope], *, today: date) -> list[NewEvent]:
    course = _existing_course(history)
    if course.status != "scheduled":
        raise IllegalTransition("ghi nhận khoá học đã tổ chức", course.status, COURSE_STATES)
    if date.fromisoformat(course.start_date) > today:
        raise CourseNotStarted(f"Khoá học bắt đầu ngày {course.start_date}; chưa thể ghi nhận đã tổ chức.",
                               start_date=course.start_date)
    return [NewEvent(COURSE_HELD, {"start_date": course.start_date, "end_date": course.end_date,
                                   "topic": course.topic, "kind": course.kind, "organiser": course.organiser,
                                   "participants": len(course.participants)},
                     occurred_at=business_time(course.start_date))]


def record_result(history: list[Envelope], participant_id: str, *, attended: bool,
                  completed: bool) -> list[NewEvent]:
    course = _existing_course(history)
    if course.status != "held":
        raise IllegalTransition("ghi nhận kết quả học viên", course.status, COURSE_STATES)
    participant = course.participants.get(participant_id)
    if participant is None:
        raise NotFound(f"Khoá học không có học viên '{participant_id}'.")
    if completed and not attended:
        raise _invalid("completed", "không thể hoàn thành khi không tham dự")
    origin = {"participant_id": participant_id, "enterprise_id": participant.enterprise_id,
              "district_code": participant.district_code, "organisation_code": participant.organisation_code,
              "topic": course.topic}  # self-contained for consumers counting trained enterprises (I3)
    events = []
    if participant.attended != attended:
        events.append(NewEvent(ATTENDANCE_RECORDED, {**origin, "attended": attended},
                               occurred_at=business_time(course.start_date)))
    if participant.completed != completed:
        events.append(NewEvent(COMPLETION_RECORDED, {**origin, "completed": completed},
                               occurred_at=business_time(course.end_date)))
    return events


def close(history: list[Envelope]) -> list[NewEvent]:
    course = _existing_course(history)
    if course.status != "held":
        raise IllegalTransition("kết thúc khoá học", course.status, COURSE_STATES)
    return [NewEvent(COURSE_CLOSED, {
        "attended": sum(1 for p in course.participants.values() if p.attended),
        "completed": sum(1 for p in course.participants.values() if p.completed)})]


def cancel(history: list[Envelope], *, reason: str) -> list[NewEvent]:
    course = _existing_course(history)
    if course.status != "scheduled":
        raise IllegalTransition("huỷ khoá học", course.status, COURSE_STATES)
    if not reason.strip():
        raise _invalid("reason", "bắt buộc")
    return [NewEvent(COURSE_CANCELLED, {"reason": reason.strip()})]


def course_state(history: list[Envelope]) -> Course | None:
    course: Course | None = None
    for event in history:
        course = _evolve_course(course, event)
    return course


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
    if event.event_type in (ATTENDANCE_RECORDED, COMPLETION_RECORDED):
        name = "attended" if event.event_type == ATTENDANCE_RECORDED else "completed"
        participant = replace(course.participants[data["participant_id"]], **{name: data[name]})
        return replace(course, participants={**course.participants, participant.id: participant})
    status = {COURSE_HELD: "held", COURSE_CLOSED: "closed", COURSE_CANCELLED: "cancelled"}.get(event.event_type)
    if status:
        return replace(course, status=status, cancel_reason=data.get("reason", course.cancel_reason))
    return course


def _existing_course(history: list[Envelope]) -> Course:
    course = course_state(history)
    if course is None:
        raise NotFound("Không có khoá học với mã định danh này.")
    return course


# ---- outreach and honours -------------------------------------------------------------------------------------
def record_outreach(history: list[Envelope], *, department: str, kind: str, title: str, held_on: date,
                    reach: int, channel: str | None) -> list[NewEvent]:
    if history:
        raise DomainError("Hoạt động truyền thông này đã được ghi nhận.")
    if kind not in OUTREACH_KINDS:
        raise _invalid("kind", "loại hoạt động không có trong danh mục")
    if reach < 0:
        raise _invalid("reach", "không được âm")
    return [NewEvent(OUTREACH_RECORDED, {"department": department, "kind": kind, "title": title.strip(),
                                         "held_on": held_on.isoformat(), "reach": reach, "channel": channel},
                     occurred_at=business_time(held_on))]


def award_honour(history: list[Envelope], *, department: str, recipient_kind: str, recipient_name: str,
                 enterprise_id: str | None, enterprise: dict[str, Any] | None, kind: str,
                 decision_number: str, decision_date: date) -> list[NewEvent]:
    if history:
        raise DomainError("Khen thưởng này đã được ghi nhận.")
    if recipient_kind not in RECIPIENT_KINDS:
        raise _invalid("recipient_kind", "không có trong danh mục")
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


# ---- NSCL experts ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expert:
    id: str
    full_name: str
    person_key: str
    identified_by: str
    enterprise_id: str | None
    enterprise_name: str | None
    organisation_code: str | None
    department: str
    version: int
    state: str = "candidate"
    trained_on: str | None = None
    course_ids: tuple[str, ...] = ()
    certificate_number: str | None = None
    issuer: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    public_id: str | None = None
    suspended_on: str | None = None
    revoked_on: str | None = None
    reason: str | None = None

    def status_on(self, today: date) -> str:
        """The certificate's status: valid, expired (derived from the date), suspended or revoked;
        before certification, the expert's state (candidate, trained)."""
        if self.state == "certified" and self.valid_until:
            return "valid" if today <= date.fromisoformat(self.valid_until) else "expired"
        return self.state


def nominate(history: list[Envelope], *, department: str, full_name: str, national_id: str | None,
             enterprise_id: str | None, organisation_code: str | None,
             enterprise: dict[str, Any] | None) -> list[NewEvent]:
    if history:
        raise DomainError("Ứng viên chuyên gia này đã được đề cử.")
    if not full_name.strip():
        raise _invalid("full_name", "bắt buộc")
    check_origin(enterprise_id, organisation_code, enterprise)
    return [NewEvent(EXPERT_NOMINATED, {
        "department": department, "full_name": " ".join(full_name.split()),
        "person_key": person_key(full_name, national_id, origin_of(enterprise_id, organisation_code)),
        "identified_by": "national_id" if national_id else "name_and_origin",
        "enterprise_id": enterprise_id, "organisation_code": organisation_code,
        "enterprise_name": enterprise.get("name") if enterprise else None})]


def record_training(history: list[Envelope], courses: dict[str, Course | None]) -> list[NewEvent]:
    """Trained by the expert-training course(s) the same person completed (verified on the courses' streams)."""
    expert = _existing_expert(history)
    if expert.state != "candidate":
        raise IllegalTransition("ghi nhận đã đào tạo", expert.state, EXPERT_STATES)
    if not courses:
        raise _invalid("course_ids", "cần ít nhất một khoá đào tạo chuyên gia")
    problems = []
    for course_id, course in courses.items():
        if course is None:
            problems.append(f"'{course_id}': không có khoá học này")
        elif course.topic != "expert_training":
            problems.append(f"'{course_id}': không phải khoá đào tạo chuyên gia NSCL")
        elif course.status not in ("held", "closed"):
            problems.append(f"'{course_id}': khoá học chưa được tổ chức ({course.status})")
        elif not any(p.person_key == expert.person_key and p.completed for p in course.participants.values()):
            problems.append(f"'{course_id}': người này không có kết quả hoàn thành khoá học")
    if problems:
        raise TrainingNotVerified("Không xác minh được: " + "; ".join(problems) + ".",
                                  errors={"course_ids": problems})
    trained_on = max(course.end_date for course in courses.values() if course is not None)
    return [NewEvent(EXPERT_TRAINED, {"course_ids": sorted(courses), "trained_on": trained_on,
                                      "department": expert.department, "enterprise_id": expert.enterprise_id,
                                      "organisation_code": expert.organisation_code},
                     occurred_at=business_time(trained_on))]


def certify(history: list[Envelope], *, certificate_number: str, issuer: str, valid_from: date,
            valid_until: date, public_id: str) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state != "trained":
        raise IllegalTransition("cấp chứng chỉ", expert.state, EXPERT_STATES)
    if issuer not in ISSUERS:
        raise _invalid("issuer", "không có trong danh mục")
    if valid_until < valid_from:
        raise _invalid("valid_until", "ngày hết hiệu lực trước ngày có hiệu lực")
    if not certificate_number.strip():
        raise _invalid("certificate_number", "bắt buộc")
    return [NewEvent(EXPERT_CERTIFIED, {
        "certificate_number": certificate_number.strip(), "issuer": issuer, "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(), "public_id": public_id, "holder_name": expert.full_name},
        occurred_at=business_time(valid_from))]


def renew(history: list[Envelope], *, valid_until: date, renewed_on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state != "certified":
        raise IllegalTransition("gia hạn chứng chỉ", expert.state, EXPERT_STATES)
    if expert.valid_until and valid_until <= date.fromisoformat(expert.valid_until):
        raise _invalid("valid_until", f"phải sau ngày hết hiệu lực hiện tại ({expert.valid_until})")
    return [NewEvent(CERTIFICATE_RENEWED, {"valid_until": valid_until.isoformat(),
                                           "previous_valid_until": expert.valid_until,
                                           "renewed_on": renewed_on.isoformat()},
                     occurred_at=business_time(renewed_on))]


def suspend(history: list[Envelope], *, reason: str, on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state != "certified":
        raise IllegalTransition("đình chỉ chứng chỉ", expert.state, EXPERT_STATES)
    return [NewEvent(CERTIFICATE_SUSPENDED, {"reason": _reason(reason), "suspended_on": on.isoformat()},
                     occurred_at=business_time(on))]


def reinstate(history: list[Envelope], *, on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state != "suspended":
        raise IllegalTransition("khôi phục chứng chỉ", expert.state, EXPERT_STATES)
    return [NewEvent(CERTIFICATE_REINSTATED, {"reinstated_on": on.isoformat()}, occurred_at=business_time(on))]


def revoke(history: list[Envelope], *, reason: str, on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state not in ("certified", "suspended"):
        raise IllegalTransition("thu hồi chứng chỉ", expert.state, EXPERT_STATES)
    return [NewEvent(CERTIFICATE_REVOKED, {"reason": _reason(reason), "revoked_on": on.isoformat()},
                     occurred_at=business_time(on))]


def _reason(reason: str) -> str:
    if not reason.strip():
        raise _invalid("reason", "bắt buộc")
    return reason.strip()


def expert_state(history: list[Envelope]) -> Expert | None:
    expert: Expert | None = None
    for event in history:
        expert = _evolve_expert(expert, event)
    return expert


def _evolve_expert(expert: Expert | None, event: Envelope) -> Expert | None:
    data = event.data
    if event.event_type == EXPERT_NOMINATED:
        return Expert(id=event.stream_id, full_name=data["full_name"], person_key=data["person_key"],
                      identified_by=data["identified_by"], enterprise_id=data.get("enterprise_id"),
                      enterprise_name=data.get("enterprise_name"), organisation_code=data.get("organisation_code"),
                      department=data["department"], version=event.version)
    if expert is None:
        return None
    expert = replace(expert, version=event.version)
    if event.event_type == EXPERT_TRAINED:
        return replace(expert, state="trained", trained_on=data["trained_on"], course_ids=tuple(data["course_ids"]))
    if event.event_type == EXPERT_CERTIFIED:
        return replace(expert, state="certified", certificate_number=data["certificate_number"],
                       issuer=data["issuer"], valid_from=data["valid_from"], valid_until=data["valid_until"],
                       public_id=data["public_id"])
    if event.event_type == CERTIFICATE_RENEWED:
        return replace(expert, valid_until=data["valid_until"])
    if event.event_type == CERTIFICATE_SUSPENDED:
        return replace(expert, state="suspended", suspended_on=data["suspended_on"], reason=data["reason"])
    if event.event_type == CERTIFICATE_REINSTATED:
        return replace(expert, state="certified", suspended_on=None, reason=None)
    if event.event_type == CERTIFICATE_REVOKED:
        return replace(expert, state="revoked", revoked_on=data["revoked_on"], reason=data["reason"])
    return expert


def _existing_expert(history: list[Envelope]) -> Expert:
    expert = expert_state(history)
    if expert is None:
        raise NotFound("Không có chuyên gia với mã định danh này.")
    return expert


NATIONAL_ID = re.compile(r"\d{9}|\d{12}")
