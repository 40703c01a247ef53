"""Training service: courses and participants, outreach and honours, NSCL experts and their certificates.

Routes are thin: parse, look up what the decision needs (today, a known enterprise, courses), run the
command on one stream, answer from that stream. Lists and filters read the read models (eventually
consistent, kept by the worker); a single record and certificate verification read the stream itself.
"""
from __future__ import annotations

import hmac
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask, current_app, url_for

from services.training import domain
from services.training.certificates import expert_id_of, issue_public_id
from services.training.readmodel import TrainingQueries
from services.training.schemas import (
    AwardHonour, CancelCourse, CertificateVerification, CertifyExpert, CourseOut, CoursePage, CourseQuery,
    EnrolParticipant, ExpertOut, ExpertPage, ExpertQuery, HonourOut, HonourPage, HonourQuery, KnownEnterpriseOut,
    NominateExpert, OutreachOut, OutreachPage, OutreachQuery, RecordExpertTraining, RecordOutreach, RecordResult,
    Reinstate, RenewCertificate, ScheduleCourse, SuspendOrRevoke,
)
from shared.audit import attach_event_store, store
from shared.commands import run_command
from shared.config import Settings
from shared.directory import EnterpriseDirectory, KnownEnterprises
from shared.errors import DomainError, NotFound
from shared.eventstore import EventStore
from shared.http import (
    COMMAND_HEADERS, ETAG_HEADER, ServiceBlueprint, command_context, create_service_app,
    current_principal, require, versioned,
)
from shared.reference import DISTRICTS, province_today


courses = ServiceBlueprint("courses", __name__, url_prefix="/api/v1",
                           description="Khoá đào tạo, tập huấn, hội thảo về NSCL và học viên (mục 2.3.4)")
outreach = ServiceBlueprint("outreach", __name__, url_prefix="/api/v1",
                            description="Thông tin, tuyên truyền về NSCL; tôn vinh, khen thưởng (mục 2.3.2)")
experts = ServiceBlueprint("experts", __name__, url_prefix="/api/v1",
                           description="Chuyên gia NSCL: đề cử, đào tạo, cấp, gia hạn, đình chỉ, thu hồi chứng chỉ")
public = ServiceBlueprint("certificates", __name__, url_prefix="/api/v1",
                          description="Tra cứu chứng chỉ chuyên gia NSCL không cần đăng nhập")
enterprises = ServiceBlueprint("known_enterprises", __name__, url_prefix="/api/v1",
                               description="Doanh nghiệp dịch vụ đào tạo đã biết (từ sự kiện của registry)")


@dataclass
class TrainingDependencies:
    known_enterprises: KnownEnterprises
    queries: TrainingQueries


def deps() -> TrainingDependencies:
    return current_app.extensions["training"]


def _enterprise(enterprise_id: str | None) -> dict[str, Any] | None:
    return deps().known_enterprises.lookup(enterprise_id) if enterprise_id else None


def _department() -> str:
    return current_principal().department


# ---- courses ----------------------------------------------------------------------------------------------------
def _course_view(course: domain.Course) -> dict:
    participants = [asdict(participant) for participant in course.participants.values()]
    return CourseOut().dump({
        **asdict(course), "participants": participants, "enrolled": len(participants),
        "attended": sum(1 for p in participants if p["attended"]),
        "completed": sum(1 for p in participants if p["completed"]),
        "districts": sorted({p["district_code"] for p in participants if p["district_code"]})})


def _course_at(course_id: str, version: int | None = None) -> domain.Course:
    course = domain.course_state(store().read_stream(course_id, to_version=version))
    if course is None:
        raise NotFound(f"Không có khoá học '{course_id}'.")
    return course


def _course_command(course_id: str, decide, status: int = 200, location: str | None = None):
    outcome = run_command(store(), course_id, decide, command_context())
    course = _course_at(outcome.stream_id, outcome.version)
    return versioned(_course_view(course), course.version, status, outcome, location=location)


