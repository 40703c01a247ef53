"""Support's commands and their handlers: look up what the decision needs, decide, append. No Flask.

Each handler takes its command, the bootstrapped ``SupportService`` and the request's ``CommandContext``; the
department and role that act are read from the context's principal and passed to the domain as plain values.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.support import domain
from services.support.bootstrap import SupportService
from shared.commands import CommandContext, Outcome, run_command
from shared.reference import province_today


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class ProposeCase:
    enterprise_id: str
    support_type: str
    need: str
    requested_amount: int
    title: str | None = None
    proposed_on: date | None = None
    case_id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class ApproveCase:
    case_id: str
    budget: dict[str, int]
    approved_on: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class RejectCase:
    case_id: str
    reason: str
    rejected_on: date | None = None


@dataclass(frozen=True)
class RecordMilestone:
    case_id: str
    note: str
    on: date | None = None


@dataclass(frozen=True)
class RecordDisbursement:
    case_id: str
    amount: int
    source: str
    disbursed_on: date | None = None


@dataclass(frozen=True)
class ReverseDisbursement:
    case_id: str
    disbursement_id: str
    reason: str
    reversed_on: date | None = None


@dataclass(frozen=True)
class CompleteCase:
    case_id: str
    outcome: dict[str, Any]
    completed_on: date | None = None


@dataclass(frozen=True)
class CancelCase:
    case_id: str
    reason: str
    cancelled_on: date | None = None


def acting(context: CommandContext) -> domain.Acting:
    return domain.Acting(context.principal.department, context.principal.role, context.also_holds())


def _today(value: date | None) -> date:
    return value or province_today()


def propose_case(command: ProposeCase, service: SupportService, context: CommandContext) -> Outcome:
    """The enterprise must be one support knows from registry events, and open."""
    enterprise = service.known_enterprises.lookup(command.enterprise_id)
    return run_command(service.store, command.case_id, lambda history: domain.propose(
        history, acting(context), enterprise=enterprise, enterprise_id=command.enterprise_id,
        support_type=command.support_type, need=command.need, requested_amount=command.requested_amount,
        title=command.title, proposed_on=_today(command.proposed_on)), context, new_stream=True)


def approve_case(command: ApproveCase, service: SupportService, context: CommandContext) -> Outcome:
    return run_command(service.store, command.case_id, lambda history: domain.approve(
        history, acting(context), budget=command.budget, approved_on=_today(command.approved_on),
        note=command.note), context)


def reject_case(command: RejectCase, service: SupportService, context: CommandContext) -> Outcome:
    return run_command(service.store, command.case_id, lambda history: domain.reject(
        history, acting(context), reason=command.reason, rejected_on=_today(command.rejected_on)), context)


def record_milestone(command: RecordMilestone, service: SupportService, context: CommandContext) -> Outcome:
    return run_command(service.store, command.case_id, lambda history: domain.record_milestone(
        history, acting(context), on=_today(command.on), note=command.note), context)


def record_disbursement(command: RecordDisbursement, service: SupportService, context: CommandContext) -> Outcome:
    return run_command(service.store, command.case_id, lambda history: domain.record_disbursement(
        history, acting(context), amount=command.amount, source=command.source,
        disbursed_on=_today(command.disbursed_on)), context)


def reverse_disbursement(command: ReverseDisbursement, service: SupportService,
                         context: CommandContext) -> Outcome:
    return run_command(service.store, command.case_id, lambda history: domain.reverse_disbursement(
        history, acting(context), disbursement_id=command.disbursement_id, reason=command.reason,
        reversed_on=_today(command.reversed_on)), context)


def complete_case(command: CompleteCase, service: SupportService, context: CommandContext) -> Outcome:
    return run_command(service.store, command.case_id, lambda history: domain.complete(
        history, acting(context), outcome=command.outcome, completed_on=_today(command.completed_on)), context)


def cancel_case(command: CancelCase, service: SupportService, context: CommandContext) -> Outcome:
    return run_command(service.store, command.case_id, lambda history: domain.cancel(
        history, acting(context), reason=command.reason, cancelled_on=_today(command.cancelled_on)), context)
