"""The registry's commands and their handlers: look up what the decision needs, decide, append. No Flask.

Each handler takes its command, the bootstrapped ``RegistryService`` and the request's ``CommandContext``, and
returns the ``Outcome`` (with the stream as the command left it). Routes, the seed and the tests call them.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.registry import conformity, domain, units
from services.registry.bootstrap import RegistryService
from shared.auth import Forbidden, Principal
from shared.commands import CommandContext, Decide, Outcome, run_command, run_owned
from shared.envelope import Envelope, canonical_json
from shared.errors import DomainError
from shared.eventstore import ConcurrencyError, IdempotencyKeyReused, PendingCommit
from shared.reference import province_today

STEWARDS = {"DOST"}  # who keeps the reference data (units) besides admins


class TaxCodeTaken(DomainError):
    slug = "tax-code-taken"
    title = "Mã số thuế đã thuộc một doanh nghiệp đang hoạt động"


def new_id() -> str:
    return str(uuid.uuid4())


# ---- enterprises ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegisterEnterprise:
    tax_code: str
    name: str
    district_code: str
    registered_on: date | None = None  # today in the province when not given
    profile: dict[str, Any] = field(default_factory=dict)  # address, commune, ownership, size class, …
    enterprise_id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class UpdateProfile:
    enterprise_id: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class MoveEnterprise:
    enterprise_id: str
    district_code: str
    reason: str
    moved_on: date | None = None


@dataclass(frozen=True)
class CloseEnterprise:
    enterprise_id: str
    reason: str
    closed_on: date | None = None


@dataclass(frozen=True)
class ApplyPriorityGroup:
    enterprise_id: str
    group: str
    since: date
    ocop_stars: int | None = None


@dataclass(frozen=True)
class EndPriorityGroup:
    enterprise_id: str
    group: str
    until: date | None = None


@dataclass(frozen=True)
class AddProduct:
    enterprise_id: str
    product: dict[str, Any]


@dataclass(frozen=True)
class UpdateProduct:
    enterprise_id: str
    product_id: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class RemoveProduct:
    enterprise_id: str
    product_id: str


@dataclass(frozen=True)
class RecordCertification:
    enterprise_id: str
    certification: dict[str, Any]


@dataclass(frozen=True)
class WithdrawCertification:
    enterprise_id: str
    certification_id: str
    reason: str
    withdrawn_on: date | None = None


@dataclass(frozen=True)
class CorrectCertification:
    enterprise_id: str
    certification_id: str
    changes: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class AnnulCertification:
    enterprise_id: str
    certification_id: str
    reason: str


@dataclass(frozen=True)
class WithdrawSurvey:
    enterprise_id: str
    survey_id: str
    reason: str


@dataclass(frozen=True)
class RecordSurvey:
    enterprise_id: str
    survey: dict[str, Any]


def register_enterprise(command: RegisterEnterprise, service: RegistryService, context: CommandContext) -> Outcome:
    """The tax code is claimed just before the append (and released if the append fails): unique among open
    enterprises without a transaction."""
    enterprise_id, tax_code = command.enterprise_id, command.tax_code

    def is_live(owner: str) -> bool:
        enterprise = domain.current_state(service.store.read_stream(owner))
        return enterprise is not None and enterprise.is_open

    def claim_tax_code():
        holder = service.claims.claim(tax_code, enterprise_id, is_live)
        if holder is not None:
            raise TaxCodeTaken(f"Mã số thuế {tax_code} đã thuộc doanh nghiệp đang hoạt động '{holder}'.",
                               existing_id=holder, errors={"tax_code": ["đã được dùng"]})
        return lambda: service.claims.release(tax_code, enterprise_id)

    place = _unit_history(service, command.district_code)
    return run_command(service.store, enterprise_id, lambda history: domain.register(
        history, tax_code=tax_code, name=command.name, district_code=command.district_code,
        registered_on=command.registered_on or province_today(), unit_history=place,
        registrar=context.principal.department,
        **command.profile), context,
        reserve=claim_tax_code, new_stream=True)


def _enterprise(service: RegistryService, enterprise_id: str, context: CommandContext, decide: Decide) -> Outcome:
    """A command on a registered enterprise, decided only for a department that holds it."""
    return run_owned(service.store, enterprise_id, domain.OWNED, context, decide)


def _unit_history(service: RegistryService, code: str | None) -> list[Envelope]:
    """The events of the administrative unit a record is placed in (none for no code)."""
    return service.store.read_stream(units.stream_id(code)) if code else []


def update_profile(command: UpdateProfile, service: RegistryService, context: CommandContext) -> Outcome:
    place = _unit_history(service, command.changes.get("district_code"))
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.update_profile(
        history, command.changes, on=province_today(), unit_history=place))


def move_enterprise(command: MoveEnterprise, service: RegistryService, context: CommandContext) -> Outcome:
    place = _unit_history(service, command.district_code)
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.move(
        history, district_code=command.district_code, moved_on=command.moved_on or province_today(),
        reason=command.reason, unit_history=place))


def close_enterprise(command: CloseEnterprise, service: RegistryService, context: CommandContext) -> Outcome:
    """Closing frees the tax code for a new registration."""
    outcome = _enterprise(service, command.enterprise_id, context, lambda history: domain.close(
        history, reason=command.reason, closed_on=command.closed_on or province_today()))
    closed = domain.current_state(list(outcome.history))
    if closed is not None and not closed.is_open:
        service.claims.release(closed.tax_code, closed.id)
    return outcome


def apply_priority_group(command: ApplyPriorityGroup, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.apply_priority_group(
        history, group=command.group, since=command.since, ocop_stars=command.ocop_stars))


def end_priority_group(command: EndPriorityGroup, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.end_priority_group(
        history, group=command.group, until=command.until or province_today()))


def add_product(command: AddProduct, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context,
                       lambda history: domain.add_product(history, command.product))


def update_product(command: UpdateProduct, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context,
                       lambda history: domain.update_product(history, command.product_id, command.changes))


def remove_product(command: RemoveProduct, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context,
                       lambda history: domain.remove_product(history, command.product_id))


def record_certification(command: RecordCertification, service: RegistryService,
                         context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context,
                       lambda history: domain.record_certification(history, command.certification))


def withdraw_certification(command: WithdrawCertification, service: RegistryService,
                           context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.withdraw_certification(
        history, command.certification_id, withdrawn_on=command.withdrawn_on or province_today(),
        reason=command.reason))


def record_survey(command: RecordSurvey, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context,
                       lambda history: domain.record_survey(history, command.survey))


def correct_certification(command: CorrectCertification, service: RegistryService,
                          context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.correct_certification(
        history, command.certification_id, changes=command.changes, reason=command.reason))


def annul_certification(command: AnnulCertification, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.annul_certification(
        history, command.certification_id, reason=command.reason))


def withdraw_survey(command: WithdrawSurvey, service: RegistryService, context: CommandContext) -> Outcome:
    return _enterprise(service, command.enterprise_id, context, lambda history: domain.withdraw_survey(
        history, command.survey_id, reason=command.reason))


# ---- conformity-assessment bodies -------------------------------------------------------------------------
@dataclass(frozen=True)
class RegisterBody:
    name: str
    district_code: str
    enterprise_id: str | None = None
    registered_on: date | None = None
    body_id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class AddField:
    body_id: str
    kind: str
    name: str
    added_on: date
    accreditation: str | None = None


@dataclass(frozen=True)
class RemoveField:
    body_id: str
    field_id: str
    reason: str
    removed_on: date | None = None


@dataclass(frozen=True)
class CorrectField:
    body_id: str
    field_id: str
    changes: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class AnnulField:
    body_id: str
    field_id: str
    reason: str


def register_body(command: RegisterBody, service: RegistryService, context: CommandContext) -> Outcome:
    owner = domain.current_state(service.store.read_stream(command.enterprise_id)) if command.enterprise_id else None
    place = _unit_history(service, command.district_code)
    return run_command(service.store, command.body_id, lambda history: conformity.register_body(
        history, name=command.name, district_code=command.district_code, enterprise_id=command.enterprise_id,
        registered_on=command.registered_on or province_today(), unit_history=place,
        enterprise_known=owner is not None), context, new_stream=True)


def add_field(command: AddField, service: RegistryService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.body_id, conformity.OWNED, context, lambda history: conformity.add_field(
        history, kind=command.kind, name=command.name, added_on=command.added_on,
        accreditation=command.accreditation))


def remove_field(command: RemoveField, service: RegistryService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.body_id, conformity.OWNED, context, lambda history: conformity.remove_field(
        history, command.field_id, removed_on=command.removed_on or province_today(), reason=command.reason))


def correct_field(command: CorrectField, service: RegistryService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.body_id, conformity.OWNED, context,
                     lambda history: conformity.correct_field(history, command.field_id, changes=command.changes,
                                                              reason=command.reason))


def annul_field(command: AnnulField, service: RegistryService, context: CommandContext) -> Outcome:
    return run_owned(service.store, command.body_id, conformity.OWNED, context, lambda history: conformity.annul_field(
        history, command.field_id, reason=command.reason))


# ---- administrative units and departments --------------------------------------------------------------------
@dataclass(frozen=True)
class EstablishUnit:
    code: str
    name: str
    category: str
    level: str
    effective_from: date
    parent_code: str | None = None


@dataclass(frozen=True)
class EstablishUnits:
    """A list of units to establish at once (parents before their children)."""
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class RenameUnit:
    code: str
    name: str
    effective_from: date


@dataclass(frozen=True)
class MergeUnit:
    code: str
    successor_code: str
    effective_from: date


@dataclass(frozen=True)
class AbolishUnit:
    code: str
    reason: str
    effective_from: date
    successor_code: str | None = None


def _steward_only(context: CommandContext) -> None:
    steward_only(context.principal)


def steward_only(principal: Principal) -> None:
    if principal.role != "admin" and principal.department not in STEWARDS:
        raise Forbidden("Chỉ Sở Khoa học và Công nghệ hoặc quản trị viên được thay đổi danh mục đơn vị.")


def establish_unit(command: EstablishUnit, service: RegistryService, context: CommandContext) -> Outcome:
    _steward_only(context)
    parent = service.store.read_stream(units.stream_id(command.parent_code)) if command.parent_code else []
    return run_command(service.store, units.stream_id(command.code), lambda history: units.establish(
        history, code=command.code, name=command.name, category=command.category, level=command.level,
        effective_from=command.effective_from, parent_code=command.parent_code, parent_history=parent), context)


def establish_units(command: EstablishUnits, service: RegistryService, context: CommandContext) -> list[dict[str, Any]]:
    """All rows checked first (nothing written if one is wrong), then written in one batch (EventStore.append_batch).
    Each row's idempotency key is its code: sending the same list again records nothing new ("replayed"); a unit
    already recorded otherwise is left as it is ("already_recorded"); a code sent again with other data is 409."""
    _steward_only(context)
    listed = {row["code"] for row in command.rows}
    named = {row["parent_code"] for row in command.rows if row.get("parent_code")}
    parents = {code: service.store.read_stream(units.stream_id(code)) for code in named - listed}
    decided = units.establish_many(command.rows, parents)
    try:
        outcomes = service.store.append_batch([
            PendingCommit(units.stream_id(row["code"]), 0, events, context.metadata,
                          idempotency_key=f"{BULK_KEY}{row['code']}", request_hash=_fingerprint(row))
            for row, events in zip(command.rows, decided, strict=True)])
    except IdempotencyKeyReused as reused:
        code = str(reused).removeprefix(BULK_KEY)
        raise units.UnitRuleViolated(f"Đơn vị '{code}' đã được ghi nhận bởi một danh sách trước với dữ liệu khác; "
                                     "sửa từng đơn vị bằng các thao tác đổi tên, sáp nhập, bỏ cấp.",
                                     errors={"units": [f"'{code}': khác với lần ghi trước"]}) from None
    return [{"code": row["code"], "result": "already_recorded" if isinstance(outcome, ConcurrencyError)
             else "replayed" if outcome.replayed else "recorded"}
            for row, outcome in zip(command.rows, outcomes, strict=True)]


BULK_KEY = "units-bulk:"  # + a unit's code: the idempotency key of its row in a list


def _fingerprint(row: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({key: str(value) for key, value in row.items()})).hexdigest()


def rename_unit(command: RenameUnit, service: RegistryService, context: CommandContext) -> Outcome:
    _steward_only(context)
    return run_command(service.store, units.stream_id(command.code), lambda history: units.rename(
        history, name=command.name, effective_from=command.effective_from), context)


def merge_unit(command: MergeUnit, service: RegistryService, context: CommandContext) -> Outcome:
    _steward_only(context)
    successor = service.store.read_stream(units.stream_id(command.successor_code))
    return run_command(service.store, units.stream_id(command.code), lambda history: units.merge_into(
        history, successor_code=command.successor_code, effective_from=command.effective_from,
        successor_history=successor), context)


def abolish_unit(command: AbolishUnit, service: RegistryService, context: CommandContext) -> Outcome:
    _steward_only(context)
    successor = service.store.read_stream(units.stream_id(command.successor_code)) if command.successor_code else []
    return run_command(service.store, units.stream_id(command.code), lambda history: units.abolish(
        history, effective_from=command.effective_from, successor_code=command.successor_code,
        reason=command.reason, successor_history=successor), context)
