"""The training rules, without any server: courses, participants, experts and certificate validity."""
from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest

from services.training import courses, experts, people
from shared.errors import DomainError, IllegalTransition, NotFound
from tests.fakes import Stream

ENTERPRISE = {"id": "ent-1", "name": "Công ty TNHH Sen Hồng", "district_code": "867", "status": "open"}
OTHER_ENTERPRISE = {"id": "ent-2", "name": "HTX Xoài", "district_code": "873", "status": "open"}
TODAY = date(2024, 6, 1)
KEY = b"k" * 32  # the person key secret of these tests


def course(capacity: int = 3, start: date = date(2024, 5, 10), end: date = date(2024, 5, 11),
           topic: str = "management_system", stream_id: str = "course-1", store=None) -> Stream:
    stream = Stream(stream_id, store, courses.COURSE)
    stream.do(courses.schedule_course, organiser="DOST", title="ISO 9001 cho doanh nghiệp", kind="training_class",
               topic=topic, subject="ISO 9001:2015", start_date=start, end_date=end, venue="Cao Lãnh",
               capacity=capacity)
    return stream


def enrol(stream: Stream, name: str = "Nguyễn Văn An", national_id: str | None = None,
          enterprise: dict | None = ENTERPRISE, organisation_code: str | None = None, role: str = "manager"):
    return stream.do(courses.enrol, full_name=name, role=role, national_id=national_id,
                      enterprise_id=enterprise["id"] if enterprise else None, organisation_code=organisation_code,
                      enterprise=enterprise, key_secret=KEY)


def state(stream: Stream) -> courses.Course:
    course = courses.course_state(stream.history)
    assert course is not None
    return course


# ---- enrolment -----------------------------------------------------------------------------------------------------
def test_enrolment_records_the_participant_with_the_enterprise_district():
    stream = course()
    [event] = enrol(stream)
    assert event.event_type == courses.PARTICIPANT_ENROLLED
    assert event.data["district_code"] == "867" and event.data["enterprise_name"] == "Công ty TNHH Sen Hồng"
    assert event.data["identified_by"] == "name_and_origin"


def test_the_course_is_full_at_its_capacity():
    stream = course(capacity=2)
    enrol(stream, "Nguyễn Văn An")
    enrol(stream, "Trần Thị Bình")
    with pytest.raises(courses.CourseFull) as raised:
        enrol(stream, "Lê Văn Cường")
    assert raised.value.status == 409 and raised.value.extra["capacity"] == 2
    assert len(state(stream).participants) == 2


@pytest.mark.parametrize("first, second", [
    ("Nguyễn Văn An", "nguyễn  văn   AN"),            # same name, other case and spacing
    ("Nguyễn Văn An", unicodedata.normalize("NFD", "Nguyễn Văn An")),  # decomposed Unicode of the same name
])
def test_the_same_normalised_name_from_the_same_enterprise_is_the_same_person(first, second):
    stream = course()
    enrol(stream, first)
    with pytest.raises(courses.AlreadyEnrolled) as raised:
        enrol(stream, second)
    assert raised.value.status == 409


def test_the_same_national_id_is_the_same_person_whatever_the_spelling():
    stream = course()
    enrol(stream, "Nguyễn Văn An", national_id="087123456789")
    with pytest.raises(courses.AlreadyEnrolled):
        enrol(stream, "Nguyen Van An", national_id="087123456789", enterprise=OTHER_ENTERPRISE)


@pytest.mark.parametrize("name, enterprise, organisation", [
    ("Nguyễn Văn Ân", ENTERPRISE, None),           # another name (diacritics count)
    ("Nguyễn Văn An", OTHER_ENTERPRISE, None),     # the same name from another enterprise
    ("Nguyễn Văn An", None, "DOST"),               # the same name from a department
])
def test_other_people_may_enrol(name, enterprise, organisation):
    stream = course()
    enrol(stream, "Nguyễn Văn An")
    enrol(stream, name, enterprise=enterprise, organisation_code=organisation)
    assert len(state(stream).participants) == 2


def test_an_unknown_enterprise_is_422_naming_enterprise_id():
    stream = course()
    with pytest.raises(people.UnknownEnterprise) as raised:
        stream.do(courses.enrol, full_name="A", role="worker", national_id=None, enterprise_id="nope",
                   organisation_code=None, enterprise=None, key_secret=KEY)
    assert raised.value.status == 422 and set(raised.value.extra["errors"]) == {"enterprise_id"}


def test_a_closed_enterprise_cannot_send_participants():
    stream = course()
    with pytest.raises(people.UnknownEnterprise):
        enrol(stream, enterprise={**ENTERPRISE, "status": "closed"})


