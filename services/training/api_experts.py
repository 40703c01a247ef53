"""Routes for NSCL experts and their certificates, and the public verification of a certificate."""
from __future__ import annotations

from dataclasses import asdict

from services.training import experts, handlers
from services.training.api_courses import person
from services.training.bootstrap import TrainingService
from services.training.schemas import (
    CertificateVerification,
    CertifyExpert,
    ExpertOut,
    ExpertPage,
    ExpertQuery,
    NominateExpert,
    RecordExpertTraining,
    Reinstate,
    RenewCertificate,
    SuspendOrRevoke,
)
from shared.errors import DomainError, NotFound
from shared.http import COMMAND_HEADERS, ETAG_HEADER, Resource, ServiceBlueprint, dependencies, dispatch, require
from shared.reference import province_today

blp = ServiceBlueprint("experts", __name__, url_prefix="/api/v1",
                       description="Chuyên gia NSCL: đề cử, đào tạo, cấp, gia hạn, đình chỉ, thu hồi chứng chỉ")
public = ServiceBlueprint("certificates", __name__, url_prefix="/api/v1",
                          description="Tra cứu chứng chỉ chuyên gia NSCL không cần đăng nhập")


EXPERT_OUT = ExpertOut()


def _expert_view(expert: experts.Expert) -> dict:
    certificate = None
    if expert.certificate_number:
        certificate = {"certificate_number": expert.certificate_number, "issuer": expert.issuer,
                       "valid_from": expert.valid_from, "valid_until": expert.valid_until,
                       "public_id": expert.public_id}
    return EXPERT_OUT.dump({**asdict(expert), "course_ids": list(expert.course_ids), "certificate": certificate,
                            "status": expert.status_on(province_today())})


EXPERT = Resource(experts.expert_state, _expert_view, "Không có chuyên gia '{}'.", "experts.get_expert", "expert_id")


def _training() -> TrainingService:
    return dependencies(TrainingService)


@blp.post("/experts")
@require("write")
@blp.arguments(NominateExpert)
@blp.response(201, ExpertOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def nominate_expert(body):
    """Đề cử ứng viên chuyên gia NSCL từ một sở, ngành hoặc doanh nghiệp"""
    return EXPERT.answer(dispatch(handlers.nominate_expert, handlers.NominateExpert(person(body))), 201, created=True)


@blp.get("/experts")
@require("read")
@blp.arguments(ExpertQuery, location="query")
@blp.response(200, ExpertPage)
def list_experts(query):
    """Danh sách chuyên gia theo trạng thái (valid/expired tính theo ngày hôm nay), đơn vị, nơi cấp, năm"""
    return _training().queries.experts(query, province_today())


@blp.get("/experts/<expert_id>")
@require("read")
@blp.response(200, ExpertOut, headers=ETAG_HEADER)
def get_expert(expert_id):
    return EXPERT.get(_training().store, expert_id)


@blp.post("/experts/<expert_id>/training")
@require("write")
@blp.arguments(RecordExpertTraining)
@blp.response(200, ExpertOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def record_expert_training(body, expert_id):
    """Ghi nhận đã đào tạo: các khoá đào tạo chuyên gia người này đã hoàn thành (được kiểm tra)"""
    command = handlers.RecordExpertTraining(expert_id, body["course_ids"])
    return EXPERT.answer(dispatch(handlers.record_expert_training, command))


@blp.post("/experts/<expert_id>/certification")
@require("write")
@blp.arguments(CertifyExpert)
@blp.response(200, ExpertOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def certify_expert(body, expert_id):
    """Cấp chứng chỉ chuyên gia NSCL; trả về mã tra cứu công khai (public_id)"""
    return EXPERT.answer(dispatch(handlers.certify_expert, handlers.CertifyExpert(expert_id, **body)))


@blp.post("/experts/<expert_id>/renewal")
@require("write")
@blp.arguments(RenewCertificate)
@blp.response(200, ExpertOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def renew_certificate(body, expert_id):
    """Gia hạn chứng chỉ (ngày hết hiệu lực mới)"""
    return EXPERT.answer(dispatch(handlers.renew_certificate, handlers.RenewCertificate(expert_id, **body)))


@blp.post("/experts/<expert_id>/suspension")
@require("write")
@blp.arguments(SuspendOrRevoke)
@blp.response(200, ExpertOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def suspend_certificate(body, expert_id):
    """Đình chỉ chứng chỉ (tạm thời)"""
    return EXPERT.answer(dispatch(handlers.suspend_certificate, handlers.SuspendCertificate(expert_id, **body)))


@blp.post("/experts/<expert_id>/reinstatement")
@require("write")
@blp.arguments(Reinstate)
@blp.response(200, ExpertOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def reinstate_certificate(body, expert_id):
    """Khôi phục chứng chỉ đang bị đình chỉ"""
    return EXPERT.answer(dispatch(handlers.reinstate_certificate, handlers.ReinstateCertificate(expert_id, **body)))


@blp.post("/experts/<expert_id>/revocation")
@require("write")
@blp.arguments(SuspendOrRevoke)
@blp.response(200, ExpertOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def revoke_certificate(body, expert_id):
    """Thu hồi chứng chỉ (không khôi phục được)"""
    return EXPERT.answer(dispatch(handlers.revoke_certificate, handlers.RevokeCertificate(expert_id, **body)))


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
    expert = handlers.find_certificate(public_id, _training())
    if expert is None:
        raise NotFound("Không có chứng chỉ với mã tra cứu này.")
    if expert.state == "revoked":
        raise CertificateRevoked(f"Chứng chỉ số {expert.certificate_number} đã bị thu hồi ngày {expert.revoked_on}.",
                                 revoked_on=expert.revoked_on, certificate_number=expert.certificate_number)
    return {"public_id": public_id, "holder_name": expert.full_name,
            "certificate_number": expert.certificate_number, "issuer": expert.issuer,
            "issuer_name": experts.ISSUERS[expert.issuer], "valid_from": expert.valid_from,
            "valid_until": expert.valid_until, "status": expert.status_on(province_today()),
            "suspended_on": expert.suspended_on}
