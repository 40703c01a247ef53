"""Reference data of the province as the plan (2021) knows it: departments and district-level units.

These tables are the plan's starting point. The registry records them once as events
(services/registry/seed.py) and keeps every later change — renames, the 2025 mergers, the end of the district
level — as data with effective dates (services/registry/units.py, ``GET /api/v1/units/<code>?on=``). What a
unit was on a given date comes from there; this module only names the plan's codes for input validation,
labels and the province's clock.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PROVINCE_TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def province_today() -> date:
    return datetime.now(PROVINCE_TIME_ZONE).date()

PROVINCIAL_DEPARTMENTS = {
    "DOST": "Sở Khoa học và Công nghệ",
    "DPI": "Sở Kế hoạch và Đầu tư",
    "DOIT": "Sở Công Thương",
    "DARD": "Sở Nông nghiệp và Phát triển nông thôn",
    "DOLISA": "Sở Lao động - Thương binh và Xã hội",
    "DIC": "Sở Thông tin và Truyền thông",
    "DOF": "Sở Tài chính",
    # not in the plan of 2021, but a department of the province then as now: since March 2025 it holds what
    # DOLISA did (the merger is recorded in the registry's units, and its rights follow from it: shared.units)
    "DOHA": "Sở Nội vụ",
}

# District-level units of Đồng Tháp before the 2025 reorganisation, by their statistical code.
DISTRICTS = {
    "866": "Thành phố Cao Lãnh", "867": "Thành phố Sa Đéc", "868": "Thành phố Hồng Ngự",
    "869": "Huyện Tân Hồng", "870": "Huyện Hồng Ngự", "871": "Huyện Tam Nông",
    "872": "Huyện Tháp Mười", "873": "Huyện Cao Lãnh", "874": "Huyện Thanh Bình",
    "875": "Huyện Lấp Vò", "876": "Huyện Lai Vung", "877": "Huyện Châu Thành",
}

DISTRICT_COMMITTEES = {f"UBND-{code}": f"UBND {name}" for code, name in DISTRICTS.items()}
DEPARTMENTS = {**PROVINCIAL_DEPARTMENTS, **DISTRICT_COMMITTEES}
