"""Demo data for a newcomer: enterprises across the province's districts, loaded through the public API.

Each request carries a fixed Idempotency-Key, so a load interrupted half-way and run again adds nothing twice.
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import requests

from shared.reference import DISTRICTS

NAME_PARTS = (
    ("Công ty TNHH", "Công ty Cổ phần", "Hợp tác xã", "Doanh nghiệp tư nhân", "Cơ sở"),
    ("Sen Hồng", "Xoài Cao Lãnh", "Gạo Tháp Mười", "Thủy sản Sa Đéc", "Hoa kiểng Tân Quy Đông", "Nem Lai Vung",
     "Bột Sa Đéc", "Cá tra Hồng Ngự", "Quýt hồng Lai Vung", "Chiếu Định Yên", "Bánh phồng tôm Sa Giang",
     "Cơ khí Đồng Tháp", "Dược phẩm Tam Nông", "Thực phẩm Mekong", "Nông sản Thanh Bình"),
)


def demo_enterprises(count: int = 120, seed: int = 2021) -> list[dict]:
    rng = random.Random(seed)
    districts = list(DISTRICTS)
    enterprises = []
    for index in range(count):
        kind, brand = rng.choice(NAME_PARTS[0]), rng.choice(NAME_PARTS[1])
        registered = date(2021, 1, 1) + timedelta(days=rng.randrange(0, 5 * 365))
        enterprises.append({"tax_code": f"14{rng.randrange(10**8):08d}", "name": f"{kind} {brand} {index + 1}",
                            "district_code": rng.choice(districts), "registered_on": registered.isoformat()})
    return enterprises


def load_if_empty(registry_url: str, tokens_path: Path) -> int:
    tokens = json.loads(tokens_path.read_text())["tokens"]
    auditor = {"Authorization": f"Bearer {tokens['DOST']['auditor']}"}
    head = requests.get(f"{registry_url}/api/v1/events/", params={"limit": 1}, headers=auditor, timeout=10)
    head.raise_for_status()
    if head.json()["head_position"] > 0:
        return 0
    clerk = {"Authorization": f"Bearer {tokens['DOST']['clerk']}"}
    enterprises = demo_enterprises()
    with requests.Session() as session:
        for index, enterprise in enumerate(enterprises, start=1):
            response = session.post(f"{registry_url}/api/v1/enterprises", json=enterprise, timeout=10,
                                    headers={**clerk, "Idempotency-Key": f"demo-enterprise-{index}"})
            response.raise_for_status()
            if index % 20 == 0 or index == len(enterprises):
                print(f"  dữ liệu mẫu: {index}/{len(enterprises)} doanh nghiệp", flush=True)
    return len(enterprises)
