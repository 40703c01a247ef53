"""NSCL experts: nominated, trained (verified against the courses the same person completed), certified,
renewed, suspended, reinstated or revoked. Pure rules, no I/O.

Certificate validity: a certificate is valid from ``valid_from`` through ``valid_until`` inclusive (it is
"valid until the end of that day", as a printed certificate reads); from the day after it is expired.
Expiry is derived from the date in the province's time zone, never an event.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.training.courses import Course
from services.training.people import check_origin, invalid, origin_of, person_key
from shared.contracts import training as contract
from shared.envelope import Envelope, business_time
from shared.errors import DomainError, IllegalTransition, NotFound
from shared.eventstore import NewEvent
from shared.ownership import Owned, Owner
from shared.units import UnitDirectory

ISSUERS = {"local_programme": "Chương trình NSCL của tỉnh",
           "national_apo": "Cơ quan quốc gia / được Tổ chức Năng suất Châu Á (APO) công nhận"}

EXPERT_NOMINATED = contract.EXPERT_NOMINATED
EXPERT_TRAINED = contract.EXPERT_TRAINED
EXPERT_CERTIFIED = contract.EXPERT_CERTIFIED
CERTIFICATE_RENEWED = contract.CERTIFICATE_RENEWED
CERTIFICATE_SUSPENDED = contract.CERTIFICATE_SUSPENDED
CERTIFICATE_REINSTATED = contract.CERTIFICATE_REINSTATED
CERTIFICATE_REVOKED = contract.CERTIFICATE_REVOKED

EXPERT_STATES = {"candidate": "ứng viên", "trained": "đã đào tạo", "certified": "đã cấp chứng chỉ",
                 "suspended": "chứng chỉ bị đình chỉ", "revoked": "chứng chỉ bị thu hồi"}


class TrainingNotVerified(DomainError):
    status = 422
    slug = "training-not-verified"
    title = "Không xác minh được việc đào tạo chuyên gia"


@dataclass(frozen=True)
class RevokedCertificate:
    """A certificate revoked before the expert was certified again: it stays verifiable, as revoked."""
    public_id: str
    certificate_number: str
    issuer: str
    valid_from: str
    valid_until: str
    revoked_on: str
    reason: str


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
    revoked_certificates: tuple[RevokedCertificate, ...] = ()

    def certificate_ids(self) -> list[str]:
        """Every public id issued to the expert: the current certificate's and those revoked before it."""
        return [*(old.public_id for old in self.revoked_certificates), *([self.public_id] if self.public_id else [])]

    def as_certificate(self, public_id: str) -> Expert:
        """The expert as the certificate of ``public_id`` shows them: the current one, or a revoked one as it
        was when revoked."""
        for old in self.revoked_certificates:
            if old.public_id == public_id:
                return replace(self, state="revoked", public_id=old.public_id,
                               certificate_number=old.certificate_number, issuer=old.issuer,
                               valid_from=old.valid_from, valid_until=old.valid_until, revoked_on=old.revoked_on,
                               reason=old.reason, suspended_on=None)
        return self

    def status_on(self, today: date) -> str:
        """The certificate's status: valid, expired (derived from the date), suspended or revoked;
        before certification, the expert's state (candidate, trained)."""
        if self.state == "certified" and self.valid_until:
            return "valid" if today <= date.fromisoformat(self.valid_until) else "expired"
        return self.state


def nominate(history: list[Envelope], *, department: str, full_name: str, national_id: str | None,
             enterprise_id: str | None, organisation_code: str | None,
             enterprise: dict[str, Any] | None, key_secret: bytes, units: UnitDirectory | None = None,
             on: date | None = None) -> list[NewEvent]:
    """``units``, ``on``: a candidate's organisation must be in force on the day of the nomination."""
    if history:
        raise DomainError("Ứng viên chuyên gia này đã được đề cử.")
    if not full_name.strip():
        raise invalid("full_name", "bắt buộc")
    check_origin(enterprise_id, organisation_code, enterprise, units, on.isoformat() if on else "")
    return [NewEvent(EXPERT_NOMINATED, {
        "department": department, "full_name": " ".join(full_name.split()),
        "person_key": person_key(key_secret, full_name, national_id, origin_of(enterprise_id, organisation_code)),
        "identified_by": "national_id" if national_id else "name_and_origin",
        "enterprise_id": enterprise_id, "organisation_code": organisation_code,
        "enterprise_name": enterprise.get("name") if enterprise else None})]


