"""Events on ``nscl.training.events``.

Streams: a course id (scheduled … closed or cancelled), an expert id (nominated … revoked), an outreach
activity id and an honour id (one event each). ``CourseHeld`` repeats the course's kind and dates, and
``AttendanceRecorded`` / ``CompletionRecorded`` the participant's enterprise, so a consumer counting trained
enterprises needs no other event of the course.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.contracts import Contract, date_field

TOPIC = "nscl.training.events"

COURSE_SCHEDULED = "CourseScheduled"
PARTICIPANT_ENROLLED = "ParticipantEnrolled"
COURSE_HELD = "CourseHeld"
ATTENDANCE_RECORDED = "AttendanceRecorded"
COMPLETION_RECORDED = "CompletionRecorded"
COURSE_CLOSED = "CourseClosed"
COURSE_CANCELLED = "CourseCancelled"
PARTICIPANT_WITHDRAWN = "ParticipantWithdrawn"
OUTREACH_CORRECTED = "OutreachActivityCorrected"
OUTREACH_WITHDRAWN = "OutreachActivityWithdrawn"
HONOUR_WITHDRAWN = "HonourWithdrawn"
OUTREACH_RECORDED = "OutreachActivityRecorded"
HONOUR_AWARDED = "HonourAwarded"
EXPERT_NOMINATED = "ExpertNominated"
EXPERT_TRAINED = "ExpertTrained"
EXPERT_CERTIFIED = "ExpertCertified"
CERTIFICATE_RENEWED = "CertificateRenewed"
CERTIFICATE_SUSPENDED = "CertificateSuspended"
CERTIFICATE_REINSTATED = "CertificateReinstated"
CERTIFICATE_REVOKED = "CertificateRevoked"
# Records of one fact (an outreach activity, an honour): corrected by events that name the fields changed, or
# withdrawn as recorded by mistake. A consumer applies them to the record's first fact (reporting.corrections).
CORRECTED_BY = {OUTREACH_RECORDED: OUTREACH_CORRECTED}
WITHDRAWN_BY = {OUTREACH_RECORDED: OUTREACH_WITHDRAWN, HONOUR_AWARDED: HONOUR_WITHDRAWN}

TRAINING_CLASS = "training_class"
WORKER_ROLE = "worker"


class CourseScheduled(Schema):
    title = fields.String(required=True)
    kind = fields.String(required=True)
    topic = fields.String(required=True)
    organiser = fields.String(required=True)
    start_date = date_field(required=True)
    end_date = date_field(required=True)
    capacity = fields.Integer(required=True)


class ParticipantEnrolled(Schema):
    participant_id = fields.String(required=True)
    role = fields.String(required=True)
    enterprise_id = fields.String(allow_none=True, required=True)
    organisation_code = fields.String(allow_none=True, required=True)
    district_code = fields.String(allow_none=True)


class CourseHeld(Schema):
    start_date = date_field(required=True)
    end_date = date_field(required=True)
    kind = fields.String(required=True)
    topic = fields.String(required=True)
    organiser = fields.String(required=True)
    participants = fields.Integer(required=True)


class ParticipantResult(Schema):
    participant_id = fields.String(required=True)
    enterprise_id = fields.String(allow_none=True, required=True)
    district_code = fields.String(allow_none=True, required=True)
    organisation_code = fields.String(allow_none=True)


class AttendanceRecorded(ParticipantResult):
    attended = fields.Boolean(required=True)


class CompletionRecorded(ParticipantResult):
    completed = fields.Boolean(required=True)


class ParticipantWithdrawn(ParticipantResult):
    """A participant enrolled by mistake, taken off the course: what was recorded of them no longer counts."""
    reason = fields.String(required=True)


class CourseClosed(Schema):
    attended = fields.Integer(required=True)
    completed = fields.Integer(required=True)


class CourseCancelled(Schema):
    reason = fields.String(required=True)


class OutreachRecorded(Schema):
    department = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    held_on = date_field(required=True)
    reach = fields.Integer(allow_none=True)


class HonourAwarded(Schema):
    department = fields.String(required=True)
    recipient_kind = fields.String(required=True)
    recipient_name = fields.String(required=True)
    enterprise_id = fields.String(allow_none=True)
    decision_date = date_field(required=True)


class OutreachCorrected(Schema):
    changes = fields.Dict(required=True)  # the fields of OutreachRecorded given anew
    reason = fields.String(required=True)


class RecordWithdrawn(Schema):
    reason = fields.String(required=True)


class ExpertNominated(Schema):
    department = fields.String(required=True)
    full_name = fields.String(required=True)
    enterprise_id = fields.String(allow_none=True)


class ExpertTrained(Schema):
    trained_on = date_field(required=True)
    department = fields.String(required=True)
    course_ids = fields.List(fields.String(), required=True)


class ExpertCertified(Schema):
    certificate_number = fields.String(required=True)
    valid_from = date_field(required=True)
    valid_until = date_field(required=True)


class CertificateRenewed(Schema):
    valid_until = date_field(required=True)
    renewed_on = date_field(required=True)


class CertificateSuspended(Schema):
    suspended_on = date_field(required=True)


class CertificateReinstated(Schema):
    reinstated_on = date_field(required=True)


class CertificateRevoked(Schema):
    revoked_on = date_field(required=True)


CONTRACT = Contract(
    TOPIC,
    {
        COURSE_SCHEDULED: CourseScheduled,
        PARTICIPANT_ENROLLED: ParticipantEnrolled,
        COURSE_HELD: CourseHeld,
        ATTENDANCE_RECORDED: AttendanceRecorded,
        COMPLETION_RECORDED: CompletionRecorded,
        COURSE_CLOSED: CourseClosed,
        COURSE_CANCELLED: CourseCancelled,
        PARTICIPANT_WITHDRAWN: ParticipantWithdrawn,
        OUTREACH_RECORDED: OutreachRecorded,
        HONOUR_AWARDED: HonourAwarded,
        OUTREACH_CORRECTED: OutreachCorrected,
        OUTREACH_WITHDRAWN: RecordWithdrawn,
        HONOUR_WITHDRAWN: RecordWithdrawn,
        EXPERT_NOMINATED: ExpertNominated,
        EXPERT_TRAINED: ExpertTrained,
        EXPERT_CERTIFIED: ExpertCertified,
        CERTIFICATE_RENEWED: CertificateRenewed,
        CERTIFICATE_SUSPENDED: CertificateSuspended,
        CERTIFICATE_REINSTATED: CertificateReinstated,
        CERTIFICATE_REVOKED: CertificateRevoked,
    },
    {
        COURSE_SCHEDULED: "Lên lịch khoá học",
        PARTICIPANT_ENROLLED: "Ghi danh học viên",
        COURSE_HELD: "Tổ chức khoá học",
        ATTENDANCE_RECORDED: "Ghi nhận tham dự",
        COMPLETION_RECORDED: "Ghi nhận hoàn thành",
        COURSE_CLOSED: "Kết thúc khoá học",
        COURSE_CANCELLED: "Huỷ khoá học",
        PARTICIPANT_WITHDRAWN: "Rút học viên ghi danh nhầm",
        OUTREACH_RECORDED: "Hoạt động tuyên truyền",
        HONOUR_AWARDED: "Khen thưởng",
        OUTREACH_CORRECTED: "Đính chính hoạt động tuyên truyền",
        OUTREACH_WITHDRAWN: "Rút hoạt động tuyên truyền ghi nhầm",
        HONOUR_WITHDRAWN: "Rút khen thưởng ghi nhầm",
        EXPERT_NOMINATED: "Đề cử chuyên gia",
        EXPERT_TRAINED: "Chuyên gia hoàn thành đào tạo",
        EXPERT_CERTIFIED: "Cấp chứng chỉ chuyên gia",
        CERTIFICATE_RENEWED: "Gia hạn chứng chỉ",
        CERTIFICATE_SUSPENDED: "Đình chỉ chứng chỉ",
        CERTIFICATE_REINSTATED: "Khôi phục chứng chỉ",
        CERTIFICATE_REVOKED: "Thu hồi chứng chỉ",
    },
)
