from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.training import courses, experts, outreach, people
from shared.inputs import UNIT_CODE, Code, DoneOn, Input, Int, NotBlank
from shared.pagination import PageQuery, page_schema
from shared.reference import DEPARTMENTS


def _one_of(choices: dict[str, str], what: str) -> validate.OneOf:
    return validate.OneOf(sorted(choices), error=f"{what} không có trong danh mục")


def _described(choices: dict[str, str]) -> str:
    return "; ".join(f"{code}: {label}" for code, label in choices.items())


TEXT: dict[str, Any] = dict(validate=[validate.Length(min=1, max=500), NotBlank()])
NATIONAL_ID = fields.String(load_default=None, validate=Code(
    people.NATIONAL_ID.pattern, error="số định danh cá nhân/CCCD gồm 12 (hoặc CMND 9) chữ số"), metadata={
    "description": "số CCCD/CMND (tuỳ chọn): nếu có, là danh tính của người; nếu không, danh tính là họ tên "
                   "chuẩn hoá + doanh nghiệp/đơn vị. Không bao giờ được trả lại qua API"})
ENTERPRISE_ID = fields.String(load_default=None, metadata={
    "description": "mã định danh doanh nghiệp (đã đăng ký ở dịch vụ registry); hoặc dùng organisation_code"})
ORGANISATION_CODE = fields.String(load_default=None, validate=_one_of(DEPARTMENTS, "mã đơn vị"), metadata={
    "description": "mã sở, ngành, UBND cấp huyện nơi người này công tác (khi không đến từ doanh nghiệp)"})
EFFECTIVE_ON = DoneOn(load_default=None, metadata={
    "description": "ngày có hiệu lực (mặc định: hôm nay; không sau hôm nay)"})


def _exactly_one_origin(data: dict, **_) -> None:
    if bool(data.get("enterprise_id")) == bool(data.get("organisation_code")):
        raise ValidationError("cần đúng một trong enterprise_id, organisation_code", "enterprise_id")


# ---- courses ----------------------------------------------------------------------------------------------------
class ScheduleCourse(Input):
    title = fields.String(required=True, **TEXT, metadata={"description": "tên khoá học"})
    kind = fields.String(required=True, validate=_one_of(courses.COURSE_KINDS, "loại khoá học"),
                         metadata={"description": "loại: " + _described(courses.COURSE_KINDS)})
    topic = fields.String(required=True, validate=_one_of(courses.COURSE_TOPICS, "chủ đề"),
                          metadata={"description": "chủ đề: " + _described(courses.COURSE_TOPICS)})
    subject = fields.String(load_default=None, validate=validate.Length(max=200),
                            metadata={"description": "nội dung cụ thể, ví dụ 'ISO 9001:2015', '5S'"})
    start_date = fields.Date(required=True, metadata={"description": "ngày bắt đầu"})
    end_date = fields.Date(required=True, metadata={"description": "ngày kết thúc"})
    venue = fields.String(required=True, **TEXT, metadata={"description": "địa điểm"})
    capacity = Int(required=True, validate=validate.Range(min=1, max=10000),
                              metadata={"description": "số chỗ tối đa"})

    @validates_schema
    def _dates(self, data: dict, **_) -> None:
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            raise ValidationError("ngày kết thúc trước ngày bắt đầu", "end_date")


class Person(Input):
    """A person: their national ID, or their name and exactly one origin (an enterprise or an organisation)."""
    full_name = fields.String(required=True, **TEXT, metadata={"description": "họ và tên"})
    national_id = NATIONAL_ID
    enterprise_id = ENTERPRISE_ID
    organisation_code = ORGANISATION_CODE

    @validates_schema
    def _origin(self, data: dict, **kwargs) -> None:
        _exactly_one_origin(data, **kwargs)


class EnrolParticipant(Person):
    role = fields.String(required=True, validate=_one_of(courses.PARTICIPANT_ROLES, "vai trò"),
                         metadata={"description": "vai trò: " + _described(courses.PARTICIPANT_ROLES)})