@courses.post("/courses")
@require("write")
@courses.arguments(ScheduleCourse)
@courses.response(201, CourseOut, headers=ETAG_HEADER)
@courses.doc(**COMMAND_HEADERS)
def schedule_course(body):
    """Lên lịch khoá học; đơn vị tổ chức là đơn vị của người gửi"""
    course_id = str(uuid.uuid4())
    outcome = run_command(store(), course_id, lambda history: domain.schedule_course(
        history, organiser=_department(), **body), command_context())
    course = _course_at(outcome.stream_id, outcome.version)
    return versioned(_course_view(course), course.version, 201, outcome,
                     location=url_for("courses.get_course", course_id=course.id))


@courses.get("/courses")
@require("read")
@courses.arguments(CourseQuery, location="query")
@courses.response(200, CoursePage)
def list_courses(query):
    """Danh sách khoá học theo chủ đề, loại, đơn vị tổ chức, năm, trạng thái, huyện (cập nhật sau vài giây)"""
    return deps().queries.courses(query)


@courses.get("/courses/<course_id>")
@require("read")
@courses.response(200, CourseOut, headers=ETAG_HEADER)
def get_course(course_id):
    """Một khoá học, với danh sách học viên (đọc từ luồng sự kiện: luôn mới nhất)"""
    course = _course_at(course_id)
    return versioned(_course_view(course), course.version)


@courses.post("/courses/<course_id>/participants")
@require("write")
@courses.arguments(EnrolParticipant)
@courses.response(201, CourseOut, headers=ETAG_HEADER)
@courses.doc(**COMMAND_HEADERS)
def enrol_participant(body, course_id):
    """Ghi danh học viên: người trùng → 409; hết chỗ → 409; doanh nghiệp chưa biết → 422"""
    enterprise = _enterprise(body["enterprise_id"])
    return _course_command(course_id, lambda history: domain.enrol(history, enterprise=enterprise, **body), 201)


@courses.post("/courses/<course_id>/participants/<participant_id>/result")
@require("write")
@courses.arguments(RecordResult)
@courses.response(200, CourseOut, headers=ETAG_HEADER)
@courses.doc(**COMMAND_HEADERS)
def record_result(body, course_id, participant_id):
    """Ghi nhận tham dự và hoàn thành của một học viên (khi khoá học đã tổ chức)"""
    return _course_command(course_id, lambda history: domain.record_result(history, participant_id, **body))


@courses.post("/courses/<course_id>/hold")
@require("write")
@courses.response(200, CourseOut, headers=ETAG_HEADER)
@courses.doc(**COMMAND_HEADERS)
def hold_course(course_id):
    """Ghi nhận khoá học đã tổ chức (thời điểm nghiệp vụ = ngày bắt đầu thực tế)"""
    return _course_command(course_id, lambda history: domain.hold(history, today=province_today()))


@courses.post("/courses/<course_id>/close")
@require("write")
@courses.response(200, CourseOut, headers=ETAG_HEADER)
@courses.doc(**COMMAND_HEADERS)
def close_course(course_id):
    """Kết thúc khoá học đã tổ chức (kết quả học viên không đổi được nữa)"""
    return _course_command(course_id, domain.close)


@courses.post("/courses/<course_id>/cancel")
@require("write")
@courses.arguments(CancelCourse)
@courses.response(200, CourseOut, headers=ETAG_HEADER)
@courses.doc(**COMMAND_HEADERS)
def cancel_course(body, course_id):
    """Huỷ khoá học chưa tổ chức"""
    return _course_command(course_id, lambda history: domain.cancel(history, reason=body["reason"]))


# ---- outreach and honours ------------------------------------------------------------------------------------------
def _fact_at(stream_id: str, event_type: str, what: str, version: int | None = None) -> dict:
    fact = domain.single_fact(store().read_stream(stream_id, to_version=version), event_type)
    if fact is None:
        raise NotFound(f"Không có {what} '{stream_id}'.")
    return fact