def test_an_organisation_must_be_in_the_department_list():
    stream = course()
    with pytest.raises(people.InvalidTrainingData) as raised:
        enrol(stream, enterprise=None, organisation_code="NOPE")
    assert set(raised.value.extra["errors"]) == {"organisation_code"}


# ---- the course lifecycle -------------------------------------------------------------------------------------------
def test_held_on_its_real_start_date_then_closed():
    stream = course(start=date(2023, 5, 10), end=date(2023, 5, 12))
    enrol(stream)
    [held] = stream.do(courses.hold, today=TODAY)
    assert held.occurred_at == "2023-05-10T00:00:00.000Z"
    assert stream.history[-1].occurred_at == "2023-05-10T00:00:00.000Z"
    stream.do(courses.close)
    assert state(stream).status == "closed"


def test_a_course_can_be_held_on_its_start_day_but_not_before():
    stream = course(start=TODAY, end=TODAY)
    with pytest.raises(courses.CourseNotStarted):
        stream.do(courses.hold, today=TODAY - timedelta(days=1))
    stream.do(courses.hold, today=TODAY)
    assert state(stream).status == "held"


def to_state(target: str) -> Stream:
    stream = course()
    if target in ("held", "closed"):
        stream.do(courses.hold, today=TODAY)
    if target == "closed":
        stream.do(courses.close)
    if target == "cancelled":
        stream.do(courses.cancel, reason="không đủ học viên")
    return stream


COURSE_COMMANDS = {
    "hold": lambda stream: stream.do(courses.hold, today=TODAY),
    "close": lambda stream: stream.do(courses.close),
    "cancel": lambda stream: stream.do(courses.cancel, reason="thời tiết"),
    "enrol": lambda stream: enrol(stream, "Người mới"),
}
LEGAL_COURSE = {("scheduled", "hold"), ("scheduled", "cancel"), ("scheduled", "enrol"), ("held", "close"),
                ("held", "enrol")}


@pytest.mark.parametrize("current", list(courses.COURSE_STATES))
@pytest.mark.parametrize("command", list(COURSE_COMMANDS))
def test_course_transitions(current, command):
    stream = to_state(current)
    if (current, command) in LEGAL_COURSE:
        assert COURSE_COMMANDS[command](stream)
    else:
        with pytest.raises(IllegalTransition) as raised:
            COURSE_COMMANDS[command](stream)
        assert raised.value.status == 409
        assert raised.value.extra["current_state"] == current and current in raised.value.detail


def test_results_are_recorded_only_once_held_and_completion_needs_attendance():
    stream = course()
    [enrolled] = enrol(stream)
    participant = enrolled.data["participant_id"]
    with pytest.raises(IllegalTransition):
        stream.do(courses.record_result, participant, attended=True, completed=True)
    stream.do(courses.hold, today=TODAY)
    with pytest.raises(people.InvalidTrainingData) as raised:
        stream.do(courses.record_result, participant, attended=False, completed=True)
    assert set(raised.value.extra["errors"]) == {"completed"}
    events = stream.do(courses.record_result, participant, attended=True, completed=True)
    assert [event.event_type for event in events] == [courses.ATTENDANCE_RECORDED, courses.COMPLETION_RECORDED]
    assert stream.do(courses.record_result, participant, attended=True, completed=True) == []
    with pytest.raises(NotFound):
        stream.do(courses.record_result, "nobody", attended=True, completed=False)


def test_a_result_typed_wrongly_is_corrected_after_the_course_closed_only_with_a_reason():
    stream = course()
    [enrolled] = enrol(stream)
    participant = enrolled.data["participant_id"]
    stream.do(courses.hold, today=TODAY)
    stream.do(courses.record_result, participant, attended=True, completed=True)
    stream.do(courses.close)
    with pytest.raises(DomainError) as no_reason:
        stream.do(courses.record_result, participant, attended=False, completed=False)
    assert no_reason.value.status == 422 and "reason" in no_reason.value.extra["errors"]
    events = stream.do(courses.record_result, participant, attended=False, completed=False,
                       reason="học viên vắng, nhập nhầm")
    assert [(event.event_type, event.data["correction_reason"]) for event in events] == [
        (courses.ATTENDANCE_RECORDED, "học viên vắng, nhập nhầm"),
        (courses.COMPLETION_RECORDED, "học viên vắng, nhập nhầm")]
    corrected = courses.course_state(stream.history)
    assert corrected.status == "closed" and not corrected.participants[participant].attended


def test_end_before_start_is_rejected():
    with pytest.raises(people.InvalidTrainingData) as raised:
        course(start=date(2024, 5, 10), end=date(2024, 5, 9))
    assert set(raised.value.extra["errors"]) == {"end_date"}


