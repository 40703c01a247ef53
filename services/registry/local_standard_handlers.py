"""Commands on the province's base standards and local technical regulations (services/registry/local_standards.py
decides). No Flask. The acting department comes from the request's principal."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.registry import local_standards
from services.registry.bootstrap import RegistryService
from shared.commands import CommandContext, Outcome, run_command, run_owned
from shared.reference import province_today


@dataclass(frozen=True)
class StartDrafting:
    code: str
    kind: str
    title: str
    field: str
    started_on: date | None = None


@dataclass(frozen=True)
class Issue:
    standard_id: str
    issued_on: date
    decision_number: str


@dataclass(frozen=True)
class Withdraw:
    standard_id: str
    reason: str
    withdrawn_on: date | None = None
    replaced_by: str | None = None


def start_drafting(command: StartDrafting, service: RegistryService, context: CommandContext) -> Outcome:
    return run_command(service.store, local_standards.stream_id(command.code), lambda history: (
        local_standards.start_drafting(history, code=command.code, kind=command.kind, title=command.title,
                                       field=command.field, drafting_department=context.principal.department,
                                       started_on=command.started_on or province_today())), context)


def issue(command: Issue, service: RegistryService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.standard_id, local_standards.OWNED, context,
                     lambda history: local_standards.issue(history, issued_on=command.issued_on,
                                                           decision_number=command.decision_number))


def withdraw(command: Withdraw, service: RegistryService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.standard_id, local_standards.OWNED, context,
                     lambda history: local_standards.withdraw(
                         history, withdrawn_on=command.withdrawn_on or province_today(), reason=command.reason,
                         replaced_by=command.replaced_by))