class RecordResult(Input):
    attended = fields.Boolean(required=True, metadata={"description": "có tham dự"})
    completed = fields.Boolean(required=True, metadata={"description": "hoàn thành khoá học (cần có tham dự)"})
    reason = fields.String(load_default=None, **TEXT, metadata={
        "description": "lý do đính chính: bắt buộc khi khoá học đã kết thúc (sửa kết quả ghi sai)"})


class CancelCourse(Input):
    reason = fields.String(required=True, **TEXT, metadata={"description": "lý do huỷ"})


class WithdrawParticipant(Input):
    reason = fields.String(required=True, **TEXT, metadata={"description": "lý do rút (ghi danh nhầm, ...)"})


class ParticipantOut(Schema):
    id = fields.String()
    full_name = fields.String()
    role = fields.String()
    identified_by = fields.String(metadata={"description": "national_id hoặc name_and_origin"})
    enterprise_id = fields.String(allow_none=True)
    enterprise_name = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    organisation_code = fields.String(allow_none=True)
    attended = fields.Boolean(allow_none=True)
    completed = fields.Boolean(allow_none=True)


class CourseSummaryOut(Schema):
    id = fields.String()
    title = fields.String()
    kind = fields.String()
    topic = fields.String()
    subject = fields.String(allow_none=True)
    organiser = fields.String(metadata={"description": "đơn vị tổ chức"})
    start_date = fields.String()
    end_date = fields.String()
    venue = fields.String()
    capacity = Int()
    status = fields.String(metadata={"description": "scheduled, held, closed, cancelled"})
    enrolled = fields.Integer()
    attended = fields.Integer()
    completed = fields.Integer()
    districts = fields.List(fields.String(), metadata={"description": "huyện của các doanh nghiệp có học viên"})
    version = fields.Integer()


class CourseOut(CourseSummaryOut):
    cancel_reason = fields.String(allow_none=True)
    participants = fields.List(fields.Nested(ParticipantOut))


class CourseQuery(PageQuery):
    topic = fields.String(validate=_one_of(courses.COURSE_TOPICS, "chủ đề"))
    kind = fields.String(validate=_one_of(courses.COURSE_KINDS, "loại khoá học"))
    department = fields.String(validate=_one_of(DEPARTMENTS, "mã đơn vị"),
                               metadata={"description": "đơn vị tổ chức"})
    year = Int(validate=validate.Range(min=2000, max=2100), metadata={"description": "năm bắt đầu"})
    status = fields.String(validate=_one_of(courses.COURSE_STATES, "trạng thái"))
    district_code = fields.String(validate=UNIT_CODE, metadata={
        "description": "có học viên từ doanh nghiệp ở đơn vị hành chính này (huyện trước 01/07/2025, xã/phường từ đó)"})
    enterprise_id = fields.String(metadata={"description": "có học viên từ doanh nghiệp này"})


CoursePage = page_schema(CourseSummaryOut, "CoursePage")


# ---- outreach and honours ---------------------------------------------------------------------------------------
class RecordOutreach(Input):
    kind = fields.String(required=True, validate=_one_of(outreach.OUTREACH_KINDS, "loại hoạt động"),
                         metadata={"description": "loại: " + _described(outreach.OUTREACH_KINDS)})
    title = fields.String(required=True, **TEXT, metadata={"description": "tên chương trình, bài viết, ấn phẩm"})
    held_on = DoneOn(required=True, metadata={"description": "ngày phát sóng, đăng tải, phát hành, tổ chức"})
    reach = Int(required=True, validate=validate.Range(min=0),
                           metadata={"description": "số người tiếp cận (khán giả, lượt xem, số bản)"})
    channel = fields.String(load_default=None, validate=validate.Length(max=200),
                            metadata={"description": "kênh, website, đài, nơi phát hành"})


class CorrectOutreach(Input):
    kind = fields.String(validate=_one_of(outreach.OUTREACH_KINDS, "loại hoạt động"))
    title = fields.String(**TEXT)
    held_on = DoneOn()
    reach = Int(validate=validate.Range(min=0))
    channel = fields.String(allow_none=True, validate=validate.Length(max=200))
    reason = fields.String(required=True, **TEXT, metadata={"description": "lý do đính chính"})


