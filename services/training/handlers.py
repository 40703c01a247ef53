"""Training's commands and their handlers: look up what the decision needs (a known enterprise, the courses an
expert trained in, today), decide, append. No Flask.

Each handler takes its command, the bootstrapped ``TrainingService`` and the request's ``CommandContext``; the
organising or recording department is the department of the person who sends the command.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.training import courses, experts, outreach
from services.training.bootstrap import TrainingService
from services.training.certificates import NO_EXPERT, issue_public_id, same_id
from shared.commands import CommandContext, Outcome, run_command, run_folded, run_owned
from shared.reference import province_today


def new_id() -> str:
    return str(uuid.uuid4())


def _enterprise(service: TrainingService, enterprise_id: str | None) -> dict[str, Any] | None:
    return service.known_enterprises.lookup(enterprise_id) if enterprise_id else None


# ---- courses ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduleCourse:
    title: str
    kind: str
    topic: str
    start_date: date
    end_date: date
    venue: str
    capacity: int
    subject: str | None = None
    course_id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class Person:
    """A person is their national ID, or their name and where they come from (one enterprise or organisation)."""
    full_name: str
    national_id: str | None = None
    enterprise_id: str | None = None
    organisation_code: str | None = None


@dataclass(frozen=True)
class EnrolParticipant:
    course_id: str
    role: str
    person: Person


@dataclass(frozen=True)
class RecordResult:
    course_id: str
    participant_id: str
    attended: bool
    completed: bool
    reason: str | None = None


@dataclass(frozen=True)
class WithdrawParticipant:
    course_id: str
    participant_id: str
    reason: str


@dataclass(frozen=True)
class HoldCourse:
    course_id: str


@dataclass(frozen=True)
class CloseCourse:
    course_id: str


@dataclass(frozen=True)
class CancelCourse:
    course_id: str
    reason: str


def schedule_course(command: ScheduleCourse, service: TrainingService, context: CommandContext) -> Outcome:
    return run_folded(service.store, courses.COURSE, command.course_id, lambda course: courses.schedule_course(
        course, organiser=context.principal.department, title=command.title, kind=command.kind,
        topic=command.topic, subject=command.subject, start_date=command.start_date, end_date=command.end_date,
        venue=command.venue, capacity=command.capacity), context, new_stream=True)


def enrol_participant(command: EnrolParticipant, service: TrainingService, context: CommandContext) -> Outcome:
    person = command.person
    enterprise = _enterprise(service, person.enterprise_id)
    return run_owned(service.store, command.course_id, courses.OWNED, context, lambda course: courses.enrol(
        course, full_name=person.full_name, role=command.role, national_id=person.national_id,
        enterprise_id=person.enterprise_id, organisation_code=person.organisation_code, enterprise=enterprise,
        key_secret=service.person_key_secret, units=service.units.directory()))


def record_result(command: RecordResult, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.course_id, courses.OWNED, context, lambda course: courses.record_result(
        course, command.participant_id, attended=command.attended, completed=command.completed,
        reason=command.reason))


def withdraw_participant(command: WithdrawParticipant, service: TrainingService,
                         context: CommandContext) -> Outcome:
    return run_owned(service.store, command.course_id, courses.OWNED, context,
                     lambda course: courses.withdraw_participant(course, command.participant_id,
                                                                 reason=command.reason))


def hold_course(command: HoldCourse, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.course_id, courses.OWNED, context,
                     lambda course: courses.hold(course, today=province_today()))


def close_course(command: CloseCourse, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.course_id, courses.OWNED, context, courses.close)


def cancel_course(command: CancelCourse, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.course_id, courses.OWNED, context,
                     lambda course: courses.cancel(course, reason=command.reason))


# ---- outreach and honours ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordOutreach:
    kind: str
    title: str
    held_on: date
    reach: int
    channel: str | None = None
    activity_id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class AwardHonour:
    recipient_kind: str
    recipient_name: str
    kind: str
    decision_number: str
    decision_date: date
    enterprise_id: str | None = None
    honour_id: str = field(default_factory=new_id)


def record_outreach(command: RecordOutreach, service: TrainingService, context: CommandContext) -> Outcome:
    return run_command(service.store, command.activity_id, lambda history: outreach.record_outreach(
        history, department=context.principal.department, kind=command.kind, title=command.title,
        held_on=command.held_on, reach=command.reach, channel=command.channel), context, new_stream=True)


def award_honour(command: AwardHonour, service: TrainingService, context: CommandContext) -> Outcome:
    enterprise = _enterprise(service, command.enterprise_id)
    return run_command(service.store, command.honour_id, lambda history: outreach.award_honour(
        history, department=context.principal.department, recipient_kind=command.recipient_kind,
        recipient_name=command.recipient_name, enterprise_id=command.enterprise_id, enterprise=enterprise,
        kind=command.kind, decision_number=command.decision_number, decision_date=command.decision_date),
        context, new_stream=True)


@dataclass(frozen=True)
class CorrectOutreach:
    activity_id: str
    changes: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class WithdrawRecord:
    """An outreach activity or an honour recorded by mistake."""
    record_id: str
    reason: str


def correct_outreach(command: CorrectOutreach, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.activity_id, outreach.OUTREACH_OWNED, context,
                     lambda history: outreach.correct_outreach(history, changes=command.changes,
                                                               reason=command.reason))


def withdraw_outreach(command: WithdrawRecord, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.record_id, outreach.OUTREACH_OWNED, context,
                     lambda history: outreach.withdraw(history, outreach.OUTREACH_RECORDED, reason=command.reason))


def withdraw_honour(command: WithdrawRecord, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.record_id, outreach.HONOUR_OWNED, context,
                     lambda history: outreach.withdraw(history, outreach.HONOUR_AWARDED, reason=command.reason))


# ---- NSCL experts -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NominateExpert:
    person: Person
    expert_id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class RecordExpertTraining:
    expert_id: str
    course_ids: list[str]


@dataclass(frozen=True)
class CertifyExpert:
    expert_id: str
    certificate_number: str
    issuer: str
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class RenewCertificate:
    expert_id: str
    valid_until: date
    renewed_on: date | None = None


@dataclass(frozen=True)
class SuspendCertificate:
    expert_id: str
    reason: str
    effective_on: date | None = None


@dataclass(frozen=True)
class ReinstateCertificate:
    expert_id: str
    effective_on: date | None = None


@dataclass(frozen=True)
class RevokeCertificate:
    expert_id: str
    reason: str
    effective_on: date | None = None


def nominate_expert(command: NominateExpert, service: TrainingService, context: CommandContext) -> Outcome:
    person = command.person
    enterprise = _enterprise(service, person.enterprise_id)
    return run_command(service.store, command.expert_id, lambda history: experts.nominate(
        history, department=context.principal.department, full_name=person.full_name,
        national_id=person.national_id, enterprise_id=person.enterprise_id,
        organisation_code=person.organisation_code, enterprise=enterprise, key_secret=service.person_key_secret,
        units=service.units.directory(), on=province_today()), context, new_stream=True)


def record_expert_training(command: RecordExpertTraining, service: TrainingService,
                           context: CommandContext) -> Outcome:
    """Verified against the courses' own streams: the same person completed each expert-training course."""
    trained_in = {course_id: courses.COURSE.load(service.store, course_id).state
                  for course_id in command.course_ids}
    return run_owned(service.store, command.expert_id, experts.OWNED, context,
                     lambda history: experts.record_training(history, trained_in))


