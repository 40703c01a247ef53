"""Who may change which record: the owning department, the departments the plan puts beside it, and admins.

Pure rules, no I/O. The owner is never taken from a request: each aggregate names it from its own events (the
department that recorded the first event, or the organiser/nominator its first event names) as an ``Owner``,
and ``check`` decides on the loaded aggregate, after the token and the service-level right (shared.auth).

A district People's Committee (UBND-<code>) also holds the records of its own unit: an enterprise of its
district. A department holds the records of the departments merged into it (the 2025 mergers, from the
registry's unit events: ``also``, shared.units.UnitDirectory.predecessors).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shared.aggregate import Aggregate
from shared.envelope import Envelope
from shared.errors import DomainError
from shared.eventstore import NewEvent
from shared.reference import DEPARTMENTS, DISTRICT_COMMITTEES


@dataclass(frozen=True)
class Rule:
    record: str  # what the record is called, in Vietnamese
    owner: str  # who owns it, in Vietnamese
    beside: frozenset[str]  # departments that may change every record of this kind
    district_committee: bool  # the committee of the record's district (its unit) holds it too
    seed: str  # the plan's section the rule follows


# ---- the rule table (seed 2.5, "Tổ chức thực hiện") -------------------------------------------------------------
# DOST is beside every owner: 2.5.1 makes it the lead agency ("cơ quan đầu mối") that presides over the plan and
# follows every task through. Admins may change everything.
RULES: dict[str, Rule] = {
    # 2.5.1 / 2.5.2 / 2.5.6: enterprises are brought in by DOST, the sector departments and the district committees
    # ("đề xuất, vận động lựa chọn doanh nghiệp"); the one who registered it keeps it, with the committee of the
    # district it is in, and DPI, which keeps the business register the profile comes from (2.5.2).
    "enterprise": Rule("doanh nghiệp", "đơn vị đã đăng ký doanh nghiệp", frozenset({"DOST", "DPI"}), True,
                       "2.5.1, 2.5.2, 2.5.6"),
    # 2.5.1 (with 2.3.5): the testing, calibration and inspection capacity is DOST's task; a body is changed by the
    # department that recorded it, and DOST.
    "conformity_body": Rule("tổ chức đánh giá sự phù hợp", "đơn vị đã ghi nhận tổ chức", frozenset({"DOST"}), False,
                            "2.5.1"),
    # 2.5.1 / 2.5.3 / 2.5.4: DOST and the sector departments organise training (2.3.4); the organiser runs its
    # course (enrolment, results, holding, closing, cancelling).
    "course": Rule("khoá học", "đơn vị tổ chức", frozenset({"DOST"}), False, "2.5.1, 2.5.3, 2.5.4"),
    # 2.5.1 / 2.5.3 (with 2.3.5): DOST leads standardisation; the sector departments build what serves their
    # sectors. A base standard or local regulation is issued and withdrawn by the department drafting it, and DOST.
    "local_standard": Rule("tiêu chuẩn cơ sở / quy chuẩn kỹ thuật địa phương", "đơn vị xây dựng", frozenset({"DOST"}),
                           False, "2.5.1, 2.5.3"),
    # 2.5.4: DIC presides over outreach with DOST; an activity belongs to the department that recorded it.
    "outreach": Rule("hoạt động truyền thông", "đơn vị thực hiện", frozenset({"DOST"}), False, "2.5.1, 2.5.4"),
    # 2.5.1 / 2.5.4 (with 2.3.2): honours are proposed by the departments; the one that recorded an honour keeps it.
    "honour": Rule("khen thưởng", "đơn vị đã ghi nhận", frozenset({"DOST"}), False, "2.5.1, 2.5.4"),
    # 2.5.1 / 2.5.3: departments nominate experts; DOST trains and certifies them (the expert programme is its
    # task); the nominating department follows its candidate.
    "expert": Rule("chuyên gia NSCL", "đơn vị đề cử", frozenset({"DOST"}), False, "2.5.1, 2.5.3"),
}
ADMIN = "admin"


@dataclass(frozen=True)
class Owner:
    """A record's owning department, and its district (an enterprise's unit) when the rule gives its committee a
    hold on it. Read from the record's own events."""
    department: str
    district_code: str | None = None


class NotOwner(DomainError):
    status = 403
    slug = "not-owner"
    title = "Đơn vị không quản lý bản ghi này"


def holders(kind: str, owner: Owner) -> frozenset[str]:
    """Every department that may change a record of ``kind`` owned by ``owner`` (admins aside)."""
    rule = RULES[kind]
    held = {owner.department, *rule.beside}
    if rule.district_committee and owner.district_code:
        held.add(f"UBND-{owner.district_code}")
    return frozenset(held)


def may_change(kind: str, owner: Owner, department: str, role: str, also: frozenset[str] = frozenset()) -> bool:
    """``also``: the departments merged into ``department`` (shared.units): their records are its records."""
    return role == ADMIN or bool(holders(kind, owner) & {department, *also})


def check(kind: str, owner: Owner, department: str, role: str, also: frozenset[str] = frozenset()) -> None:
    """Raises NotOwner (403) naming the owner and who else may change the record."""
    if may_change(kind, owner, department, role, also):
        return
    rule = RULES[kind]
    others = sorted(holders(kind, owner) - {owner.department})
    raise NotOwner(f"Đơn vị '{department}' không được thay đổi {rule.record} này: {rule.record} thuộc "
                   f"{rule.owner} '{owner.department}' ({_name(owner.department)}); ngoài đơn vị đó chỉ "
                   f"{', '.join(others)} hoặc quản trị viên được thay đổi (Kế hoạch, mục {rule.seed}).",
                   owner=owner.department, allowed=sorted(holders(kind, owner)))


def committee_district(department: str) -> str | None:
    """The district code of a district People's Committee, or None for a provincial department."""
    return department.removeprefix("UBND-") if department in DISTRICT_COMMITTEES else None


def _name(department: str) -> str:
    return DEPARTMENTS.get(department, department)


State = TypeVar("State")


@dataclass(frozen=True)
class Owned(Generic[State]):
    """A kind of record with its fold and how its state names its owner: ``guard`` wraps a decision so that it
    runs only for a department that holds the record (an unknown record is left to the decision: its 404).
    With an ``aggregate`` (shared.aggregate), the decision takes the record's state rather than its history."""
    kind: str
    fold: Callable[[list[Envelope]], State | None]
    owner_of: Callable[[State], Owner]
    aggregate: Aggregate[State] | None = None

    def guard(self, department: str, role: str, decide: Callable[[Any], list[NewEvent]],
              also: frozenset[str] = frozenset()) -> Callable[[Any], list[NewEvent]]:
        def owned_decision(subject: Any) -> list[NewEvent]:
            # a decision on state is given the record itself (None when unknown), one on history its events
            state = subject if self.aggregate is not None else (self.fold(subject) if subject else None)
            if state is not None:
                check(self.kind, self.owner_of(state), department, role, also)
            return decide(subject)
        return owned_decision