class WithdrawRecord(Input):
    reason = fields.String(required=True, **TEXT, metadata={"description": "lý do rút (ghi nhận nhầm, ...)"})


class RecordStatus(Schema):
    status = fields.String(metadata={"description": "recorded (đã ghi nhận) hoặc withdrawn (đã rút do ghi nhầm)"})
    withdrawn_reason = fields.String(allow_none=True)
    corrections = fields.Integer(metadata={"description": "số lần đính chính"})


class OutreachOut(RecordStatus):
    id = fields.String()
    department = fields.String()
    kind = fields.String()
    title = fields.String()
    held_on = fields.String()
    reach = Int()
    channel = fields.String(allow_none=True)
    version = fields.Integer()


class RecordStatusQuery(PageQuery):
    status = fields.String(validate=_one_of(outreach.RECORD_STATES, "trạng thái"), metadata={
        "description": "mặc định: chỉ bản ghi còn hiệu lực; withdrawn: những bản ghi đã rút do ghi nhầm"})


class OutreachQuery(RecordStatusQuery):
    kind = fields.String(validate=_one_of(outreach.OUTREACH_KINDS, "loại hoạt động"))
    department = fields.String(validate=_one_of(DEPARTMENTS, "mã đơn vị"))
    year = Int(validate=validate.Range(min=2000, max=2100))


OutreachPage = page_schema(OutreachOut, "OutreachPage")


class AwardHonour(Input):
    recipient_kind = fields.String(required=True, validate=_one_of(outreach.RECIPIENT_KINDS, "loại người nhận"),
                                   metadata={"description": "collective (tập thể) hoặc individual (cá nhân)"})
    recipient_name = fields.String(required=True, **TEXT, metadata={"description": "tên tập thể, cá nhân"})
    enterprise_id = fields.String(load_default=None, metadata={"description": "doanh nghiệp (nếu có)"})
    kind = fields.String(required=True, **TEXT, metadata={"description": "hình thức, ví dụ 'Bằng khen của UBND Tỉnh'"})
    decision_number = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                    metadata={"description": "số quyết định khen thưởng"})
    decision_date = DoneOn(required=True, metadata={"description": "ngày quyết định"})


class HonourOut(RecordStatus):
    id = fields.String()
    department = fields.String()
    recipient_kind = fields.String()
    recipient_name = fields.String()
    enterprise_id = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    kind = fields.String()
    decision_number = fields.String()
    decision_date = fields.String()
    version = fields.Integer()


class HonourQuery(RecordStatusQuery):
    recipient_kind = fields.String(validate=_one_of(outreach.RECIPIENT_KINDS, "loại người nhận"))
    department = fields.String(validate=_one_of(DEPARTMENTS, "mã đơn vị"))
    year = Int(validate=validate.Range(min=2000, max=2100))
    district_code = fields.String(validate=UNIT_CODE, metadata={"description": "đơn vị hành chính của doanh nghiệp"})


HonourPage = page_schema(HonourOut, "HonourPage")


# ---- experts and certificates -------------------------------------------------------------------------------------
class NominateExpert(Person):
    pass


class RecordExpertTraining(Input):
    course_ids = fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                             validate=validate.Length(min=1, max=20), metadata={
        "description": "khoá đào tạo chuyên gia NSCL (topic expert_training) người này đã hoàn thành"})


class CertifyExpert(Input):
    certificate_number = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                       metadata={"description": "số chứng chỉ"})
    issuer = fields.String(required=True, validate=_one_of(experts.ISSUERS, "nơi cấp"),
                           metadata={"description": "nơi cấp: " + _described(experts.ISSUERS)})
    valid_from = fields.Date(required=True, metadata={"description": "có hiệu lực từ ngày"})
    valid_until = fields.Date(required=True, metadata={"description": "có hiệu lực đến hết ngày"})

    @validates_schema
    def _dates(self, data: dict, **_) -> None:
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            raise ValidationError("ngày hết hiệu lực trước ngày có hiệu lực", "valid_until")


