"""The annual plan's commands and their handlers (services/support/plans.py decides). No Flask.

The province's today is read here and handed to the pure domain, which refuses business dates after it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.support import plans
from services.support.bootstrap import SupportService
from services.support.domain import Acting
from services.support.handlers import acting
from shared.commands import CommandContext, Outcome, run_command
from shared.envelope import Envelope
from shared.eventstore import NewEvent
from shared.reference import province_today


@dataclass(frozen=True)
class DraftPlan:
    year: int
    lines: list[dict[str, Any]]
    drafted_on: date | None = None
    redraft: bool = False


@dataclass(frozen=True)
class SubmitPlan:
    year: int
    submitted_on: date | None = None


@dataclass(frozen=True)
class ApprovePlan:
    year: int
    approved_on: date | None = None
    adjustments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReturnPlan:
    year: int
    reason: str
    returned_on: date | None = None
    requested_adjustments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RevisePlan:
    year: int
    changes: list[dict[str, Any]]
    reason: str
    revised_on: date | None = None


Decide = Callable[[list[Envelope], Acting, date], list[NewEvent]]  # history, who acts, the province's today


def _on_plan(year: int, service: SupportService, context: CommandContext, decide: Decide) -> Outcome:
    today = province_today()
    return run_command(service.store, plans.stream_id(year),
                       lambda history: decide(history, acting(context), today), context)


def draft_plan(command: DraftPlan, service: SupportService, context: CommandContext) -> Outcome:
    return _on_plan(command.year, service, context, lambda history, who, today: plans.draft(
        history, who, year=command.year, lines=command.lines, drafted_on=command.drafted_on or today, today=today,
        redraft=command.redraft))


def submit_plan(command: SubmitPlan, service: SupportService, context: CommandContext) -> Outcome:
    return _on_plan(command.year, service, context, lambda history, who, today: plans.submit(
        history, who, submitted_on=command.submitted_on or today, today=today))


def approve_plan(command: ApprovePlan, service: SupportService, context: CommandContext) -> Outcome:
    return _on_plan(command.year, service, context, lambda history, who, today: plans.approve(
        history, who, approved_on=command.approved_on or today, today=today, adjustments=command.adjustments))


def return_plan(command: ReturnPlan, service: SupportService, context: CommandContext) -> Outcome:
    return _on_plan(command.year, service, context, lambda history, who, today: plans.return_plan(
        history, who, reason=command.reason, returned_on=command.returned_on or today, today=today,
        requested_adjustments=command.requested_adjustments))


def revise_plan(command: RevisePlan, service: SupportService, context: CommandContext) -> Outcome:
    return _on_plan(command.year, service, context, lambda history, who, today: plans.revise(
        history, who, changes=command.changes, reason=command.reason, revised_on=command.revised_on or today,
        today=today))
