"""Demo data for the training service, loaded through its public API: courses 2021–2026 with participants
from the demo enterprises, outreach activities, honours and NSCL experts with their certificates.

    load(training_url, tokens, enterprises) -> how many records it created (0 when run again)

Every request carries a fixed Idempotency-Key and a body drawn from random.Random(SEED), so a load
interrupted half-way and run again adds nothing twice. Which courses are held, closed, cancelled or left
scheduled is part of the plan, not of today's date (a re-run on another day sends the same requests).
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import requests

from deploy.processes import wait_until

SEED = 2021
WAIT_FOR_ENTERPRISES_S = 120
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
EXPERT_COURSES = {2: date(2021, 9, 13), 7: date(2022, 8, 8), 12: date(2023, 7, 17), 19: date(2025, 6, 9)}
CANCELLED = {5, 14, 22}
FUTURE = {date(2026, 12, 8), date(2026, 12, 15)}
STILL_HELD = {20, 21}  # held recently, results still open


class DemoClient:
    def __init__(self, base_url: str, tokens: dict[str, dict[str, str]], session: requests.Session) -> None:
        self.base_url, self.tokens, self.session = base_url.rstrip("/"), tokens, session
        self.created = 0

    def headers(self, department: str, role: str = "clerk", key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[department][role]}"}
        return {**headers, "Idempotency-Key": key} if key else headers

    def post(self, path: str, body: dict[str, Any], key: str, department: str = "DOST",
             counts: bool = False) -> dict[str, Any]:
        response = self.session.post(f"{self.base_url}/api/v1{path}", json=body, timeout=30,
                                     headers=self.headers(department, key=f"demo-training-{key}"))
        if response.status_code >= 400:
            raise RuntimeError(f"POST {path} → {response.status_code}: {response.text}")
        if counts and response.headers.get("Idempotent-Replayed") != "true":
            self.created += 1
        return response.json()

    def knows(self, enterprise_id: str) -> bool:
        try:
            response = self.session.get(f"{self.base_url}/api/v1/enterprises/{enterprise_id}", timeout=10,
                                        headers=self.headers("DOST", "viewer"))
        except requests.RequestException:
            return False
        return response.status_code == 200


def load(training_url: str, tokens: dict, enterprises: list[dict]) -> int:
    """Loads the demo; returns how many courses, outreach activities, honours and experts it created."""
    if not enterprises:
        return 0
    with requests.Session() as session:
        client = DemoClient(training_url, tokens, session)
        print("  dữ liệu mẫu đào tạo: chờ dịch vụ đào tạo biết các doanh nghiệp …", flush=True)
        wait_until(lambda: client.knows(enterprises[-1]["id"]), WAIT_FOR_ENTERPRISES_S,
                   "dịch vụ đào tạo biết doanh nghiệp cuối cùng của dữ liệu mẫu")
        rng = random.Random(SEED)
        graduates = _courses(client, rng, enterprises)
        _outreach(client, rng)
        _honours(client, rng, enterprises)
        _experts(client, rng, graduates)
        return client.created


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _course_dates(index: int, rng: random.Random) -> date:
    if index in EXPERT_COURSES:
        return EXPERT_COURSES[index]
    if index >= 23:
        return sorted(FUTURE)[index - 23]
    year = 2021 + index * 6 // 23
    return date(year, 1, 1) + timedelta(days=rng.randrange(20, 330))


def _courses(client: DemoClient, rng: random.Random, enterprises: list[dict]) -> list[dict]:
    """25 courses; returns who completed an expert-training course (the experts of tomorrow)."""
    graduates: list[dict] = []
    topics = ["nscl_awareness", "management_system", "improvement_tool"]
    for index in range(25):
        expert_course = index in EXPERT_COURSES
        topic = "expert_training" if expert_course else topics[index % 3]
        start = _course_dates(index, rng)
        end = start + timedelta(days=4 if expert_course else rng.choice((0, 1, 2)))
        people = _participants(rng, enterprises, index, expert_course)
        course = client.post("/courses", {
            "title": f"{'Đào tạo' if expert_course else 'Tập huấn'} {rng.choice(SUBJECTS[topic])} ({start.year})",
            "kind": "training_class" if expert_course else rng.choice(("training_class", "training_class",
                                                                       "workshop", "conference", "seminar")),
            "topic": topic, "subject": rng.choice(SUBJECTS[topic]), "start_date": start.isoformat(),
            "end_date": end.isoformat(), "venue": rng.choice(VENUES), "capacity": len(people) + rng.randrange(0, 10),
        }, f"course-{index}", department="DOST" if expert_course else ORGANISERS[index % len(ORGANISERS)],
            counts=True)
        course_id, organiser = course["id"], course["organiser"]
        enrolled = []
        for number, person in enumerate(people):
            after = client.post(f"/courses/{course_id}/participants", person, f"course-{index}-enrol-{number}",
                                organiser)
            enrolled.append((person, after["participants"][-1]["id"]))  # the newest participant comes last
        if index in CANCELLED:
            client.post(f"/courses/{course_id}/cancel", {"reason": "Không đủ số học viên đăng ký"},
                        f"course-{index}-cancel", organiser)
        elif start not in FUTURE:
            client.post(f"/courses/{course_id}/hold", {}, f"course-{index}-hold", organiser)
            for number, (person, participant_id) in enumerate(enrolled):
                attended = expert_course or rng.random() < 0.9
                completed = attended and (number < 7 if expert_course else rng.random() < 0.85)
                client.post(f"/courses/{course_id}/participants/{participant_id}/result",
                            {"attended": attended, "completed": completed}, f"course-{index}-result-{number}",
                            organiser)
                if expert_course and completed:
                    graduates.append({**person, "course_id": course_id, "end": end})
            if index not in STILL_HELD:
                client.post(f"/courses/{course_id}/close", {}, f"course-{index}-close", organiser)
        print(f"  dữ liệu mẫu đào tạo: {index + 1}/25 khoá học", flush=True)
    return graduates


def _participants(rng: random.Random, enterprises: list[dict], index: int, expert_course: bool) -> list[dict]:
    roles = ("leader", "manager", "manager", "worker", "worker", "worker")
    if expert_course:
        people = []
        for number in range(8):
            origin = ({"enterprise_id": rng.choice(enterprises)["id"]} if number % 2
                      else {"organisation_code": rng.choice(OFFICIAL_FROM)})
            people.append({"full_name": _name(rng), "role": "official" if "organisation_code" in origin else "manager",
                           "national_id": f"087{index:03d}{number:06d}", **origin})
        return people
    chosen = rng.sample(enterprises, min(len(enterprises), rng.randrange(6, 16)))
    people = [{"full_name": _name(rng), "role": rng.choice(roles), "enterprise_id": enterprise["id"]}
              for enterprise in chosen]
    for number in range(rng.randrange(0, 3)):
        people.append({"full_name": f"{_name(rng)}", "role": "official",
                       "organisation_code": OFFICIAL_FROM[(index + number) % len(OFFICIAL_FROM)],
                       "national_id": f"087{index:03d}9{number:05d}"})
    return people


def _outreach(client: DemoClient, rng: random.Random) -> None:
    kinds = ("tv_programme", "website_article", "website_article", "publication", "conference")
    titles = {"tv_programme": "Chuyên mục truyền hình 'Năng suất và Chất lượng'",
              "website_article": "Bài viết về hoạt động NSCL trên website Sở KH&CN",
              "publication": "Tờ gấp, sổ tay áp dụng công cụ cải tiến NSCL",
              "conference": "Hội nghị tuyên truyền Giải thưởng Chất lượng Quốc gia"}
    channels = {"tv_programme": "Đài Phát thanh và Truyền hình Đồng Tháp", "website_article": "skhcn.dongthap.gov.vn",
                "publication": "Sở KH&CN phát hành", "conference": "Trung tâm Hội nghị tỉnh"}
    for index in range(30):
        kind = kinds[index % len(kinds)]
        held_on = date(2021 + index // 6, 1, 1) + timedelta(days=rng.randrange(10, 320))
        reach = {"tv_programme": rng.randrange(20_000, 120_000), "website_article": rng.randrange(300, 6_000),
                 "publication": rng.randrange(200, 3_000), "conference": rng.randrange(80, 400)}[kind]
        client.post("/outreach", {"kind": kind, "title": f"{titles[kind]} số {index + 1}",
                                  "held_on": held_on.isoformat(), "reach": reach, "channel": channels[kind]},
                    f"outreach-{index}", department="DIC" if index % 4 else "DOST", counts=True)
    print("  dữ liệu mẫu đào tạo: 30 hoạt động truyền thông", flush=True)


def _honours(client: DemoClient, rng: random.Random, enterprises: list[dict]) -> None:
    for index, year in enumerate((2021, 2022, 2023, 2024, 2025, 2025)):
        collective = index % 3 != 2
        enterprise = rng.choice(enterprises)
        client.post("/honours", {
            "recipient_kind": "collective" if collective else "individual",
            "recipient_name": enterprise.get("name", "Doanh nghiệp") if collective else _name(rng),
            "enterprise_id": enterprise["id"],
            "kind": "Bằng khen của UBND Tỉnh" if collective else "Giấy khen của Giám đốc Sở KH&CN",
            "decision_number": f"{rng.randrange(100, 2000)}/QĐ-UBND", "decision_date": f"{year}-12-{15 + index}",
        }, f"honour-{index}", counts=True)
    print("  dữ liệu mẫu đào tạo: 6 khen thưởng", flush=True)


def _experts(client: DemoClient, rng: random.Random, graduates: list[dict]) -> None:
    """25 experts: 3 trained only, the others certified for 5 years (the 2021 cohort has expired by date,
    except 2 renewed); 2 revoked, 1 suspended."""
    for index, person in enumerate(graduates[:25]):
        origin = {key: person[key] for key in ("enterprise_id", "organisation_code") if person.get(key)}
        expert = client.post("/experts", {"full_name": person["full_name"], "national_id": person["national_id"],
                                          **origin}, f"expert-{index}", counts=True)
        path = f"/experts/{expert['id']}"
        client.post(f"{path}/training", {"course_ids": [person["course_id"]]}, f"expert-{index}-training")
        if index % 8 == 7:
            continue
        valid_from = person["end"] + timedelta(days=rng.randrange(20, 60))
        client.post(f"{path}/certification", {
            "certificate_number": f"{valid_from.year}/CG-NSCL-{index + 1:03d}",
            "issuer": "national_apo" if index % 5 == 0 else "local_programme", "valid_from": valid_from.isoformat(),
            "valid_until": (valid_from + timedelta(days=5 * 365)).isoformat()}, f"expert-{index}-certification")
        if index in (1, 3):
            client.post(f"{path}/renewal", {"valid_until": (valid_from + timedelta(days=10 * 365)).isoformat(),
                                            "renewed_on": (valid_from + timedelta(days=5 * 365 - 60)).isoformat()},
                        f"expert-{index}-renewal")
        if index in (4, 17):
            client.post(f"{path}/revocation", {"reason": "Không còn đáp ứng tiêu chuẩn chuyên gia NSCL",
                                               "effective_on": (valid_from + timedelta(days=400)).isoformat()},
                        f"expert-{index}-revocation")
        if index == 20:
            client.post(f"{path}/suspension", {"reason": "Tạm dừng hoạt động chuyên gia để xem xét",
                                               "effective_on": "2026-09-01"}, f"expert-{index}-suspension")
    print(f"  dữ liệu mẫu đào tạo: {min(len(graduates), 25)} chuyên gia", flush=True)
