"""Demo data for a newcomer: a province's worth of enterprises and what the programme did with them.

Everything goes through the public API, as departments would enter it. Each request carries a fixed
Idempotency-Key, so a load interrupted half-way and run again adds nothing twice.
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from deploy.processes import wait_until
from shared.reference import DISTRICTS

KINDS = ("Công ty TNHH", "Công ty Cổ phần", "Hợp tác xã", "Doanh nghiệp tư nhân", "Cơ sở")
BRANDS = ("Sen Hồng", "Xoài Cao Lãnh", "Gạo Tháp Mười", "Thủy sản Sa Đéc", "Hoa kiểng Tân Quy Đông", "Nem Lai Vung",
          "Bột Sa Đéc", "Cá tra Hồng Ngự", "Quýt hồng Lai Vung", "Chiếu Định Yên", "Bánh phồng tôm Sa Giang",
          "Cơ khí Đồng Tháp", "Dược phẩm Tam Nông", "Thực phẩm Mekong", "Nông sản Thanh Bình", "Gốm Tân Thuận",
          "Sen Tháp Mười", "Vịt Tân Hồng", "Bánh tráng Lấp Vò", "Khô cá Châu Thành")
OWNERSHIP_BY_KIND = {"Công ty TNHH": "private", "Công ty Cổ phần": "private", "Hợp tác xã": "collective",
                     "Doanh nghiệp tư nhân": "private", "Cơ sở": "household"}
PRODUCTS = ("Xoài cát Hòa Lộc", "Gạo thơm", "Cá tra phi lê", "Bột sen", "Nem chua", "Quýt hồng", "Hạt sen sấy",
            "Chiếu cói", "Bánh phồng tôm", "Mắm cá linh")
STANDARDS = ("iso_9001", "iso_22000", "haccp", "vietgap", "globalgap", "organic", "traceability", "iso_14001")
BODIES = ("QUACERT", "Vinacert", "Trung tâm Kỹ thuật TĐC 3", "Bureau Veritas Việt Nam")
REGISTRARS = ("DOST", "DOST", "DPI", "DOIT", "DARD")


class Demo:
    """Talks to the services as department clerks do; every request idempotent by its key."""

    def __init__(self, urls: dict[str, str], tokens: dict[str, dict[str, str]]) -> None:
        self.urls, self.tokens = urls, tokens
        self.session = requests.Session()

    def post(self, service: str, path: str, body: dict, key: str, department: str = "DOST") -> dict:
        response = self.session.post(f"{self.urls[service]}/api/v1{path}", json=body, timeout=15, headers={
            "Authorization": f"Bearer {self.tokens[department]['clerk']}", "Idempotency-Key": f"demo:{key}"})
        if response.status_code >= 400:
            raise RuntimeError(f"demo {path}: {response.status_code} {response.text}")
        return response.json()


def demo_enterprises(count: int, rng: random.Random) -> list[dict[str, Any]]:
    enterprises = []
    for index in range(count):
        kind, brand = rng.choice(KINDS), rng.choice(BRANDS)
        registered = date(2021, 1, 4) + timedelta(days=rng.randrange(0, 5 * 365))
        enterprises.append({
            "tax_code": f"14{index:04d}{rng.randrange(10**4):04d}", "name": f"{kind} {brand} {index + 1}",
            "district_code": rng.choice(list(DISTRICTS)), "registered_on": registered.isoformat(),
            "ownership": OWNERSHIP_BY_KIND[kind], "size_class": rng.choice(["micro", "small", "small", "medium", "large"]),
            "industry_code": rng.choice(["A0111", "C1020", "C1061", "C1079", "C1629", "C2817", "G4632"]),
            "address": f"Số {rng.randrange(1, 300)}, đường {rng.choice(['Nguyễn Huệ', 'Lý Thường Kiệt', 'Hùng Vương'])}",
            "contact": {"representative": rng.choice(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]),
                        "phone": f"0277{rng.randrange(10**6):06d}"}})
    return enterprises


def load_registry(demo: Demo, rng: random.Random, count: int = 300) -> list[dict[str, Any]]:
    """Registers the enterprises; returns those still open (the ones support and training may serve)."""
    still_open = []
    for index, body in enumerate(demo_enterprises(count, rng), start=1):
        department = rng.choice(REGISTRARS + (f"UBND-{body['district_code']}",))
        enterprise = demo.post("registry", "/enterprises", body, f"enterprise-{index}", department)
        if not _enrich(demo, rng, enterprise, index):
            still_open.append(enterprise)
        if index % 50 == 0 or index == count:
            print(f"  dữ liệu mẫu — doanh nghiệp: {index}/{count}", flush=True)
    _conformity_bodies(demo)
    _reorganisation_of_2025(demo)
    return still_open


def _enrich(demo: Demo, rng: random.Random, enterprise: dict, index: int) -> bool:
    """Adds the enterprise's facts; True when it also closed."""
    path, start = f"/enterprises/{enterprise['id']}", date.fromisoformat(enterprise["registered_on"])
    if rng.random() < 0.35:
        group = rng.choice(["key_product", "rural_industrial", "ocop", "ocop", "import_substitution", "export"])
        body = {"group": group, "since": _after(start, rng).isoformat(),
                **({"ocop_stars": rng.choice([3, 3, 4, 5])} if group == "ocop" else {})}
        demo.post("registry", f"{path}/priority-groups", body, f"enterprise-{index}-group")
    for number in range(rng.choice([0, 1, 1, 2])):
        demo.post("registry", f"{path}/products", {"name": rng.choice(PRODUCTS), "category": "nông sản, thực phẩm"},
                  f"enterprise-{index}-product-{number}")
    if rng.random() < 0.3:
        valid_from = _after(start, rng)
        demo.post("registry", f"{path}/certifications", {
            "standard": rng.choice(STANDARDS), "certificate_number": f"CN-{index:04d}",
            "body": rng.choice(BODIES), "valid_from": valid_from.isoformat(),
            "valid_to": (valid_from + timedelta(days=3 * 365)).isoformat()}, f"enterprise-{index}-certification")
    if rng.random() < 0.4:
        demo.post("registry", f"{path}/surveys", {
            "surveyed_on": _after(start, rng).isoformat(), "kind": rng.choice(["survey", "diagnosis"]),
            "scores": {area: rng.randrange(20, 90) for area in ("leadership", "operations", "results")},
            "needs": rng.sample(["5S", "Kaizen", "ISO 9001", "truy xuất nguồn gốc", "mã số mã vạch", "chuyển đổi số"],
                                2)}, f"enterprise-{index}-survey")
    if rng.random() < 0.03:
        demo.post("registry", f"{path}/close", {"reason": "Ngừng hoạt động kinh doanh",
                                               "closed_on": _after(start, rng).isoformat()}, f"enterprise-{index}-close")
        return True
    return False