@outreach.post("/outreach")
@require("write")
@outreach.arguments(RecordOutreach)
@outreach.response(201, OutreachOut, headers=ETAG_HEADER)
@outreach.doc(**COMMAND_HEADERS)
def record_outreach(body):
    """Ghi nhận hoạt động truyền thông (chuyên mục truyền hình, bài website, ấn phẩm, hội nghị)"""
    outcome = run_command(store(), str(uuid.uuid4()), lambda history: domain.record_outreach(
        history, department=_department(), **body), command_context())
    fact = _fact_at(outcome.stream_id, domain.OUTREACH_RECORDED, "hoạt động truyền thông", outcome.version)
    return versioned(OutreachOut().dump(fact), fact["version"], 201, outcome,
                     location=url_for("outreach.get_outreach", activity_id=fact["id"]))


@outreach.get("/outreach")
@require("read")
@outreach.arguments(OutreachQuery, location="query")
@outreach.response(200, OutreachPage)
def list_outreach(query):
    """Danh sách hoạt động truyền thông theo loại, đơn vị, năm"""
    return deps().queries.outreach(query)


@outreach.get("/outreach/<activity_id>")
@require("read")
@outreach.response(200, OutreachOut, headers=ETAG_HEADER)
def get_outreach(activity_id):
    fact = _fact_at(activity_id, domain.OUTREACH_RECORDED, "hoạt động truyền thông")
    return versioned(OutreachOut().dump(fact), fact["version"])


@outreach.post("/honours")
@require("write")
@outreach.arguments(AwardHonour)
@outreach.response(201, HonourOut, headers=ETAG_HEADER)
@outreach.doc(**COMMAND_HEADERS)
def award_honour(body):
    """Ghi nhận tôn vinh, khen thưởng tập thể, cá nhân"""
    enterprise = _enterprise(body["enterprise_id"])
    outcome = run_command(store(), str(uuid.uuid4()), lambda history: domain.award_honour(
        history, department=_department(), enterprise=enterprise, **body), command_context())
    fact = _fact_at(outcome.stream_id, domain.HONOUR_AWARDED, "khen thưởng", outcome.version)
    return versioned(HonourOut().dump(fact), fact["version"], 201, outcome,
                     location=url_for("outreach.get_honour", honour_id=fact["id"]))


@outreach.get("/honours")
@require("read")
@outreach.arguments(HonourQuery, location="query")
@outreach.response(200, HonourPage)
def list_honours(query):
    """Danh sách khen thưởng theo loại người nhận, đơn vị, năm, huyện"""
    return deps().queries.honours(query)


@outreach.get("/honours/<honour_id>")
@require("read")
@outreach.response(200, HonourOut, headers=ETAG_HEADER)
def get_honour(honour_id):
    fact = _fact_at(honour_id, domain.HONOUR_AWARDED, "khen thưởng")
    return versioned(HonourOut().dump(fact), fact["version"])


# ---- experts ---------------------------------------------------------------------------------------------------------
def _expert_view(expert: domain.Expert) -> dict:
    certificate = None
    if expert.certificate_number:
        certificate = {"certificate_number": expert.certificate_number, "issuer": expert.issuer,
                       "valid_from": expert.valid_from, "valid_until": expert.valid_until,
                       "public_id": expert.public_id}
    return ExpertOut().dump({**asdict(expert), "course_ids": list(expert.course_ids), "certificate": certificate,
                             "status": expert.status_on(province_today())})


def _expert_at(expert_id: str, version: int | None = None) -> domain.Expert:
    expert = domain.expert_state(store().read_stream(expert_id, to_version=version))
    if expert is None:
        raise NotFound(f"Không có chuyên gia '{expert_id}'.")
    return expert


def _expert_command(expert_id: str, decide):
    outcome = run_command(store(), expert_id, decide, command_context())
    expert = _expert_at(outcome.stream_id, outcome.version)
    return versioned(_expert_view(expert), expert.version, 200, outcome)


