"""Department views (seed 2.5): what each department is responsible for, as tables built from the facts
reporting holds. Pure: the caller passes the facts known at the cut; nothing here does I/O."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.reporting import corrections
from services.reporting.indicators import Period
from shared.contracts import registry as reg
from shared.contracts import support as sup
from shared.contracts import training as trn

DEPARTMENTS = {
    "DOST": "Sở Khoa học và Công nghệ",
    "DOF": "Sở Tài chính",
    "DPI": "Sở Kế hoạch và Đầu tư",
    "DOIT": "Sở Công Thương",
    "DARD": "Sở Nông nghiệp và Phát triển nông thôn",
    "DOLISA": "Sở Lao động - Thương binh và Xã hội",
    "DIC": "Sở Thông tin và Truyền thông",
}
SECTOR_PROPOSERS = ("DOIT", "DARD", "DOLISA")
DARD_STANDARDS = {
    "vietgap": "VietGAP",
    "globalgap": "GlobalGAP",
    "organic": "Hữu cơ",
    "traceability": "Truy xuất nguồn gốc",
}
OUTREACH_KINDS = {
    "tv_programme": "Chuyên mục truyền hình",
    "website_article": "Bài viết trên website",
    "publication": "Ấn phẩm, tài liệu",
    "conference": "Hội nghị, sự kiện tuyên truyền",
}
OWNERSHIP = {
    "state": "Nhà nước",
    "private": "Tư nhân",
    "collective": "Tập thể, hợp tác xã",
    "fdi": "Vốn đầu tư nước ngoài",
    "household": "Hộ kinh doanh",
}
SIZES = {"micro": "Siêu nhỏ", "small": "Nhỏ", "medium": "Vừa", "large": "Lớn"}
# The event types each view reads (besides the indicators).
NEEDS = {
    "DOF": (sup.CASE_APPROVED, sup.DISBURSEMENT_RECORDED, sup.DISBURSEMENT_REVERSED),
    "DPI": (reg.ENTERPRISE_REGISTERED, reg.ENTERPRISE_PROFILE_UPDATED, reg.ENTERPRISE_MOVED, reg.ENTERPRISE_CLOSED),
    "DIC": (trn.OUTREACH_RECORDED, *corrections.EVENT_TYPES),
    "cases": (
        sup.CASE_PROPOSED,
        sup.CASE_APPROVED,
        sup.CASE_REJECTED,
        sup.MILESTONE_RECORDED,
        sup.CASE_COMPLETED,
        sup.CASE_CANCELLED,
    ),
    "DARD": (
        reg.CERTIFICATION_RECORDED,
        reg.CERTIFICATION_WITHDRAWN,
        reg.CERTIFICATION_CORRECTED,
        reg.CERTIFICATION_ANNULLED,
        reg.PRIORITY_GROUP_APPLIED,
        reg.PRIORITY_GROUP_ENDED,
        reg.ENTERPRISE_REGISTERED,
        reg.ENTERPRISE_PROFILE_UPDATED,
        reg.ENTERPRISE_MOVED,
    ),
    "workers": (trn.PARTICIPANT_ENROLLED, trn.ATTENDANCE_RECORDED, trn.COURSE_HELD),
}
Fact = dict[str, Any]


def column(key: str, label: str, label_en: str, kind: str = "text") -> dict[str, str]:
    return {"key": key, "label": label, "label_en": label_en, "type": kind}


def table(key: str, title: str, title_en: str, columns: list[dict[str, str]], rows: list[dict[str, Any]]) -> dict:
    return {"key": key, "title": title, "title_en": title_en, "columns": columns, "rows": rows}


def needs(department: str) -> tuple[str, ...]:
    wanted: tuple[str, ...] = NEEDS.get(department, ())
    if department in SECTOR_PROPOSERS or department not in DEPARTMENTS:
        wanted += NEEDS["cases"]
    if department == "DARD":
        wanted += NEEDS["DARD"]
    if department == "DOLISA" or department not in DEPARTMENTS:
        wanted += NEEDS["workers"]
    if department not in DEPARTMENTS:
        wanted += NEEDS["DPI"]
    return wanted


def _year(day: str) -> int:
    return int(day[:4])


DISBURSED_SIGN = {sup.DISBURSEMENT_RECORDED: 1, sup.DISBURSEMENT_REVERSED: -1}


def funds(facts: list[Fact], period: Period) -> dict:
    """DOF: funds approved vs disbursed by source and year (seed 2.4, 2.5)."""
    approved: Counter = Counter()
    disbursed: Counter = Counter()
    for fact in facts:
        data = fact["data"]
        if fact["event_type"] == sup.CASE_APPROVED and period.contains(data["approved_on"]):
            for source, amount in data["budget"].items():
                approved[(_year(data["approved_on"]), source)] += amount
        elif fact["event_type"] in DISBURSED_SIGN and period.contains(data["disbursed_on"]):
            # a reversing entry takes a disbursement made in error off the year it was counted in
            signed = DISBURSED_SIGN[fact["event_type"]] * data["amount"]
            disbursed[(_year(data["disbursed_on"]), data["source"])] += signed
    rows = [
        {
            "year": year,
            "source": sup.FUNDING_SOURCES.get(source, source),
            "approved": approved[(year, source)],
            "disbursed": disbursed[(year, source)],
        }
        for year in period.years
        for source in sup.FUNDING_SOURCES
        if approved[(year, source)] or disbursed[(year, source)]
    ]
    return table(
        "funds",
        "Kinh phí phê duyệt và giải ngân theo nguồn, theo năm",
        "Funds approved and disbursed",
        [
            column("year", "Năm", "Year", "int"),
            column("source", "Nguồn kinh phí", "Source"),
            column("approved", "Phê duyệt (đồng)", "Approved (VND)", "money"),
            column("disbursed", "Giải ngân (đồng)", "Disbursed (VND)", "money"),
        ],
        rows,
    )


def enterprises(facts: list[Fact], period: Period) -> dict[str, dict[str, Any]]:
    """Each enterprise's profile as its facts describe it, registered by the period's end."""
    found: dict[str, dict[str, Any]] = {}
    for fact in sorted(facts, key=lambda fact: (fact["stream_id"], fact["version"])):
        data = fact["data"]
        if fact["event_type"] == reg.ENTERPRISE_REGISTERED and data["registered_on"] <= period.end.isoformat():
            found[fact["stream_id"]] = {**data, "status": "open"}
        elif fact["stream_id"] in found and fact["event_type"] == reg.ENTERPRISE_PROFILE_UPDATED:
            found[fact["stream_id"]].update(data)
        elif (fact["stream_id"] in found and fact["event_type"] == reg.ENTERPRISE_MOVED
              and data["moved_on"] <= period.end.isoformat()):  # where it was at the period's end
            found[fact["stream_id"]].update(district_code=data["district_code"], district_name=data["district_name"])
        elif fact["stream_id"] in found and fact["event_type"] == reg.ENTERPRISE_CLOSED:
            found[fact["stream_id"]]["status"] = "closed"
    return found


def enterprise_tables(profiles: dict[str, dict[str, Any]]) -> list[dict]:
    by_kind = Counter(
        (row.get("ownership") or "", row.get("size_class") or "")
        for row in profiles.values()
        if row["status"] == "open"
    )
    kinds = [
        {
            "ownership": OWNERSHIP.get(owner, owner or "(chưa rõ)"),
            "size_class": SIZES.get(size, size or "(chưa rõ)"),
            "count": count,
        }
        for (owner, size), count in sorted(by_kind.items())
    ]
    sectors = Counter(
        (row.get("industry_code") or "")[:1] or "?" for row in profiles.values() if row["status"] == "open"
    )
    return [
        table(
            "enterprises_by_kind",
            "Doanh nghiệp đang hoạt động theo loại hình sở hữu và quy mô",
            "Open enterprises by ownership and size",
            [
                column("ownership", "Loại hình", "Ownership"),
                column("size_class", "Quy mô", "Size"),
                column("count", "Số doanh nghiệp", "Enterprises", "int"),
            ],
            kinds,
        ),
        table(
            "enterprises_by_sector",
            "Doanh nghiệp đang hoạt động theo ngành kinh tế (mã VSIC cấp 1)",
            "Open enterprises by economic sector (VSIC section)",
            [
                column("sector", "Ngành (VSIC)", "Sector (VSIC)"),
                column("count", "Số doanh nghiệp", "Enterprises", "int"),
            ],
            [{"sector": sector, "count": count} for sector, count in sorted(sectors.items())],
        ),
    ]


def cases(facts: list[Fact], period: Period, keep) -> list[dict[str, Any]]:
    """Support cases proposed within the period that ``keep(proposal)`` selects, folded to their state."""
    folded: dict[str, dict[str, Any]] = {}
    state_of = {
        sup.CASE_APPROVED: "approved",
        sup.CASE_REJECTED: "rejected",
        sup.MILESTONE_RECORDED: "in_progress",
        sup.CASE_COMPLETED: "completed",
        sup.CASE_CANCELLED: "cancelled",
    }
    for fact in sorted(facts, key=lambda fact: (fact["stream_id"], fact["version"])):
        data = fact["data"]
        if fact["event_type"] == sup.CASE_PROPOSED:
            if period.contains(data["proposed_on"]) and keep(data):
                folded[fact["stream_id"]] = {"id": fact["stream_id"], **data, "state": "proposed", "outcome": None}
        elif fact["stream_id"] in folded and fact["event_type"] in state_of:
            case = folded[fact["stream_id"]]
            case["state"] = state_of[fact["event_type"]]
            if fact["event_type"] == sup.CASE_COMPLETED:
                case["outcome"], case["completed_on"] = data.get("outcome"), data["completed_on"]
    return list(folded.values())


def case_tables(found: list[dict[str, Any]]) -> list[dict]:
    counted = Counter((case["support_type"], case["state"]) for case in found)
    summary = [
        {"support_type": sup.SUPPORT_TYPES.get(kind, kind), "state": sup.STATES.get(state, state), "count": count}
        for (kind, state), count in sorted(counted.items())
    ]
    outcomes = [
        {
            "enterprise": case["enterprise_name"],
            "support_type": sup.SUPPORT_TYPES.get(case["support_type"], ""),
            "completed_on": case.get("completed_on"),
            "outcome": ", ".join(f"{key}: {value}" for key, value in sorted((case["outcome"] or {}).items())),
        }
        for case in sorted(found, key=lambda case: case.get("completed_on") or "")
        if case["state"] == "completed"
    ]
    return [
        table(
            "cases_by_type_state",
            "Hồ sơ hỗ trợ theo loại và trạng thái",
            "Support cases by type and state",
            [
                column("support_type", "Loại hỗ trợ", "Support type"),
                column("state", "Trạng thái", "State"),
                column("count", "Số hồ sơ", "Cases", "int"),
            ],
            summary,
        ),
        table(
            "case_outcomes",
            "Kết quả hỗ trợ đã hoàn thành",
            "Completed support and outcomes",
            [
                column("enterprise", "Doanh nghiệp", "Enterprise"),
                column("support_type", "Loại hỗ trợ", "Support type"),
                column("completed_on", "Ngày hoàn thành", "Completed on", "date"),
                column("outcome", "Kết quả", "Outcome"),
            ],
            outcomes,
        ),
    ]


def certifications(facts: list[Fact]) -> dict[str, dict[str, Any]]:
    """Each certification as last corrected, those annulled as recorded by mistake left out."""
    found: dict[str, dict[str, Any]] = {}
    for fact in sorted(facts, key=lambda fact: (fact["stream_id"], fact["version"])):
        data, kind = fact["data"], fact["event_type"]
        if kind == reg.CERTIFICATION_RECORDED:
            found[data["certification_id"]] = dict(data)
        elif kind == reg.CERTIFICATION_CORRECTED and data["certification_id"] in found:
            found[data["certification_id"]].update(data["changes"])
        elif kind == reg.CERTIFICATION_ANNULLED:
            found.pop(data["certification_id"], None)
    return found


def dard_tables(facts: list[Fact], period: Period) -> list[dict]:
    """DARD: GAP, organic and traceability certifications, OCOP products."""
    certified: Counter = Counter()
    ocop: Counter = Counter()
    for data in certifications(facts).values():
        if data["standard"] in DARD_STANDARDS and period.contains(data["valid_from"]):
            certified[(_year(data["valid_from"]), data["standard"])] += 1
    for fact in facts:
        data = fact["data"]
        if (
            fact["event_type"] == reg.PRIORITY_GROUP_APPLIED
            and data["group"] == "ocop"
            and period.contains(data["since"])
        ):
            ocop[(_year(data["since"]), data.get("ocop_stars"))] += 1
    return [
        table(
            "gap_organic_traceability",
            "Chứng nhận VietGAP, GlobalGAP, hữu cơ, truy xuất nguồn gốc",
            "GAP, organic and traceability certifications",
            [
                column("year", "Năm", "Year", "int"),
                column("standard", "Tiêu chuẩn", "Standard"),
                column("count", "Số chứng nhận", "Certifications", "int"),
            ],
            [
                {"year": year, "standard": DARD_STANDARDS[standard], "count": count}
                for (year, standard), count in sorted(certified.items())
            ],
        ),
        table(
            "ocop",
            "Sản phẩm OCOP theo số sao",
            "OCOP products by stars",
            [
                column("year", "Năm", "Year", "int"),
                column("stars", "Số sao", "Stars", "int"),
                column("count", "Số doanh nghiệp", "Enterprises", "int"),
            ],
            [{"year": year, "stars": stars, "count": count} for (year, stars), count in sorted(ocop.items(), key=str)],
        ),
    ]


def participants(facts: list[Fact], period: Period, held: dict[str, str], keep) -> list[dict]:
    """Participants recorded as having attended, by role and year (the course's held date)."""
    roles = {
        (fact["stream_id"], fact["data"]["participant_id"]): fact["data"]["role"]
        for fact in facts
        if fact["event_type"] == trn.PARTICIPANT_ENROLLED
    }
    attended: dict[tuple[str, str], dict[str, Any]] = {}
    for fact in sorted(facts, key=lambda fact: (fact["stream_id"], fact["version"])):
        if fact["event_type"] == trn.ATTENDANCE_RECORDED:
            key = (fact["stream_id"], fact["data"]["participant_id"])
            if fact["data"]["attended"] and keep(fact["data"]):
                attended[key] = fact["data"]
            else:
                attended.pop(key, None)
    counted: Counter = Counter()
    for (course, participant), _ in attended.items():
        day = held.get(course)
        if day and period.contains(day):
            counted[(_year(day), roles.get((course, participant), "?"))] += 1
    return [
        table(
            "participants",
            "Người tham dự đào tạo theo vai trò",
            "Participants trained by role",
            [
                column("year", "Năm", "Year", "int"),
                column("role", "Vai trò", "Role"),
                column("count", "Số người", "People", "int"),
            ],
            [
                {"year": year, "role": ROLES.get(role, role), "count": count}
                for (year, role), count in sorted(counted.items())
            ],
        )
    ]


ROLES = {
    "leader": "Cán bộ lãnh đạo",
    "manager": "Cán bộ quản lý",
    "worker": "Người lao động",
    "official": "Cán bộ, công chức",
}


def outreach(facts: list[Fact], period: Period) -> dict:
    counted: Counter = Counter()
    reach: Counter = Counter()
    for fact in facts:
        data = fact["data"]
        if fact["event_type"] == trn.OUTREACH_RECORDED and period.contains(data["held_on"]):
            counted[(_year(data["held_on"]), data["kind"])] += 1
            reach[(_year(data["held_on"]), data["kind"])] += data.get("reach") or 0
    return table(
        "outreach",
        "Hoạt động tuyên truyền theo hình thức và lượt tiếp cận",
        "Outreach by kind and reach",
        [
            column("year", "Năm", "Year", "int"),
            column("kind", "Hình thức", "Kind"),
            column("activities", "Số hoạt động", "Activities", "int"),
            column("reach", "Lượt tiếp cận", "Reach", "int"),
        ],
        [
            {"year": year, "kind": OUTREACH_KINDS.get(kind, kind), "activities": count, "reach": reach[(year, kind)]}
            for (year, kind), count in sorted(counted.items())
        ],
    )


def held_dates(facts: list[Fact]) -> dict[str, str]:
    return {fact["stream_id"]: fact["data"]["start_date"] for fact in facts if fact["event_type"] == trn.COURSE_HELD}


def build(department: str, facts: list[Fact], period: Period, in_unit) -> list[dict]:
    """The tables of a department's view. ``in_unit(district_code, day)`` says whether a district belongs to
    the unit asked for (a district committee's view, or a unit's)."""
    facts = corrections.as_corrected(facts)
    if department == "DOST":
        return []
    if department == "DOF":
        return [funds(facts, period)]
    if department == "DPI":
        return enterprise_tables(enterprises(facts, period))
    if department == "DIC":
        return [outreach(facts, period)]
    if department in SECTOR_PROPOSERS:
        tables = case_tables(cases(facts, period, lambda proposal: proposal.get("proposed_by") == department))
        if department == "DARD":
            tables += dard_tables(facts, period)
        if department == "DOLISA":
            tables += participants(facts, period, held_dates(facts), lambda data: True)
        return tables
    profiles = {
        key: row
        for key, row in enterprises(facts, period).items()
        if in_unit(row.get("district_code"), period.end.isoformat())
    }
    local_cases = cases(facts, period, lambda proposal: proposal.get("enterprise_id") in profiles)
    return (
        enterprise_tables(profiles)
        + case_tables(local_cases)
        + participants(facts, period, held_dates(facts), lambda data: data.get("enterprise_id") in profiles)
    )


# The indicators each view shows beside its tables (seed 2.5: DOST owns all; sectors share I4; training I3).
VIEW_INDICATORS = {
    "DOST": ("I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8"),
    "DOIT": ("I4",),
    "DARD": ("I4",),
    "DOLISA": ("I3", "I4"),
    "DIC": ("I3",),
    "DOF": (),
    "DPI": (),
}
UNIT_INDICATORS = ("I3", "I4", "I6", "I7")


def unit_of_view(department: str) -> str | None:
    """The administrative unit a view is about: a district committee's district, or a unit code itself."""
    if department in DEPARTMENTS:
        return None
    return department.removeprefix("UBND-")
