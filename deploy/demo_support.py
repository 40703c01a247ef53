"""Demo data for the support service: about 200 support cases of every type over 2021–2026, through the API.

Proposed by the departments that may propose them, approved or rejected by DOST, disbursed by DOF, many
completed with outcomes (certificates, base standards, National Quality Award results incl. gold), some
cancelled. The plan is fixed (random.Random with a fixed seed, fixed dates) and every request carries a fixed
Idempotency-Key, so a load interrupted half-way and run again adds nothing twice.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import requests

from deploy.processes import wait_until
from services.support.domain import PROPOSERS, SUPPORT_TYPES

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
    choices = ["DOST"] * 3 + sectors * 2 + [f"UBND-{district_code}"]
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


def plan(enterprises: list[dict[str, Any]], count: int = 200, seed: int = SEED) -> list[PlannedCase]:
    """The fixed plan: the same enterprises, count and seed always give the same cases and requests."""
    rng = random.Random(seed)
    types = list(SUPPORT_TYPES)
    span = (LAST_DAY - timedelta(days=120) - FIRST_DAY).days
    cases = []
    for number in range(1, count + 1):
        support_type = types[(number - 1) % len(types)] if number <= 2 * len(types) else rng.choice(types)
        enterprise = rng.choice(enterprises)
        department = _proposer(rng, support_type, enterprise["district"]["code"])
        proposed = FIRST_DAY + timedelta(days=rng.randrange(span))
        low, high = REQUESTED_MILLIONS[support_type]
        requested = rng.randint(low, high) * 1_000_000
        proposal = {"enterprise_id": enterprise["id"], "support_type": support_type,
                    "need": rng.choice(NEEDS[support_type]), "requested_amount": requested,
                    "proposed_on": _on(proposed)}
        if support_type == "st_task":
            proposal["title"] = rng.choice(ST_TITLES)
        case = PlannedCase(number, department, proposal)
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
        total = max(1, round(requested * rng.uniform(0.6, 1.0) / 1_000_000)) * 1_000_000
        state_share = 1.0 if rng.random() < 0.3 else rng.choice((0.5, 0.6, 0.7, 0.8))
        budget = {"state_st_budget": round(total * state_share), "other_lawful": total - round(total * state_share)}
        case.steps.append(Step("approval", "DOST", {"budget": budget, "approved_on": _on(decided)}))
        if fate < 0.16:
            case.steps.append(Step("cancellation", "DOST", {"reason": "Doanh nghiệp xin rút khỏi Kế hoạch",
                                                            "cancelled_on": _on(_later(rng, decided, 10, 90))}))
            continue
        day = decided
        for index, note in enumerate(("Khảo sát, đánh giá hiện trạng", "Tư vấn, đào tạo tại doanh nghiệp")):
            day = _later(rng, day, 20, 90)
            case.steps.append(Step("milestones", "DOST", {"on": _on(day), "note": note}))
        finished = fate > 0.35
        for source, amount in budget.items():
            if amount <= 0:
                continue
            paid = amount if finished else round(amount * 0.5)
            first = round(paid * rng.choice((0.4, 0.5, 0.6)))
            for tranche in (first, paid - first):
                if tranche > 0:
                    day = _later(rng, day, 5, 60)
                    case.steps.append(Step("disbursements", "DOF", {"amount": tranche, "source": source,
                                                                    "disbursed_on": _on(day)}))
        if finished:
            day = _later(rng, day, 15, 120)
            if fate > 0.97:
                case.steps.append(Step("cancellation", "DOST", {"reason": "Doanh nghiệp ngừng sản xuất",
                                                                "cancelled_on": _on(day)}))
            else:
                case.steps.append(Step("completion", "DOST", {
                    "outcome": _outcome(rng, support_type, day.year, number), "completed_on": _on(day)}))
    return cases


def load(support_url: str, tokens: dict, enterprises: list[dict], count: int = 200, seed: int = SEED,
         wait_s: float = 120) -> int:
    """Loads the plan; returns how many cases were new (0 when an earlier run loaded them all)."""
    if not enterprises:
        return 0

    def headers(department: str, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[department]['clerk']}", "Idempotency-Key": key}

    viewer = {"Authorization": f"Bearer {tokens['DOST']['viewer']}"}
    last = enterprises[-1]["id"]
    with requests.Session() as session:
        wait_until(lambda: session.get(f"{support_url}/api/v1/enterprises/{last}", headers=viewer,
                                       timeout=10).status_code == 200,
                   wait_s, "dịch vụ hỗ trợ đã biết các doanh nghiệp mẫu")
        cases, created = plan(enterprises, count, seed), 0
        for case in cases:
            key = f"demo-support-{seed}-{case.number}"
            response = session.post(f"{support_url}/api/v1/cases", json=case.proposal, timeout=10,
                                    headers=headers(case.department, f"{key}-proposal"))
            _check(response, case, "đề xuất")
            created += response.headers.get("Idempotent-Replayed") != "true"
            case_id = response.json()["id"]
            for index, step in enumerate(case.steps, start=1):
                response = session.post(f"{support_url}/api/v1/cases/{case_id}/{step.path}", json=step.body,
                                        timeout=10, headers=headers(step.department, f"{key}-{index}-{step.path}"))
                _check(response, case, step.path)
            if case.number % 25 == 0 or case.number == len(cases):
                print(f"  dữ liệu mẫu: {case.number}/{len(cases)} hồ sơ hỗ trợ", flush=True)
    return created


def _check(response: requests.Response, case: PlannedCase, what: str) -> None:
    if response.status_code >= 400:
        raise RuntimeError(f"hồ sơ mẫu {case.number} ({what}): HTTP {response.status_code} {response.text}")