def _after(start: date, rng: random.Random) -> date:
    return min(start + timedelta(days=rng.randrange(30, 900)), date(2026, 10, 31))


def _conformity_bodies(demo: Demo) -> None:
    bodies = [("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Đồng Tháp", "866",
               [("calibration", "Hiệu chuẩn cân phân tích", "2022-04-12"),
                ("testing", "Thử nghiệm vi sinh thực phẩm", "2023-06-20"),
                ("inspection", "Kiểm định đồng hồ nước lạnh", "2024-09-05")]),
              ("Phòng thử nghiệm Thủy sản Sa Đéc", "867",
               [("testing", "Thử nghiệm dư lượng kháng sinh", "2025-02-18")])]
    for number, (name, district, fields) in enumerate(bodies):
        body = demo.post("registry", "/conformity-bodies/", {"name": name, "district_code": district,
                                                             "registered_on": "2021-01-04"}, f"cab-{number}")
        for index, (kind, field, added_on) in enumerate(fields):
            demo.post("registry", f"/conformity-bodies/{body['id']}/fields",
                      {"kind": kind, "name": field, "added_on": added_on}, f"cab-{number}-field-{index}")


def _reorganisation_of_2025(demo: Demo) -> None:
    """March 2025: departments merged; 1 July 2025: the district level abolished."""
    demo.post("registry", "/units", {"code": "DOHA", "name": "Sở Nội vụ", "category": "organisation",
                                     "level": "department", "effective_from": "2021-01-01"}, "unit-doha")
    for code, successor in (("DPI", "DOF"), ("DIC", "DOST"), ("DOLISA", "DOHA")):
        demo.post("registry", f"/units/{code}/merge", {"successor_code": successor, "effective_from": "2025-03-01"},
                  f"unit-{code}-merge")
    demo.post("registry", "/units/DARD/rename", {"name": "Sở Nông nghiệp và Môi trường",
                                                 "effective_from": "2025-03-01"}, "unit-dard-rename")
    for code in DISTRICTS:
        demo.post("registry", f"/units/{code}/abolish", {"successor_code": "87", "effective_from": "2025-07-01",
                                                          "reason": "Bỏ cấp huyện theo sắp xếp đơn vị hành chính 2025"},
                  f"unit-{code}-abolish")


