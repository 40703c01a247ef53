"""Demo data for the support service: about 200 support cases of every type over 2021–2026, through the API.

Proposed by the departments that may propose them, approved or rejected by DOST, disbursed by DOF, many
completed with outcomes (certificates, base standards, National Quality Award results incl. gold), some
cancelled. A backbone of cases each year 2021–2026 makes sure the programme's indicators have something to
count in both phases: a completed management system, improvement tool or technology transfer case (I4), two
completed National Quality Award cases, gold in odd years and 2026 (I6, I7), an approved S&T task for TFP, one of them
cancelled (I8). The plan is fixed (random.Random with a fixed seed, fixed dates) and every request carries a
fixed Idempotency-Key, so a load interrupted half-way and run again adds nothing twice.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from deploy.demo import DemoClient, progress
from services.support.domain import PROPOSERS, SUPPORT_TYPES
from shared.reference import DISTRICTS

SEED = 2021
FIRST_DAY, LAST_DAY = date(2021, 1, 11), date(2026, 10, 30)
SECTORS = ("DOIT", "DARD", "DOLISA")
REQUESTED_MILLIONS = {  # typical requested amounts, in millions of đồng
    "management_system": (80, 200), "improvement_tool": (50, 150), "traceability": (30, 100),
    "gap_organic": (50, 200), "digital_transformation": (100, 300), "certification": (30, 80),
    "barcode": (3, 10), "base_standard": (20, 60), "label": (5, 20), "intellectual_property": (10, 40),
    "technology_transfer": (200, 800), "quality_award": (20, 50), "st_task": (300, 1500),
}
NEEDS = {
    "management_system": ["Xây dựng và áp dụng ISO 9001:2015", "Áp dụng HACCP cho xưởng chế biến",
                          "Áp dụng ISO 22000:2018", "Áp dụng ISO 14001:2015"],
    "improvement_tool": ["Áp dụng 5S toàn nhà máy", "Áp dụng Kaizen, Lean cho dây chuyền đóng gói",
                         "Áp dụng KPI và năng suất xanh"],
    "traceability": ["Truy xuất nguồn gốc bằng tem QR cho sản phẩm chủ lực", "Hệ thống truy xuất vùng nguyên liệu"],
    "gap_organic": ["Áp dụng VietGAP cho vùng trồng xoài", "Sản xuất lúa hữu cơ", "GlobalGAP cho ao nuôi cá tra"],
    "digital_transformation": ["Phần mềm ERP quản trị doanh nghiệp", "Số hóa quản lý kho và bán hàng"],
    "certification": ["Chứng nhận sản phẩm phù hợp tiêu chuẩn quốc gia", "Chứng nhận hệ thống quản lý chất lượng"],
    "barcode": ["Đăng ký mã số mã vạch GS1"],
    "base_standard": ["Xây dựng tiêu chuẩn cơ sở cho sản phẩm OCOP"],
    "label": ["Thiết kế nhãn hàng hóa đúng quy định"],
    "intellectual_property": ["Đăng ký nhãn hiệu", "Đăng ký chỉ dẫn địa lý cho đặc sản"],
    "technology_transfer": ["Đổi mới dây chuyền sấy nông sản", "Chuyển giao công nghệ cấp đông nhanh"],
    "quality_award": ["Tham gia Giải thưởng Chất lượng Quốc gia"],
    "st_task": ["Nhiệm vụ KH&CN nâng cao năng suất các nhân tố tổng hợp (TFP)"],
}
ST_TITLES = ["Ứng dụng tự động hóa nâng cao TFP trong chế biến thủy sản",
             "Giải pháp nâng cao năng suất lao động ngành xay xát lúa gạo",
             "Mô hình sản xuất thông minh cho làng nghề hoa kiểng Sa Đéc"]
CERTIFYING_BODIES = ["Quacert", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3", "Bureau Veritas", "TQC"]
AWARDS = ("gold", "silver", "silver", "certificate", "certificate", "none")
YEARS = range(2021, 2027)
I4_TYPES = ("management_system", "improvement_tool", "technology_transfer")
CANCELLED_ST_TASK_YEAR = 2023


@dataclass
class Step:
    path: str  # after /cases/<id>/
    department: str
    body: dict[str, Any]


@dataclass
class PlannedCase:
    number: int
    department: str
    proposal: dict[str, Any]
    steps: list[Step] = field(default_factory=list)


def _on(day: date) -> str:
    return day.isoformat()


def _later(rng: random.Random, day: date, low: int, high: int) -> date:
    return min(day + timedelta(days=rng.randint(low, high)), LAST_DAY)


def _proposer(rng: random.Random, support_type: str, district_code: str) -> str:
    sectors = [department for department in SECTORS if support_type in PROPOSERS[department]]
    committee = f"UBND-{district_code}" if district_code in DISTRICTS else "DOST"  # none for a 2025 commune
    choices = ["DOST"] * 3 + sectors * 2 + [committee]
    return rng.choice(choices)


def _outcome(rng: random.Random, support_type: str, year: int, number: int) -> dict[str, Any]:
    if support_type == "quality_award":
        award = "gold" if number % 17 == 0 else rng.choice(AWARDS)
        return {"award": award, "summary": f"Kết quả Giải thưởng Chất lượng Quốc gia {year}"}
    if support_type == "base_standard":
        count = rng.randint(1, 6)
        return {"standards_issued": count, "summary": f"Ban hành {count} tiêu chuẩn cơ sở"}
    if support_type in ("certification", "management_system", "gap_organic", "traceability"):
        return {"certificate_number": f"GCN-{year}-{number:04d}", "certifying_body": rng.choice(CERTIFYING_BODIES),
                "summary": "Được cấp giấy chứng nhận"}
    if support_type == "barcode":
        return {"certificate_number": f"893{rng.randrange(10**6):06d}", "summary": "Được cấp mã số doanh nghiệp GS1"}
    if support_type == "intellectual_property":
        return {"certificate_number": f"4-{year}-{rng.randrange(10**5):05d}", "summary": "Được cấp văn bằng bảo hộ"}
    return {"summary": rng.choice(["Hoàn thành, nghiệm thu đạt yêu cầu", "Đã áp dụng tại doanh nghiệp",
                                   "Nghiệm thu đạt, năng suất tăng khoảng 10%"])}


def plan(enterprises: list[dict[str, Any]], count: int = 200, seed: int = SEED,
         backbone: bool = True) -> list[PlannedCase]:
    """The fixed plan: the same enterprises, count and seed always give the same cases and requests.
    `count` random cases, after the indicators' backbone (six cases a year) unless `backbone` is False."""
    rng = random.Random(seed)
    cases = _backbone(rng, enterprises) if backbone else []
    types = list(SUPPORT_TYPES)
    span = (LAST_DAY - timedelta(days=120) - FIRST_DAY).days
    first = len(cases) + 1
    for index, number in enumerate(range(first, first + count)):
        support_type = types[index % len(types)] if index < 2 * len(types) else rng.choice(types)
        proposed = FIRST_DAY + timedelta(days=rng.randrange(span))
        case = _proposed(rng, number, support_type, rng.choice(enterprises), proposed)
        cases.append(case)
        fate = rng.random()
        decided = _later(rng, proposed, 15, 60)
        if fate < 0.08:
            case.steps.append(Step("rejection", "DOST", {"reason": rng.choice(
                ["Nội dung đã được hỗ trợ từ nguồn khác", "Doanh nghiệp chưa đủ điều kiện",
                 "Không thuộc phạm vi hỗ trợ của Kế hoạch"]), "rejected_on": _on(decided)}))
            continue
        if fate < 0.11:
            continue  # still waiting for a decision
        budget = _approve(rng, case, decided)
        if fate < 0.16:
            case.steps.append(Step("cancellation", "DOST", {"reason": "Doanh nghiệp xin rút khỏi Kế hoạch",
                                                            "cancelled_on": _on(_later(rng, decided, 10, 90))}))
            continue
        finished = fate > 0.35
        day = _carry_out(rng, case, decided, budget, finished)
        if finished:
            day = _later(rng, day, 15, 120)
            if fate > 0.97:
                case.steps.append(Step("cancellation", "DOST", {"reason": "Doanh nghiệp ngừng sản xuất",
                                                                "cancelled_on": _on(day)}))
            else:
                _complete(rng, case, day)
    return cases


