"""Demo data for the training service, loaded through its public API: courses 2021–2026 with participants
from the demo enterprises, outreach activities, honours and NSCL experts with their certificates.

    load(demo, enterprises) -> how many courses, outreach activities, honours and experts it created

Each year 2021–2026 has two training classes (indicator I1), an awareness event, and an expert-training class
whose graduates become NSCL experts, trained on the class's last day (I2); participants from the enterprises
attend (I3). Two classes are cancelled, two in December 2026 are only scheduled, and two of 2026 are held but
not yet closed. Every request carries a fixed Idempotency-Key and a body drawn from random.Random(SEED), so a
load interrupted half-way and run again adds nothing twice. Which courses are held, closed, cancelled or left
scheduled is part of the plan, not of today's date (a re-run on another day sends the same requests).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from deploy.demo import DEPARTMENTS_MERGED_ON, MERGED_2025, NEW_STRUCTURE_FROM, DemoClient, DemoSize, progress

SEED = 2021
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thu", "Hữu", "Kim")
GIVEN = ("An", "Bình", "Cường", "Dung", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Quân", "Sơn",
         "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Khoa", "Nhân", "Hạnh", "Đức", "Linh")
SUBJECTS = {
    "nscl_awareness": ["Nhận thức chung về năng suất chất lượng", "Năng suất xanh", "Chuyển đổi số trong quản lý"],
    "management_system": ["ISO 9001:2015", "ISO 14001:2015", "ISO 22000:2018", "ISO 56002:2019", "HACCP",
                          "ISO 45001:2018"],
    "improvement_tool": ["5S", "Kaizen", "Lean", "Six Sigma", "TPM", "KPI"],
    "expert_training": ["Chuyên gia NSCL cấp tỉnh"],
}
VENUES = ("Hội trường Sở KH&CN, TP Cao Lãnh", "Trung tâm Hội nghị tỉnh", "UBND TP Sa Đéc", "UBND TP Hồng Ngự",
          "Khu công nghiệp Sa Đéc", "Trực tuyến")
ORGANISERS = ("DOST", "DOST", "DOST", "DOIT", "DARD", "DOLISA")
OFFICIAL_FROM = ("DOST", "DOIT", "DARD", "DOLISA", "DPI", "UBND-866", "UBND-867", "UBND-873")
YEARS = range(2021, 2027)
AWARENESS_KINDS = ("workshop", "seminar", "conference")
CANCELLED_YEARS = (2022, 2024)
FUTURE = (date(2026, 12, 8), date(2026, 12, 15))


@dataclass(frozen=True)
class PlannedCourse:
    index: int
    kind: str
    topic: str
    start: date
    fate: str  # closed, held (results recorded, not yet closed), cancelled, scheduled

    @property
    def expert_course(self) -> bool:
        return self.topic == "expert_training"


def course_plan() -> list[PlannedCourse]:
    """The fixed list of courses, in the order they are entered."""
    rng = random.Random(SEED)
    courses: list[PlannedCourse] = []

    def add(kind: str, topic: str, start: date, fate: str = "closed") -> None:
        courses.append(PlannedCourse(len(courses), kind, topic, start, fate))

    for year in YEARS:
        last = 300 if year < YEARS[-1] else 280  # 2026: held by early October
        for topic in ("management_system", "improvement_tool"):
            add("training_class", topic, date(year, 1, 1) + timedelta(days=rng.randrange(20, last)),
                "held" if year == YEARS[-1] else "closed")
        add(AWARENESS_KINDS[year % len(AWARENESS_KINDS)], "nscl_awareness",
            date(year, 1, 1) + timedelta(days=rng.randrange(20, last)))
        add("training_class", "expert_training", date(year, 7, 1) + timedelta(days=rng.randrange(0, 45)))
        if year in CANCELLED_YEARS:
            add("training_class", "improvement_tool", date(year, 11, 10), "cancelled")
    for start in FUTURE:
        add("training_class", "management_system", start, "scheduled")
    return courses


def load(demo: DemoClient, enterprises: list[dict], size: DemoSize | None = None) -> dict[str, int]:
    """Loads the demo once training knows every enterprise; returns how many of each it created."""
    if not enterprises:
        return {}
    size = size or DemoSize()
    demo.wait_until_known("training", enterprises)
    rng = random.Random(SEED)
    created: dict[str, Any] = {}
    graduates = _courses(demo, rng, enterprises, created, size)
    _outreach(demo, rng, created, size.outreach)
    _honours(demo, rng, enterprises, created)
    _experts(demo, rng, graduates, created)
    return created


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _post(demo: DemoClient, path: str, body: dict[str, Any], key: str, department: str = "DOST") -> dict[str, Any]:
    return demo.post("training", path, body, f"training-{key}", department)


def _count(demo: DemoClient, created: dict[str, int], what: str, path: str, body: dict[str, Any], key: str,
           department: str = "DOST") -> dict[str, Any]:
    before = demo.created["training"]
    answer = _post(demo, path, body, key, department)
    created[what] = created.get(what, 0) + (demo.created["training"] - before)
    return answer


def _courses(demo: DemoClient, rng: random.Random, enterprises: list[dict], created: dict[str, int],
             size: DemoSize) -> list[dict]:
    """Returns who completed an expert-training course (the experts of tomorrow), by course."""
    graduates: list[dict] = []
    plan = course_plan()
    with progress("Đào tạo: khoá học", len(plan), "khoá") as bar:
        for planned in plan:
            graduates += _course(demo, rng, enterprises, planned, created, size)
            bar.update()
    return graduates


def _as_on(person: dict[str, Any], day: date) -> dict[str, Any]:
    """A person from a department or committee, as of the course's first day: after the 2025 reorganisation they
    belong to the department that took its place (the demo places former district committee staff at DOST)."""
    code = person.get("organisation_code")
    if code is None:
        return person
    if code.startswith("UBND-") and day >= NEW_STRUCTURE_FROM:
        return {**person, "organisation_code": "DOST"}
    if day >= DEPARTMENTS_MERGED_ON:
        return {**person, "organisation_code": MERGED_2025.get(code, code)}
    return person


def _course(demo: DemoClient, rng: random.Random, enterprises: list[dict], planned: PlannedCourse,
            created: dict[str, int], size: DemoSize) -> list[dict]:
    index, expert_course, start = planned.index, planned.expert_course, planned.start
    end = start + timedelta(days=4 if expert_course else rng.choice((0, 1, 2)))
    people = [_as_on(person, start) for person in _participants(rng, enterprises, index, expert_course,
                                                                 size.participants)]
    organiser = "DOST" if expert_course else ORGANISERS[index % len(ORGANISERS)]
    course = _count(demo, created, "courses", "/courses", {
        "title": f"{'Đào tạo' if expert_course else 'Tập huấn'} {rng.choice(SUBJECTS[planned.topic])} ({start.year})",
        "kind": planned.kind, "topic": planned.topic, "subject": rng.choice(SUBJECTS[planned.topic]),
        "start_date": start.isoformat(), "end_date": end.isoformat(), "venue": rng.choice(VENUES),
        "capacity": len(people) + rng.randrange(0, 10)}, f"course-{index}", organiser)
    course_id, organiser = course["id"], course["organiser"]
    enrolled = []
    for number, person in enumerate(people):
        after = _post(demo, f"/courses/{course_id}/participants", person, f"course-{index}-enrol-{number}", organiser)
        enrolled.append((person, after["participants"][-1]["id"]))  # the newest participant comes last
    if planned.fate == "cancelled":
        _post(demo, f"/courses/{course_id}/cancel", {"reason": "Không đủ số học viên đăng ký"},
              f"course-{index}-cancel", organiser)
        return []
    if planned.fate == "scheduled":
        return []
    _post(demo, f"/courses/{course_id}/hold", {}, f"course-{index}-hold", organiser)
    graduates = []
    for number, (person, participant_id) in enumerate(enrolled):
        attended = expert_course or rng.random() < 0.9
        completed = attended and (number < 7 if expert_course else rng.random() < 0.85)
        _post(demo, f"/courses/{course_id}/participants/{participant_id}/result",
              {"attended": attended, "completed": completed}, f"course-{index}-result-{number}", organiser)
        if expert_course and completed:
            graduates.append({**person, "course_id": course_id, "end": end})
    if planned.fate == "closed":
        _post(demo, f"/courses/{course_id}/close", {}, f"course-{index}-close", organiser)
    return graduates[:size.experts_per_class]


def _participants(rng: random.Random, enterprises: list[dict], index: int, expert_course: bool,
                  at_most: int) -> list[dict]:
    roles = ("leader", "manager", "manager", "worker", "worker", "worker")
    if expert_course:
        people = []
        for number in range(8):
            origin = ({"enterprise_id": rng.choice(enterprises)["id"]} if number % 2
                      else {"organisation_code": rng.choice(OFFICIAL_FROM)})
            people.append({"full_name": _name(rng), "role": "official" if "organisation_code" in origin else "manager",
                           "national_id": f"087{index:03d}{number:06d}", **origin})
        return people
    chosen = rng.sample(enterprises, min(len(enterprises), rng.randrange(6, 16), at_most))
    people = [{"full_name": _name(rng), "role": rng.choice(roles), "enterprise_id": enterprise["id"]}
              for enterprise in chosen]
    for number in range(rng.randrange(0, 3)):
        people.append({"full_name": f"{_name(rng)}", "role": "official",
                       "organisation_code": OFFICIAL_FROM[(index + number) % len(OFFICIAL_FROM)],
                       "national_id": f"087{index:03d}9{number:05d}"})
    return people


def _outreach(demo: DemoClient, rng: random.Random, created: dict[str, int], count: int) -> None:
    kinds = ("tv_programme", "website_article", "website_article", "publication", "conference")
    titles = {"tv_programme": "Chuyên mục truyền hình 'Năng suất và Chất lượng'",
              "website_article": "Bài viết về hoạt động NSCL trên website Sở KH&CN",
              "publication": "Tờ gấp, sổ tay áp dụng công cụ cải tiến NSCL",
              "conference": "Hội nghị tuyên truyền Giải thưởng Chất lượng Quốc gia"}
    channels = {"tv_programme": "Đài Phát thanh và Truyền hình Đồng Tháp", "website_article": "skhcn.dongthap.gov.vn",
                "publication": "Sở KH&CN phát hành", "conference": "Trung tâm Hội nghị tỉnh"}
    with progress("Đào tạo: truyền thông", count, "hoạt động") as bar:
        for index in range(count):
            kind = kinds[index % len(kinds)]
            held_on = date(2021 + index // 6, 1, 1) + timedelta(days=rng.randrange(10, 320))
            reach = {"tv_programme": rng.randrange(20_000, 120_000), "website_article": rng.randrange(300, 6_000),
                     "publication": rng.randrange(200, 3_000), "conference": rng.randrange(80, 400)}[kind]
            _count(demo, created, "outreach", "/outreach", {
                "kind": kind, "title": f"{titles[kind]} số {index + 1}", "held_on": held_on.isoformat(),
                "reach": reach, "channel": channels[kind]}, f"outreach-{index}", "DIC" if index % 4 else "DOST")
            bar.update()


def _honours(demo: DemoClient, rng: random.Random, enterprises: list[dict], created: dict[str, int]) -> None:
    years = (2021, 2022, 2023, 2024, 2025, 2025)
    with progress("Đào tạo: khen thưởng", len(years), "quyết định") as bar:
        for index, year in enumerate(years):
            collective = index % 3 != 2
            enterprise = rng.choice(enterprises)
            _count(demo, created, "honours", "/honours", {
                "recipient_kind": "collective" if collective else "individual",
                "recipient_name": enterprise.get("name", "Doanh nghiệp") if collective else _name(rng),
                "enterprise_id": enterprise["id"],
                "kind": "Bằng khen của UBND Tỉnh" if collective else "Giấy khen của Giám đốc Sở KH&CN",
                "decision_number": f"{rng.randrange(100, 2000)}/QĐ-UBND", "decision_date": f"{year}-12-{15 + index}",
            }, f"honour-{index}")
            bar.update()


def _experts(demo: DemoClient, rng: random.Random, graduates: list[dict], created: dict[str, int]) -> None:
    """Five experts from each expert-training class: a few trained only, the others certified for 5 years (the
    2021 cohort has expired by date, except 2 renewed); 2 revoked, 1 suspended."""
    with progress("Đào tạo: chuyên gia NSCL", len(graduates), "người") as bar:
        for index, person in enumerate(graduates):
            _expert(demo, rng, index, person, created)
            bar.update()


def _expert(demo: DemoClient, rng: random.Random, index: int, person: dict, created: dict[str, int]) -> None:
    nominated = _as_on(person, date.today())  # nominated now: from the organisation in force today
    origin = {key: nominated[key] for key in ("enterprise_id", "organisation_code") if nominated.get(key)}
    expert = _count(demo, created, "experts", "/experts", {
        "full_name": person["full_name"], "national_id": person["national_id"], **origin}, f"expert-{index}")
    path = f"/experts/{expert['id']}"
    _post(demo, f"{path}/training", {"course_ids": [person["course_id"]]}, f"expert-{index}-training")
    if index % 8 == 7:
        return
    valid_from = person["end"] + timedelta(days=rng.randrange(20, 60))
    _post(demo, f"{path}/certification", {
        "certificate_number": f"{valid_from.year}/CG-NSCL-{index + 1:03d}",
        "issuer": "national_apo" if index % 5 == 0 else "local_programme", "valid_from": valid_from.isoformat(),
        "valid_until": (valid_from + timedelta(days=5 * 365)).isoformat()}, f"expert-{index}-certification")
    if index in (1, 3):
        _post(demo, f"{path}/renewal", {"valid_until": (valid_from + timedelta(days=10 * 365)).isoformat(),
                                        "renewed_on": (valid_from + timedelta(days=5 * 365 - 60)).isoformat()},
              f"expert-{index}-renewal")
    if index in (4, 17):
        _post(demo, f"{path}/revocation", {"reason": "Không còn đáp ứng tiêu chuẩn chuyên gia NSCL",
                                           "effective_on": (valid_from + timedelta(days=400)).isoformat()},
              f"expert-{index}-revocation")
    if index == 20:
        _post(demo, f"{path}/suspension", {"reason": "Tạm dừng hoạt động chuyên gia để xem xét",
                                           "effective_on": "2026-09-01"}, f"expert-{index}-suspension")
