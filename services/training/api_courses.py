"""Routes for courses and their participants (seed 2.3.4): parse, call the handler, render."""
from __future__ import annotations

from dataclasses import asdict

from services.training import courses, handlers
from services.training.bootstrap import TrainingService
from services.training.schemas import (
    CancelCourse,
    CourseOut,
    CoursePage,
    CourseQuery,
    EnrolParticipant,
    RecordResult,
    ScheduleCourse,
    WithdrawParticipant,
)
from shared.http import (
    COMMAND_HEADERS,
    ETAG_HEADER,
    Resource,
    ServiceBlueprint,
    dependencies,
    dispatch,
    require,
    without_personal_data,
)

blp = ServiceBlueprint("courses", __name__, url_prefix="/api/v1",
                       description="Khoá đào tạo, tập huấn, hội thảo về NSCL và học viên (mục 2.3.4)")


PERSONAL = ("full_name",)  # a participant's name: omitted unless the reader may see it


COURSE_OUT = CourseOut()


def _view(course: courses.Course) -> dict:
    participants = [without_personal_data(asdict(participant), PERSONAL)
                    for participant in course.participants.values()]
    return COURSE_OUT.dump({
        **asdict(course), "participants": participants, "enrolled": len(participants),
        "attended": sum(1 for p in participants if p["attended"]),
        "completed": sum(1 for p in participants if p["completed"]),
        "districts": sorted({p["district_code"] for p in participants if p["district_code"]})})


COURSE = Resource(courses.course_state, _view, "Không có khoá học '{}'.", "courses.get_course", "course_id",
                  aggregate=courses.COURSE)


def person(body: dict) -> handlers.Person:
    return handlers.Person(full_name=body["full_name"], national_id=body.get("national_id"),
                           enterprise_id=body.get("enterprise_id"), organisation_code=body.get("organisation_code"))


@blp.post("/courses")
@require("write")
@blp.arguments(ScheduleCourse)
@blp.response(201, CourseOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def schedule_course(body):
    """Lên lịch khoá học; đơn vị tổ chức là đơn vị của người gửi"""
    return COURSE.answer(dispatch(handlers.schedule_course, handlers.ScheduleCourse(**body)), 201, created=True)


@blp.get("/courses")
@require("read")
@blp.arguments(CourseQuery, location="query")
@blp.response(200, CoursePage)
def list_courses(query):
    """Danh sách khoá học theo chủ đề, loại, đơn vị tổ chức, năm, trạng thái, huyện (cập nhật sau vài giây)"""
    return dependencies(TrainingService).queries.courses(query)


@blp.get("/courses/<course_id>")
@require("read")
@blp.response(200, CourseOut, headers=ETAG_HEADER)
def get_course(course_id):
    """Một khoá học, với danh sách học viên (đọc từ luồng sự kiện: luôn mới nhất)"""
    return COURSE.get(dependencies(TrainingService).store, course_id)


@blp.post("/courses/<course_id>/participants")
@require("write")
@blp.arguments(EnrolParticipant)
@blp.response(201, CourseOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def enrol_participant(body, course_id):
    """Ghi danh học viên: người trùng → 409; hết chỗ → 409; doanh nghiệp chưa biết → 422"""
    command = handlers.EnrolParticipant(course_id, body["role"], person(body))
    return COURSE.answer(dispatch(handlers.enrol_participant, command), 201)


@blp.post("/courses/<course_id>/participants/<participant_id>/result")
@require("write")
@blp.arguments(RecordResult)
@blp.response(200, CourseOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def record_result(body, course_id, participant_id):
    """Ghi nhận tham dự và hoàn thành của một học viên (khi khoá học đã tổ chức)"""
    return COURSE.answer(dispatch(handlers.record_result, handlers.RecordResult(course_id, participant_id, **body)))


@blp.post("/courses/<course_id>/participants/<participant_id>/withdrawal")
@require("write")
@blp.arguments(WithdrawParticipant)
@blp.response(200, CourseOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def withdraw_participant(body, course_id, participant_id):
    """Rút học viên ghi danh nhầm (đính chính, có lý do): kết quả tham dự, hoàn thành của họ không còn được tính"""
    return COURSE.answer(dispatch(handlers.withdraw_participant,
                                  handlers.WithdrawParticipant(course_id, participant_id, body["reason"])))


@blp.post("/courses/<course_id>/hold")
@require("write")
@blp.response(200, CourseOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def hold_course(course_id):
    """Ghi nhận khoá học đã tổ chức (thời điểm nghiệp vụ = ngày bắt đầu thực tế)"""
    return COURSE.answer(dispatch(handlers.hold_course, handlers.HoldCourse(course_id)))


@blp.post("/courses/<course_id>/close")
@require("write")
@blp.response(200, CourseOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def close_course(course_id):
    """Kết thúc khoá học đã tổ chức (kết quả học viên không đổi được nữa)"""
    return COURSE.answer(dispatch(handlers.close_course, handlers.CloseCourse(course_id)))


@blp.post("/courses/<course_id>/cancel")
@require("write")
@blp.arguments(CancelCourse)
@blp.response(200, CourseOut, headers=ETAG_HEADER)
@blp.doc(**COMMAND_HEADERS)
def cancel_course(body, course_id):
    """Huỷ khoá học chưa tổ chức"""
    return COURSE.answer(dispatch(handlers.cancel_course, handlers.CancelCourse(course_id, body["reason"])))