def _backbone(rng: random.Random, enterprises: list[dict[str, Any]]) -> list[PlannedCase]:
    """Six cases a year, proposed in February, decided in March, done by October of the same year."""
    cases: list[PlannedCase] = []
    for year in YEARS:
        types = [I4_TYPES[year % len(I4_TYPES)], "quality_award", "quality_award", "st_task",
                 I4_TYPES[(year + 1) % len(I4_TYPES)], "management_system"]
        for slot, support_type in enumerate(types):
            proposed = date(year, 2, 2 + 4 * slot)
            case = _proposed(rng, len(cases) + 1, support_type, enterprises[(7 * len(cases)) % len(enterprises)],
                             proposed)
            cases.append(case)
            decided = proposed + timedelta(days=30)
            budget = _approve(rng, case, decided)
            if support_type == "st_task" and year == CANCELLED_ST_TASK_YEAR:
                case.steps.append(Step("cancellation", "DOST", {
                    "reason": "Chủ nhiệm nhiệm vụ chuyển công tác, tổ chức chủ trì xin dừng",
                    "cancelled_on": _on(decided + timedelta(days=75))}))
                continue
            _carry_out(rng, case, decided, budget, finished=True, last=date(year, 9, 15))
            award = ("gold" if year % 2 or year == YEARS[-1] else "silver") if slot == 1 else None
            _complete(rng, case, min(date(year, 10, 20 + slot), LAST_DAY), award=award)
    return cases