# ---- experts ---------------------------------------------------------------------------------------------------------
def expert_training_course(store, completes: bool = True, name: str = "Phạm Thị Hoa") -> str:
    stream = course(topic="expert_training", stream_id="expert-course", store=store)
    [enrolled] = enrol(stream, name)
    stream.do(courses.hold, today=TODAY)
    stream.do(courses.record_result, enrolled.data["participant_id"], attended=True, completed=completes)
    return stream.stream_id


def courses_of(store, *ids):
    return {course_id: courses.COURSE.load(store, course_id).state for course_id in ids}


def expert_in(target: str, valid_until: date = date(2026, 12, 31)) -> Stream:
    stream = Stream("expert-1")
    stream.do(experts.nominate, department="DOST", full_name="Phạm Thị Hoa", national_id=None,
               enterprise_id="ent-1", organisation_code=None, enterprise=ENTERPRISE, key_secret=KEY)
    if target == "candidate":
        return stream
    course_id = expert_training_course(stream.store)
    stream.do(experts.record_training, courses_of(stream.store, course_id))
    if target == "trained":
        return stream
    stream.do(experts.certify, certificate_number="CG-001", issuer="local_programme",
               valid_from=date(2024, 1, 1), valid_until=valid_until, public_id="p" * 43)
    if target == "suspended":
        stream.do(experts.suspend, reason="vi phạm", on=TODAY)
    if target == "revoked":
        stream.do(experts.revoke, reason="gian lận", on=TODAY)
    return stream


EXPERT_COMMANDS = {
    "train": lambda s: s.do(experts.record_training, courses_of(s.store, "expert-course")),
    "certify": lambda s: s.do(experts.certify, certificate_number="CG-002", issuer="national_apo",
                               valid_from=date(2024, 2, 1), valid_until=date(2027, 1, 31), public_id="q" * 43),
    "renew": lambda s: s.do(experts.renew, valid_until=date(2029, 12, 31), renewed_on=TODAY),
    "suspend": lambda s: s.do(experts.suspend, reason="tạm dừng", on=TODAY),
    "reinstate": lambda s: s.do(experts.reinstate, on=TODAY),
    "revoke": lambda s: s.do(experts.revoke, reason="thu hồi", on=TODAY),
}
LEGAL_EXPERT = {("candidate", "train"): "trained", ("trained", "certify"): "certified",
                ("certified", "renew"): "certified", ("certified", "suspend"): "suspended",
                ("certified", "revoke"): "revoked", ("suspended", "reinstate"): "certified",
                ("suspended", "revoke"): "revoked", ("revoked", "certify"): "certified"}


@pytest.mark.parametrize("current", list(experts.EXPERT_STATES))
@pytest.mark.parametrize("command", list(EXPERT_COMMANDS))
def test_expert_transitions(current, command):
    stream = expert_in(current)
    if (current, command) in LEGAL_EXPERT:
        if current == "candidate":
            expert_training_course(stream.store)
        assert EXPERT_COMMANDS[command](stream)
        assert experts.expert_state(stream.history).state == LEGAL_EXPERT[(current, command)]
    else:
        with pytest.raises(IllegalTransition) as raised:
            EXPERT_COMMANDS[command](stream)
        assert raised.value.status == 409 and raised.value.extra["current_state"] == current


def test_trained_and_certified_are_distinct_events_with_their_own_business_dates():
    stream = expert_in("certified")
    types = [(event.event_type, event.occurred_at) for event in stream.history]
    assert types[1:] == [(experts.EXPERT_TRAINED, "2024-05-11T00:00:00.000Z"),
                         (experts.EXPERT_CERTIFIED, "2024-01-01T00:00:00.000Z")]


@pytest.mark.parametrize("topic, completes, problem", [
    ("management_system", True, "không phải khoá đào tạo chuyên gia"),
    ("expert_training", False, "không có kết quả hoàn thành"),
])
def test_training_is_verified_against_the_course(topic, completes, problem):
    stream = expert_in("candidate")
    course_stream = course(topic=topic, stream_id="c-x", store=stream.store)
    [enrolled] = enrol(course_stream, "Phạm Thị Hoa")
    course_stream.do(courses.hold, today=TODAY)
    course_stream.do(courses.record_result, enrolled.data["participant_id"], attended=True, completed=completes)
    with pytest.raises(experts.TrainingNotVerified) as raised:
        stream.do(experts.record_training, courses_of(stream.store, "c-x"))
    assert raised.value.status == 422 and problem in raised.value.extra["errors"]["course_ids"][0]


def test_another_person_completing_the_course_does_not_train_the_candidate():
    stream = expert_in("candidate")
    expert_training_course(stream.store, name="Người Khác")
    with pytest.raises(experts.TrainingNotVerified):
        stream.do(experts.record_training, courses_of(stream.store, "expert-course"))