def registry_is_empty(demo: Demo) -> bool:
    """No enterprise was ever registered (the plan's reference data alone does not count)."""
    auditor = {"Authorization": f"Bearer {demo.tokens['DOST']['auditor']}"}
    page = demo.session.get(f"{demo.urls['registry']}/api/v1/events/", params={"limit": 1000}, headers=auditor,
                            timeout=15)
    page.raise_for_status()
    return not any(event["event_type"] == "EnterpriseRegistered" for event in page.json()["events"])


def wait_for_reference_data(demo: Demo, timeout_s: float = 60) -> None:
    viewer = {"Authorization": f"Bearer {demo.tokens['DOST']['viewer']}"}
    wait_until(lambda: demo.session.get(f"{demo.urls['registry']}/api/v1/units/DOF", headers=viewer,
                                        timeout=10).status_code == 200, timeout_s,
               "the registry worker recorded the plan's units")


def wait_until_known(demo: Demo, service: str, enterprises: list[dict], timeout_s: float = 120) -> None:
    """Each partition of the registry topic reaches a service at its own pace: wait for every enterprise."""
    viewer = {"Authorization": f"Bearer {demo.tokens['DOST']['viewer']}"}
    unknown = {enterprise["id"] for enterprise in enterprises}

    def all_known() -> bool:
        unknown.difference_update({enterprise_id for enterprise_id in list(unknown) if demo.session.get(
            f"{demo.urls[service]}/api/v1/enterprises/{enterprise_id}", headers=viewer, timeout=10).status_code == 200})
        return not unknown

    wait_until(all_known, timeout_s, f"{service} knows every demo enterprise", interval=0.5)


def load_if_empty(urls: dict[str, str], tokens_path: Path) -> int:
    demo = Demo(urls, json.loads(tokens_path.read_text())["tokens"])
    if not registry_is_empty(demo):
        return 0
    wait_for_reference_data(demo)
    from deploy import demo_support, demo_training

    registered = 300
    enterprises = load_registry(demo, random.Random(2021), registered)
    print(f"  dữ liệu mẫu — {registered} doanh nghiệp, {len(enterprises)} đang hoạt động", flush=True)
    wait_until_known(demo, "support", enterprises)
    cases = demo_support.load(urls["support"], demo.tokens, enterprises)
    print(f"  dữ liệu mẫu — {cases} hồ sơ hỗ trợ", flush=True)
    wait_until_known(demo, "training", enterprises)
    records = demo_training.load(urls["training"], demo.tokens, enterprises)
    print(f"  dữ liệu mẫu — {records} khoá học, hoạt động truyền thông, khen thưởng, chuyên gia", flush=True)
    return registered