def certify_expert(command: CertifyExpert, service: TrainingService, context: CommandContext) -> Outcome:
    """The certificate's public id is random; it is claimed for the expert just before the append (and released
    if the append fails), so the public verification finds it as soon as the certification is stored."""
    public_id, expert_id = issue_public_id(), command.expert_id

    def is_live(holder: str) -> bool:
        expert = experts.expert_state(service.store.read_stream(holder))
        return expert is not None and public_id in expert.certificate_ids()

    def claim_public_id():
        if service.certificate_ids.claim(public_id, expert_id, is_live) is not None:
            raise RuntimeError("a random certificate id was already taken")  # 256 random bits: never
        return lambda: service.certificate_ids.release(public_id, expert_id)

    return run_owned(service.store, expert_id, experts.OWNED, context, lambda history: experts.certify(
        history, certificate_number=command.certificate_number, issuer=command.issuer,
        valid_from=command.valid_from, valid_until=command.valid_until, public_id=public_id), reserve=claim_public_id)


def find_certificate(public_id: str, service: TrainingService) -> experts.Expert | None:
    """The expert whose certificate has this public id, or None. Existing or not, the same work: one indexed
    lookup of the id, one read of a stream (a stream that never exists for a missing id), constant-time
    comparisons with the ids recorded at certification. A certificate revoked before the expert was certified
    again is found as it was, revoked."""
    holder = service.certificate_ids.holder(public_id)
    expert = experts.expert_state(service.store.read_stream(holder or NO_EXPERT))
    issued: list[str | None] = [*(expert.certificate_ids() if expert else [])] or [None]
    matches = [same_id(recorded, public_id) for recorded in issued]  # every id compared: no early answer
    return expert.as_certificate(public_id) if expert and any(matches) else None


def renew_certificate(command: RenewCertificate, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.expert_id, experts.OWNED, context, lambda history: experts.renew(
        history, valid_until=command.valid_until, renewed_on=command.renewed_on or province_today()))


def suspend_certificate(command: SuspendCertificate, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.expert_id, experts.OWNED, context, lambda history: experts.suspend(
        history, reason=command.reason, on=command.effective_on or province_today()))


def reinstate_certificate(command: ReinstateCertificate, service: TrainingService,
                          context: CommandContext) -> Outcome:
    return run_owned(service.store, command.expert_id, experts.OWNED, context, lambda history: experts.reinstate(
        history, on=command.effective_on or province_today()))


def revoke_certificate(command: RevokeCertificate, service: TrainingService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.expert_id, experts.OWNED, context, lambda history: experts.revoke(
        history, reason=command.reason, on=command.effective_on or province_today()))