def test_an_unknown_course_is_not_training():
    stream = expert_in("candidate")
    with pytest.raises(experts.TrainingNotVerified):
        stream.do(experts.record_training, {"missing": None})


def test_renewal_must_extend_the_validity():
    stream = expert_in("certified")
    with pytest.raises(people.InvalidTrainingData) as raised:
        stream.do(experts.renew, valid_until=date(2026, 12, 31), renewed_on=TODAY)
    assert set(raised.value.extra["errors"]) == {"valid_until"}


@pytest.mark.parametrize("today, status", [
    (date(2025, 3, 30), "valid"),    # the day before valid_until
    (date(2025, 3, 31), "valid"),    # valid_until itself: valid through the end of that day
    (date(2025, 4, 1), "expired"),   # the day after
])
def test_expiry_is_derived_from_the_date_at_the_boundary(today, status):
    expert = experts.expert_state(expert_in("certified", valid_until=date(2025, 3, 31)).history)
    assert expert.status_on(today) == status


def test_a_renewed_certificate_is_valid_again():
    stream = expert_in("certified", valid_until=date(2024, 3, 31))
    assert experts.expert_state(stream.history).status_on(TODAY) == "expired"
    stream.do(experts.renew, valid_until=date(2027, 3, 31), renewed_on=TODAY)
    assert experts.expert_state(stream.history).status_on(TODAY) == "valid"


def test_commands_on_a_missing_stream_are_404():
    with pytest.raises(NotFound):
        courses.hold(None, today=TODAY)
    with pytest.raises(NotFound):
        experts.revoke([], reason="x", on=TODAY)
    assert issubclass(NotFound, DomainError)


def test_a_revoked_expert_is_certified_again_with_a_new_certificate_and_the_old_one_stays_revoked():
    stream = expert_in("revoked")
    with pytest.raises(DomainError) as same_number:
        stream.do(experts.certify, certificate_number="CG-001", issuer="local_programme",
                  valid_from=date(2025, 1, 1), valid_until=date(2027, 12, 31), public_id="n" * 43)
    assert "certificate_number" in same_number.value.extra["errors"]
    stream.do(experts.certify, certificate_number="CG-101", issuer="national_apo",
              valid_from=date(2025, 1, 1), valid_until=date(2027, 12, 31), public_id="n" * 43)
    expert = experts.expert_state(stream.history)
    assert (expert.state, expert.certificate_number, expert.public_id, expert.revoked_on) == \
        ("certified", "CG-101", "n" * 43, None)
    assert expert.certificate_ids() == ["p" * 43, "n" * 43]
    [old] = expert.revoked_certificates
    assert (old.certificate_number, old.public_id, old.revoked_on, old.reason) == ("CG-001", "p" * 43,
                                                                                    TODAY.isoformat(), "gian lận")
    shown = expert.as_certificate("p" * 43)
    assert (shown.state, shown.certificate_number, shown.valid_from) == ("revoked", "CG-001", "2024-01-01")
    assert expert.as_certificate("n" * 43) is expert


def test_a_participant_enrolled_by_mistake_is_withdrawn_with_a_reason_and_may_be_enrolled_again():
    stream = Stream("course-w", aggregate=courses.COURSE)
    stream.do(courses.schedule_course, organiser="DOST", title="Lớp 5S", kind="training_class",
              topic="improvement_tool", subject=None, start_date=date(2024, 3, 4), end_date=date(2024, 3, 5),
              venue="Cao Lãnh", capacity=1)
    stream.do(courses.enrol, full_name="Lê Văn An", role="worker", national_id="087190000777",
              enterprise_id="ent-1", organisation_code=None, enterprise=ENTERPRISE, key_secret=KEY)
    [participant_id] = courses.course_state(stream.history).participants
    with pytest.raises(DomainError) as no_reason:
        stream.do(courses.withdraw_participant, participant_id, reason="  ")
    assert "reason" in no_reason.value.extra["errors"]
    with pytest.raises(NotFound):
        stream.do(courses.withdraw_participant, "no-such-participant", reason="nhầm")
    stream.do(courses.withdraw_participant, participant_id, reason="ghi danh nhầm")
    course = courses.course_state(stream.history)
    assert course.participants == {}
    assert stream.history[-1].data["enterprise_id"] == "ent-1"
    with pytest.raises(NotFound):
        stream.do(courses.withdraw_participant, participant_id, reason="lần nữa")
    stream.do(courses.enrol, full_name="Lê Văn An", role="worker", national_id="087190000777",
              enterprise_id="ent-1", organisation_code=None, enterprise=ENTERPRISE, key_secret=KEY)
    assert list(courses.course_state(stream.history).participants) == [participant_id]  # the seat was freed