@experts.post("/experts")
@require("write")
@experts.arguments(NominateExpert)
@experts.response(201, ExpertOut, headers=ETAG_HEADER)
@experts.doc(**COMMAND_HEADERS)
def nominate_expert(body):
    """Đề cử ứng viên chuyên gia NSCL từ một sở, ngành hoặc doanh nghiệp"""
    enterprise = _enterprise(body["enterprise_id"])
    outcome = run_command(store(), str(uuid.uuid4()), lambda history: domain.nominate(
        history, department=_department(), enterprise=enterprise, **body), command_context())
    expert = _expert_at(outcome.stream_id, outcome.version)
    return versioned(_expert_view(expert), expert.version, 201, outcome,
                     location=url_for("experts.get_expert", expert_id=expert.id))


@experts.get("/experts")
@require("read")
@experts.arguments(ExpertQuery, location="query")
@experts.response(200, ExpertPage)
def list_experts(query):
    """Danh sách chuyên gia theo trạng thái (valid/expired tính theo ngày hôm nay), đơn vị, nơi cấp, năm"""
    return deps().queries.experts(query, province_today())


@experts.get("/experts/<expert_id>")
@require("read")
@experts.response(200, ExpertOut, headers=ETAG_HEADER)
def get_expert(expert_id):
    expert = _expert_at(expert_id)
    return versioned(_expert_view(expert), expert.version)


@experts.post("/experts/<expert_id>/training")
@require("write")
@experts.arguments(RecordExpertTraining)
@experts.response(200, ExpertOut, headers=ETAG_HEADER)
@experts.doc(**COMMAND_HEADERS)
def record_expert_training(body, expert_id):
    """Ghi nhận đã đào tạo: các khoá đào tạo chuyên gia người này đã hoàn thành (được kiểm tra)"""
    found = {course_id: domain.course_state(store().read_stream(course_id)) for course_id in body["course_ids"]}
    return _expert_command(expert_id, lambda history: domain.record_training(history, found))


@experts.post("/experts/<expert_id>/certification")
@require("write")
@experts.arguments(CertifyExpert)
@experts.response(200, ExpertOut, headers=ETAG_HEADER)
@experts.doc(**COMMAND_HEADERS)
def certify_expert(body, expert_id):
    """Cấp chứng chỉ chuyên gia NSCL; trả về mã tra cứu công khai (public_id)"""
    try:
        public_id = issue_public_id(expert_id)
    except ValueError:
        raise NotFound(f"Không có chuyên gia '{expert_id}'.") from None
    return _expert_command(expert_id, lambda history: domain.certify(history, public_id=public_id, **body))


@experts.post("/experts/<expert_id>/renewal")
@require("write")
@experts.arguments(RenewCertificate)
@experts.response(200, ExpertOut, headers=ETAG_HEADER)
@experts.doc(**COMMAND_HEADERS)
def renew_certificate(body, expert_id):
    """Gia hạn chứng chỉ (ngày hết hiệu lực mới)"""
    return _expert_command(expert_id, lambda history: domain.renew(
        history, valid_until=body["valid_until"], renewed_on=body["renewed_on"] or province_today()))


@experts.post("/experts/<expert_id>/suspension")
@require("write")
@experts.arguments(SuspendOrRevoke)
@experts.response(200, ExpertOut, headers=ETAG_HEADER)
@experts.doc(**COMMAND_HEADERS)
def suspend_certificate(body, expert_id):
    """Đình chỉ chứng chỉ (tạm thời)"""
    return _expert_command(expert_id, lambda history: domain.suspend(
        history, reason=body["reason"], on=body["effective_on"] or province_today()))


@experts.post("/experts/<expert_id>/reinstatement")
@require("write")
@experts.arguments(Reinstate)
@experts.response(200, ExpertOut, headers=ETAG_HEADER)
@experts.doc(**COMMAND_HEADERS)
def reinstate_certificate(body, expert_id):
    """Khôi phục chứng chỉ đang bị đình chỉ"""
    return _expert_command(expert_id, lambda history: domain.reinstate(
        history, on=body["effective_on"] or province_today()))


