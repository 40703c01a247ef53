"""Reference data of the province as the plan (2021) knows it: departments and district-level units.

The registry will hold these as data with effective dates and reorganisations (a later issue); until then
this is the single table every service reads.
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