def _proposed(rng: random.Random, number: int, support_type: str, enterprise: dict[str, Any],
              proposed: date) -> PlannedCase:
    department = _proposer(rng, support_type, enterprise["district"]["code"])
    low, high = REQUESTED_MILLIONS[support_type]
    proposal = {"enterprise_id": enterprise["id"], "support_type": support_type,
                "need": rng.choice(NEEDS[support_type]), "requested_amount": rng.randint(low, high) * 1_000_000,
                "proposed_on": _on(proposed)}
    if support_type == "st_task":
        proposal["title"] = rng.choice(ST_TITLES)
    return PlannedCase(number, department, proposal)


def _approve(rng: random.Random, case: PlannedCase, decided: date) -> dict[str, int]:
    requested = case.proposal["requested_amount"]
    total = max(1, round(requested * rng.uniform(0.6, 1.0) / 1_000_000)) * 1_000_000
    state_share = 1.0 if rng.random() < 0.3 else rng.choice((0.5, 0.6, 0.7, 0.8))
    budget = {"state_st_budget": round(total * state_share), "other_lawful": total - round(total * state_share)}
    case.steps.append(Step("approval", "DOST", {"budget": budget, "approved_on": _on(decided)}))
    return budget


def _carry_out(rng: random.Random, case: PlannedCase, decided: date, budget: dict[str, int], finished: bool,
               last: date = LAST_DAY) -> date:
    """Two milestones and the disbursements (all of the budget when finished, half otherwise); the last day."""
    day = decided

    def later(low: int, high: int) -> date:
        return min(day + timedelta(days=rng.randint(low, high)), last)

    for note in ("Khảo sát, đánh giá hiện trạng", "Tư vấn, đào tạo tại doanh nghiệp"):
        day = later(20, 90) if last == LAST_DAY else later(10, 40)
        case.steps.append(Step("milestones", "DOST", {"on": _on(day), "note": note}))
    for source, amount in budget.items():
        if amount <= 0:
            continue
        paid = amount if finished else round(amount * 0.5)
        first = round(paid * rng.choice((0.4, 0.5, 0.6)))
        for tranche in (first, paid - first):
            if tranche > 0:
                day = later(5, 60) if last == LAST_DAY else later(5, 20)
                case.steps.append(Step("disbursements", "DOF", {"amount": tranche, "source": source,
                                                                "disbursed_on": _on(day)}))
    return day


def _complete(rng: random.Random, case: PlannedCase, day: date, award: str | None = None) -> None:
    outcome = _outcome(rng, case.proposal["support_type"], day.year, case.number)
    if award is not None:
        outcome["award"] = award
    case.steps.append(Step("completion", "DOST", {"outcome": outcome, "completed_on": _on(day)}))


def load(demo: DemoClient, enterprises: list[dict], count: int = 200, seed: int = SEED,
         backbone: bool = True) -> int:
    """Loads the plan, once support knows every enterprise; returns how many cases were new (0 when an earlier
    run loaded them all)."""
    if not enterprises:
        return 0
    demo.wait_until_known("support", enterprises)
    cases, created = plan(enterprises, count, seed, backbone), 0
    with progress("Hỗ trợ: hồ sơ", len(cases), "hồ sơ") as bar:
        for case in cases:
            key = f"support-{seed}-{case.number}"
            before = demo.created["support"]
            case_id = demo.post("support", "/cases", case.proposal, f"{key}-proposal", case.department)["id"]
            created += demo.created["support"] > before
            for index, step in enumerate(case.steps, start=1):
                demo.post("support", f"/cases/{case_id}/{step.path}", step.body, f"{key}-{index}-{step.path}",
                          step.department)
            bar.update()
    return created