@experts.post("/experts/<expert_id>/revocation")
@require("write")
@experts.arguments(SuspendOrRevoke)
@experts.response(200, ExpertOut, headers=ETAG_HEADER)
@experts.doc(**COMMAND_HEADERS)
def revoke_certificate(body, expert_id):
    """Thu hồi chứng chỉ (không khôi phục được)"""
    return _expert_command(expert_id, lambda history: domain.revoke(
        history, reason=body["reason"], on=body["effective_on"] or province_today()))


# ---- public verification -------------------------------------------------------------------------------------------
class CertificateRevoked(DomainError):
    status = 410
    slug = "certificate-revoked"
    title = "Chứng chỉ đã bị thu hồi"


@public.get("/certificates/<public_id>")
@public.response(200, CertificateVerification)
@public.alt_response(410, description="chứng chỉ đã bị thu hồi (problem+json, có revoked_on)")
@public.alt_response(404, description="không có chứng chỉ với mã tra cứu này")
@public.doc(security=[])
def verify_certificate(public_id):
    """Tra cứu chứng chỉ theo mã công khai, không cần đăng nhập: chỉ những gì in trên chứng chỉ.

    Còn hiệu lực → 200 status valid; hết hạn (sau ngày valid_until) → 200 status expired; đình chỉ → 200
    status suspended; thu hồi → 410 kèm ngày thu hồi."""
    expert_id = expert_id_of(public_id)
    expert = domain.expert_state(store().read_stream(expert_id)) if expert_id else None
    if expert is None or not expert.public_id or not hmac.compare_digest(expert.public_id, public_id):
        raise NotFound("Không có chứng chỉ với mã tra cứu này.")
    if expert.state == "revoked":
        raise CertificateRevoked(f"Chứng chỉ số {expert.certificate_number} đã bị thu hồi ngày {expert.revoked_on}.",
                                 revoked_on=expert.revoked_on, certificate_number=expert.certificate_number)
    return {"public_id": public_id, "holder_name": expert.full_name,
            "certificate_number": expert.certificate_number, "issuer": expert.issuer,
            "issuer_name": domain.ISSUERS[expert.issuer], "valid_from": expert.valid_from,
            "valid_until": expert.valid_until, "status": expert.status_on(province_today()),
            "suspended_on": expert.suspended_on}


# ---- the enterprises training knows ----------------------------------------------------------------------
@enterprises.get("/enterprises/<enterprise_id>")
@require("read")
@enterprises.response(200, KnownEnterpriseOut)
def get_known_enterprise(enterprise_id):
    """Doanh nghiệp mà dịch vụ đào tạo đã biết (404 khi sự kiện đăng ký chưa đến)"""
    found = _enterprise(enterprise_id)
    if found is None:
        raise NotFound(f"Dịch vụ đào tạo chưa biết doanh nghiệp '{enterprise_id}'.")
    code = found.get("district_code")
    return KnownEnterpriseOut().dump({**found, "district": {"code": code, "name": DISTRICTS.get(code, code)}})


def create_app(settings: Settings | None = None, event_store: EventStore | None = None,
               known_enterprises: KnownEnterprises | None = None, read_database: Any = None) -> Flask:
    app, api = create_service_app("training", "NSCL — Đào tạo, truyền thông, chuyên gia (training)",
                                  "Khoá đào tạo, học viên, truyền thông về NSCL, chuyên gia NSCL và chứng chỉ.",
                                  settings)
    attach_event_store(app, api, event_store=event_store)
    database = app.extensions["nscl"].database if read_database is None else read_database
    app.extensions["training"] = TrainingDependencies(
        known_enterprises=known_enterprises or EnterpriseDirectory(app.extensions["nscl"].database),
        queries=TrainingQueries(database))
    for blueprint in (courses, outreach, experts, public, enterprises):
        api.register_blueprint(blueprint)
    return app

