"""The programme's indicators, declared as data (seed 2.1.2), and the periods they are counted in.

Adding an indicator is adding a declaration here and, if it counts a new kind of fact, a rule in
``contributions.py``. Nothing in this module does I/O.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from zoneinfo import ZoneInfo

from shared.errors import DomainError

PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PHASES = {"2021-2025": (2021, 2025), "2026-2030": (2026, 2030)}
FIRST_PHASE = "2021-2025"
UPLIFT_MIN_PERCENT, UPLIFT_MAX_PERCENT = 110, 115  # 2026–2030: "about 10%–15% more than 2021–2025"


@dataclass(frozen=True)
class Baseline:
    period: str
    value: int
    note: str


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    name_en: str
    owner: str
    counts: str  # what is counted, in Vietnamese (the unit label people read)
    distinct_by: str  # course, expert, enterprise, field, case
    placed_by: str  # the business date that places a unit in a period
    target: int | None  # 2021–2025, for the phase (or per year when ``yearly``)
    yearly: bool = False  # the target is per year; a phase's value is the sum of its years' values
    baseline: Baseline | None = None

    def targets(self, phase: str, years: int = 1) -> tuple[int | None, int | None]:
        """(target_min, target_max) for ``years`` years of ``phase`` (years only matters when yearly)."""
        if self.target is None:
            return None, None
        low = high = self.target
        if phase != FIRST_PHASE:
            low, high = _ceil_percent(self.target, UPLIFT_MIN_PERCENT), _ceil_percent(self.target, UPLIFT_MAX_PERCENT)
        factor = years if self.yearly else 1
        return low * factor, high * factor


def _ceil_percent(value: int, percent: int) -> int:
    return -(-value * percent // 100)  # integer ceiling: 10 × 1.10 is 11, never 12 through a float


INDICATORS: tuple[Indicator, ...] = (
    Indicator("I1", "Số lớp đào tạo, tập huấn về NSCL, hệ thống quản lý, công cụ cải tiến đã tổ chức",
              "Training classes on productivity and quality, management systems and improvement tools held",
              "DOST", "lớp đào tạo", "course", "ngày tổ chức", 10,
              baseline=Baseline("2012-2020", 28, "28 lớp đào tạo với hơn 300 doanh nghiệp tham gia")),
    Indicator("I2", "Số chuyên gia NSCL được đào tạo (sở ngành và doanh nghiệp)",
              "Productivity and quality experts trained (departments and enterprises)",
              "DOST", "chuyên gia", "expert", "ngày hoàn thành đào tạo", 20,
              baseline=Baseline("2012-2020", 12, "12 chuyên gia được đào tạo")),
    Indicator("I3", "Số tổ chức, doanh nghiệp được đào tạo, tuyên truyền, hướng dẫn (mỗi năm)",
              "Organisations and enterprises trained, informed or guided (per year)",
              "DOST", "doanh nghiệp", "enterprise", "ngày tổ chức khoá học / ngày khảo sát", 100, yearly=True,
              baseline=Baseline("2012-2020", 300, "hơn 300 doanh nghiệp tham gia 28 lớp đào tạo")),
    Indicator("I4", "Số doanh nghiệp được hỗ trợ xây dựng, áp dụng hệ thống quản lý, công cụ cải tiến, "
              "chuyển giao công nghệ", "Enterprises supported to build or apply management systems, "
              "improvement tools or technology transfer", "DOST", "doanh nghiệp", "enterprise",
              "ngày hoàn thành hỗ trợ", 15,
              baseline=Baseline("2012-2020", 96, "96 doanh nghiệp được hỗ trợ áp dụng hệ thống quản lý, công cụ")),
    Indicator("I5", "Số lĩnh vực thử nghiệm, hiệu chuẩn, kiểm định mới của tổ chức trên địa bàn",
              "New local testing, calibration and inspection fields", "DOST", "lĩnh vực", "field",
              "ngày bổ sung lĩnh vực", 3),
    Indicator("I6", "Số doanh nghiệp được vận động, hỗ trợ tham gia Giải thưởng Chất lượng Quốc gia",
              "Enterprises mobilised and supported to enter the National Quality Award", "DOST",
              "doanh nghiệp", "enterprise", "ngày hoàn thành hỗ trợ", 10),
    Indicator("I7", "Số doanh nghiệp đạt Giải Vàng Chất lượng Quốc gia",
              "Of those, enterprises awarded gold", "DOST", "doanh nghiệp", "enterprise",
              "ngày hoàn thành hỗ trợ", 3),
    Indicator("I8", "Số nhiệm vụ, giải pháp KH&CN nâng cao năng suất các yếu tố tổng hợp (TFP)",
              "Science and technology tasks and solutions for total factor productivity", "DOST",
              "nhiệm vụ", "case", "ngày phê duyệt", None),
)
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


def declarations_digest(indicators: tuple[Indicator, ...] = INDICATORS) -> str:
    """SHA-256 of the declarations: an issued report names the rules it was computed with."""
    body = json.dumps([asdict(indicator) for indicator in indicators], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


class InvalidPeriod(DomainError):
    status = 400
    slug = "invalid-period"
    title = "Kỳ báo cáo không hợp lệ"


@dataclass(frozen=True)
class Period:
    label: str
    first_year: int
    last_year: int
    phase: str

    @property
    def start(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.last_year, 12, 31)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def contains(self, day: str) -> bool:
        return self.start.isoformat() <= day <= self.end.isoformat()

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        if text in PHASES:
            first, last = PHASES[text]
            return cls(text, first, last, text)
        if len(text) == 4 and text.isascii() and text.isdigit():
            year = int(text)
            for phase, (first, last) in PHASES.items():
                if first <= year <= last:
                    return cls(text, year, year, phase)
        raise InvalidPeriod(f"Kỳ '{text}' không hợp lệ: dùng một năm từ 2021 đến 2030 (ví dụ 2023) hoặc một giai "
                            f"đoạn ({', '.join(PHASES)}).", errors={"period": ["năm 2021–2030 hoặc giai đoạn"]})