class RenewCertificate(Input):
    valid_until = fields.Date(required=True, metadata={"description": "có hiệu lực đến hết ngày (mới)"})
    renewed_on = fields.Date(load_default=None, metadata={  # a renewal may be decided ahead of its date
        "description": "ngày gia hạn (mặc định: hôm nay; có thể là ngày đã định trước)"})


class SuspendOrRevoke(Input):
    reason = fields.String(required=True, **TEXT, metadata={"description": "lý do"})
    effective_on = EFFECTIVE_ON


class Reinstate(Input):
    effective_on = EFFECTIVE_ON


class CertificateInfo(Schema):
    certificate_number = fields.String()
    issuer = fields.String()
    valid_from = fields.String()
    valid_until = fields.String()
    public_id = fields.String(metadata={"description": "mã tra cứu công khai: GET /api/v1/certificates/{public_id}"})


class RevokedCertificateInfo(CertificateInfo):
    revoked_on = fields.String()
    reason = fields.String()


class ExpertOut(Schema):
    id = fields.String()
    full_name = fields.String()
    identified_by = fields.String()
    department = fields.String(metadata={"description": "đơn vị đề cử"})
    enterprise_id = fields.String(allow_none=True)
    enterprise_name = fields.String(allow_none=True)
    organisation_code = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "candidate, trained, certified, suspended, revoked"})
    status = fields.String(metadata={"description": "như state, nhưng certified được tách thành valid/expired "
                                                    "theo ngày hôm nay"})
    trained_on = fields.String(allow_none=True)
    course_ids = fields.List(fields.String())
    certificate = fields.Nested(CertificateInfo, allow_none=True)
    revoked_certificates = fields.List(fields.Nested(RevokedCertificateInfo), metadata={
        "description": "chứng chỉ bị thu hồi trước khi chuyên gia được cấp chứng chỉ mới (vẫn tra cứu được: 410)"})
    suspended_on = fields.String(allow_none=True)
    revoked_on = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    version = fields.Integer()


class ExpertSummaryOut(Schema):
    id = fields.String()
    full_name = fields.String()
    department = fields.String()
    enterprise_id = fields.String(allow_none=True)
    enterprise_name = fields.String(allow_none=True)
    organisation_code = fields.String(allow_none=True)
    state = fields.String()
    status = fields.String()
    trained_on = fields.String(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    valid_from = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    version = fields.Integer()


EXPERT_STATUSES = {"candidate": "ứng viên", "trained": "đã đào tạo", "valid": "chứng chỉ còn hiệu lực",
                   "expired": "chứng chỉ hết hạn", "suspended": "chứng chỉ bị đình chỉ",
                   "revoked": "chứng chỉ bị thu hồi"}


class ExpertQuery(PageQuery):
    status = fields.String(validate=_one_of(EXPERT_STATUSES, "trạng thái"),
                           metadata={"description": "candidate, trained, valid, expired, suspended, revoked"})
    department = fields.String(validate=_one_of(DEPARTMENTS, "mã đơn vị"))
    issuer = fields.String(validate=_one_of(experts.ISSUERS, "nơi cấp"))
    trained_year = Int(validate=validate.Range(min=2000, max=2100))
    certified_year = Int(validate=validate.Range(min=2000, max=2100))


ExpertPage = page_schema(ExpertSummaryOut, "ExpertPage")


class CertificateVerification(Schema):
    public_id = fields.String()
    holder_name = fields.String(metadata={"description": "họ tên người được cấp"})
    certificate_number = fields.String()
    issuer = fields.String()
    issuer_name = fields.String()
    valid_from = fields.String()
    valid_until = fields.String(metadata={"description": "có hiệu lực đến hết ngày này"})
    status = fields.String(metadata={"description": "valid, expired hoặc suspended (thu hồi → 410)"})
    suspended_on = fields.String(allow_none=True)