def record_training(history: list[Envelope], courses: dict[str, Course | None]) -> list[NewEvent]:
    """Trained by the expert-training course(s) the same person completed (verified on the courses' streams)."""
    expert = _existing_expert(history)
    if expert.state != "candidate":
        raise IllegalTransition.of("ghi nhận đã đào tạo", expert.state, EXPERT_STATES)
    if not courses:
        raise invalid("course_ids", "cần ít nhất một khoá đào tạo chuyên gia")
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
    """A trained expert is certified; one whose certificate was revoked may be certified again, with a new
    certificate (a new number and a new public id): the revoked one stays verifiable as revoked."""
    expert = _existing_expert(history)
    if expert.state not in ("trained", "revoked"):
        raise IllegalTransition.of("cấp chứng chỉ", expert.state, EXPERT_STATES)
    used = {old.certificate_number for old in expert.revoked_certificates} | {expert.certificate_number}
    if certificate_number.strip() in used:
        raise invalid("certificate_number", "đã dùng cho một chứng chỉ bị thu hồi của chuyên gia này; cần số mới")
    if issuer not in ISSUERS:
        raise invalid("issuer", "không có trong danh mục")
    if valid_until < valid_from:
        raise invalid("valid_until", "ngày hết hiệu lực trước ngày có hiệu lực")
    if not certificate_number.strip():
        raise invalid("certificate_number", "bắt buộc")
    return [NewEvent(EXPERT_CERTIFIED, {
        "certificate_number": certificate_number.strip(), "issuer": issuer, "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(), "public_id": public_id, "holder_name": expert.full_name},
        occurred_at=business_time(valid_from))]


def renew(history: list[Envelope], *, valid_until: date, renewed_on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state != "certified":
        raise IllegalTransition.of("gia hạn chứng chỉ", expert.state, EXPERT_STATES)
    if expert.valid_until and valid_until <= date.fromisoformat(expert.valid_until):
        raise invalid("valid_until", f"phải sau ngày hết hiệu lực hiện tại ({expert.valid_until})")
    return [NewEvent(CERTIFICATE_RENEWED, {"valid_until": valid_until.isoformat(),
                                           "previous_valid_until": expert.valid_until,
                                           "renewed_on": renewed_on.isoformat()},
                     occurred_at=business_time(renewed_on))]


def suspend(history: list[Envelope], *, reason: str, on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state != "certified":
        raise IllegalTransition.of("đình chỉ chứng chỉ", expert.state, EXPERT_STATES)
    return [NewEvent(CERTIFICATE_SUSPENDED, {"reason": _reason(reason), "suspended_on": on.isoformat()},
                     occurred_at=business_time(on))]


def reinstate(history: list[Envelope], *, on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state != "suspended":
        raise IllegalTransition.of("khôi phục chứng chỉ", expert.state, EXPERT_STATES)
    return [NewEvent(CERTIFICATE_REINSTATED, {"reinstated_on": on.isoformat()}, occurred_at=business_time(on))]


def revoke(history: list[Envelope], *, reason: str, on: date) -> list[NewEvent]:
    expert = _existing_expert(history)
    if expert.state not in ("certified", "suspended"):
        raise IllegalTransition.of("thu hồi chứng chỉ", expert.state, EXPERT_STATES)
    return [NewEvent(CERTIFICATE_REVOKED, {"reason": _reason(reason), "revoked_on": on.isoformat()},
                     occurred_at=business_time(on))]


def _reason(reason: str) -> str:
    if not reason.strip():
        raise invalid("reason", "bắt buộc")
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
        if expert.state == "revoked":  # certified again: the revoked certificate is kept beside the new one
            expert = replace(expert, revoked_on=None, reason=None, revoked_certificates=(
                *expert.revoked_certificates,
                RevokedCertificate(expert.public_id or "", expert.certificate_number or "", expert.issuer or "",
                                   expert.valid_from or "", expert.valid_until or "", expert.revoked_on or "",
                                   expert.reason or "")))
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


# Followed by the nominating department (shared.ownership, rule "expert").
OWNED = Owned("expert", expert_state, lambda expert: Owner(expert.department))


def _existing_expert(history: list[Envelope]) -> Expert:
    expert = expert_state(history)
    if expert is None:
        raise NotFound("Không có chuyên gia với mã định danh này.")
    return expert

