"""Demo data for a newcomer: a province's worth of enterprises and what the programme did with them.

Everything goes through the public API, as departments would enter it, in three parts (registry, support,
training). The load is resumable:
- every request carries a fixed Idempotency-Key and every body comes from fixed seeds, so a replay adds nothing;
- the load records itself in one document of the store it fills (database ``nscl_demo``): begun, each part done,
  completed. It lives beside the data it describes, so a store that is moved aside (``--fresh``) or replaced takes
  its record with it, and it stays out of the services' event logs: a demo is not a fact of the programme;
- a start that finds the record begun but not completed finishes the parts not done and says so;
- a store holding data that the demo did not begin (any command beyond the registry's reference data) is never
  given demo data.

``NSCL_DEMO_SIZE`` (default 300 enterprises) makes a smaller demo for tests; the indicators' backbone stays.
"""
from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import requests
from tqdm import tqdm

from deploy.processes import Stopping, wait_until
from deploy.units import read_units
from shared.mongo import connect
from shared.reference import DISTRICTS

DEMO_DATABASE = "nscl_demo"
RECORD_ID = "demo"
SEED = 2021
SEED_ACTOR = "system:seed"  # the registry's reference data (services/registry/seed.py), not a user's data
RETRY_S = 60.0  # how long a request is retried while a service restarts
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
STREETS = ("Nguyễn Huệ", "Lý Thường Kiệt", "Hùng Vương")
REGISTRARS = ("DOST", "DOST", "DPI", "DOIT", "DARD")


@dataclass(frozen=True)
class DemoSize:
    enterprises: int = 300
    cases: int = 200  # random support cases, beside the indicators' backbone
    backbone: bool = True  # support cases each year 2021–2026 that every indicator counts
    participants: int = 15  # at most, from enterprises, per course
    experts_per_class: int = 5
    outreach: int = 30

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> DemoSize:
        """NSCL_DEMO_SIZE=n: n enterprises (at least 16) and the rest in proportion; below 100 a test-sized demo
        (no backbone, fewer participants, experts and outreach) that is complete all the same."""
        value = (os.environ if env is None else env).get("NSCL_DEMO_SIZE")
        if not value:
            return cls()
        enterprises = max(16, int(value))
        full = enterprises >= 100
        return cls(enterprises, max(13, enterprises * 2 // 3), full, 15 if full else 3, 5 if full else 2,
                   30 if full else 6)


class DemoClient:
    """Talks to the services as department clerks do. Each command is idempotent by its key, so it is retried
    while a service restarts; every request gives up (Stopping) as soon as the launcher stops."""

    def __init__(self, urls: dict[str, str], tokens: dict[str, dict[str, str]],
                 stop: threading.Event | None = None, retry_s: float = RETRY_S) -> None:
        self.urls, self.tokens, self.stop, self.retry_s = urls, tokens, stop or threading.Event(), retry_s
        self.session = requests.Session()
        self.created: Counter[str] = Counter()  # new (not replayed) commands per service

    def post(self, service: str, path: str, body: dict, key: str, department: str = "DOST") -> dict:
        """A department merged or abolished before the command's date is answered 403 unit-not-in-force: as its
        clerk would, the command goes again from the department that took its place (DOST when none did)."""
        for _ in range(MAX_SUCCESSORS):
            response = self._send("post", service, path, json=body, headers={
                "Authorization": f"Bearer {self.tokens[department]['clerk']}", "Idempotency-Key": f"demo:{key}"})
            if response.status_code != 403 or not response.json().get("type", "").endswith("unit-not-in-force"):
                break
            department = response.json().get("successor_code") or "DOST"
        if response.status_code >= 400:
            raise RuntimeError(f"dữ liệu mẫu {service} {path}: HTTP {response.status_code} {response.text}")
        self.created[service] += response.headers.get("Idempotent-Replayed") != "true"
        return response.json()

    def get(self, service: str, path: str, role: str = "viewer", **params: Any) -> requests.Response:
        return self._send("get", service, path, params=params,
                          headers={"Authorization": f"Bearer {self.tokens['DOST'][role]}"})

    def _send(self, method: str, service: str, path: str, **kwargs: Any) -> requests.Response:
        deadline = time.monotonic() + self.retry_s
        while True:
            if self.stop.is_set():
                raise Stopping(f"{method.upper()} {path}")
            try:
                response = self.session.request(method, f"{self.urls[service]}/api/v1{path}", timeout=30, **kwargs)
                if response.status_code not in (502, 503) or time.monotonic() > deadline:
                    return response
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise
            self.stop.wait(0.5)

    def wait(self, condition: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
        wait_until(condition, timeout_s, what, interval=0.3, stop=self.stop)

    def wait_until_known(self, service: str, enterprises: list[dict]) -> None:
        """Each partition of the registry topic reaches a service at its own pace: wait for every enterprise."""
        unknown = {enterprise["id"] for enterprise in enterprises}

        def all_known() -> bool:
            unknown.difference_update({enterprise_id for enterprise_id in list(unknown)
                                       if self.get(service, f"/enterprises/{enterprise_id}").status_code == 200})
            return not unknown

        self.wait(all_known, f"dịch vụ {service} biết mọi doanh nghiệp mẫu")


@contextmanager
def progress(label: str, total: int, unit: str) -> Iterator[tqdm]:
    """One line per part: a bar, the count and the time it took."""
    with tqdm(total=total, desc=f"  {label}", unit=unit, file=sys.stdout, dynamic_ncols=True,
              mininterval=0.5 if sys.stdout.isatty() else 5.0,
              bar_format="{desc:<34} {bar:24} {n_fmt}/{total_fmt} {unit} [{elapsed}]") as bar:
        yield bar


UNITS_2025 = Path(__file__).with_name("data") / "units_2025_demo.csv"
NEW_STRUCTURE_FROM = date(2025, 7, 1)
# Where the demo places an enterprise registered from 1 July 2025 (no district level): a commune or ward of the new
# structure covering part of the former district, or — one in three — one of the former Tiền Giang area. The codes
# of deploy/data/units_2025_demo.csv are the demo's own; an administrator loads the official list (README).
COMMUNE_OF_DISTRICT = {
    "866": "P-CAO-LANH", "867": "P-SA-DEC", "868": "P-HONG-NGU", "869": "X-TAN-HONG", "870": "X-THUONG-PHUOC",
    "871": "X-TAM-NONG", "872": "X-THAP-MUOI", "873": "X-MY-THO-CL", "874": "X-THANH-BINH", "875": "X-LAP-VO",
    "876": "X-LAI-VUNG", "877": "X-CAI-TAU-HA"}
FORMER_TIEN_GIANG_COMMUNES = ("P-MY-THO", "P-DAO-THANH", "P-GO-CONG", "P-CAI-LAY", "X-TAN-PHUOC", "X-CAI-BE",
                              "X-CHAU-THANH-TG", "X-CHO-GAO", "X-GO-CONG-TAY", "X-GO-CONG-DONG", "X-TAN-PHU-DONG")


MAX_SUCCESSORS = 3  # a department merged into one merged again: the chain is short
DEPARTMENTS_MERGED_ON = date(2025, 3, 1)
MERGED_2025 = {"DPI": "DOF", "DIC": "DOST", "DOLISA": "DOHA"}  # each into the department that took its tasks


def _place(district: str, registered: date, index: int) -> str:
    """The unit an enterprise is registered in: its district before 1 July 2025, a commune from then on."""
    if registered < NEW_STRUCTURE_FROM:
        return district
    if index % 3 == 0:
        return FORMER_TIEN_GIANG_COMMUNES[index % len(FORMER_TIEN_GIANG_COMMUNES)]
    return COMMUNE_OF_DISTRICT[district]


def demo_enterprises(count: int, rng: random.Random) -> list[dict[str, Any]]:
    enterprises = []
    for index in range(count):
        kind, brand = rng.choice(KINDS), rng.choice(BRANDS)
        registered = date(2021, 1, 4) + timedelta(days=rng.randrange(0, 5 * 365))
        enterprises.append({
            "tax_code": f"14{index:04d}{rng.randrange(10**4):04d}", "name": f"{kind} {brand} {index + 1}",
            "district_code": _place(rng.choice(list(DISTRICTS)), registered, index),
            "registered_on": registered.isoformat(),
            "ownership": OWNERSHIP_BY_KIND[kind],
            "size_class": rng.choice(["micro", "small", "small", "medium", "large"]),
            "industry_code": rng.choice(["A0111", "C1020", "C1061", "C1079", "C1629", "C2817", "G4632"]),
            "address": f"Số {rng.randrange(1, 300)}, đường {rng.choice(STREETS)}",
            "contact": {"representative": rng.choice(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]),
                        "phone": f"0277{rng.randrange(10**6):06d}"}})
    return enterprises


def load_registry(demo: DemoClient, count: int) -> list[dict[str, Any]]:
    """Registers the enterprises and the registry's other demo facts; returns the enterprises still open (the
    ones support and training may serve), as much of each as they need."""
    rng, still_open = random.Random(SEED), []
    demo.wait(lambda: demo.get("registry", "/units/DOF").status_code == 200,
              "the registry worker recorded the plan's units", timeout_s=60)
    reorganisation = _reorganisation_of_2025(demo)  # first: who registers from July 2025 names a commune
    with progress("Sổ đăng ký: sắp xếp đơn vị 2025", len(reorganisation), "lệnh") as bar:
        for step in reorganisation:
            step()
            bar.update()
    with progress("Sổ đăng ký: doanh nghiệp", count, "DN") as bar:
        for index, body in enumerate(demo_enterprises(count, rng), start=1):
            district = body["district_code"]
            department = rng.choice(REGISTRARS + (f"UBND-{district}" if district in DISTRICTS else "DOST",))
            enterprise = demo.post("registry", "/enterprises", body, f"enterprise-{index}", department)
            if not _enrich(demo, rng, enterprise, index):
                still_open.append({"id": enterprise["id"], "name": enterprise["name"],
                                   "district": {"code": enterprise["district"]["code"]}})
            bar.update()
    steps = _conformity_bodies(demo) + _local_standards(demo)
    with progress("Sổ đăng ký: tổ chức ĐGSPH, tiêu chuẩn", len(steps), "lệnh") as bar:
        for step in steps:
            step()
            bar.update()
    return still_open


def _enrich(demo: DemoClient, rng: random.Random, enterprise: dict, index: int) -> bool:
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
                                               "closed_on": _after(start, rng).isoformat()},
                  f"enterprise-{index}-close")
        return True
    return False


def _after(start: date, rng: random.Random) -> date:
    return min(start + timedelta(days=rng.randrange(30, 900)), date(2026, 10, 31))


Step = Callable[[], object]
# Fields of testing, calibration and inspection (indicator I5): one added each year 2021–2026, and the 2021 one
# removed in 2025 (an I5 removal); each body's fields by (kind, name, date added).
CONFORMITY_BODIES = (
    ("Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Đồng Tháp", "866",
     [("testing", "Thử nghiệm chỉ tiêu hóa lý nước sinh hoạt", "2021-08-16"),
      ("calibration", "Hiệu chuẩn cân phân tích", "2022-04-12"),
      ("testing", "Thử nghiệm vi sinh thực phẩm", "2023-06-20"),
      ("inspection", "Kiểm định đồng hồ nước lạnh", "2024-09-05"),
      ("calibration", "Hiệu chuẩn nhiệt kế điện tử", "2026-03-10")]),
    ("Phòng thử nghiệm Thủy sản Sa Đéc", "867",
     [("testing", "Thử nghiệm dư lượng kháng sinh", "2025-02-18")]),
)
FIELD_REMOVED = (0, "Thử nghiệm chỉ tiêu hóa lý nước sinh hoạt", "2025-06-30",
                 "Phòng thử nghiệm không duy trì được năng lực sau khi thiết bị hỏng")


def _conformity_bodies(demo: DemoClient) -> list[Step]:
    steps: list[Step] = []
    ids: dict[int, str] = {}

    def register(number: int, name: str, district: str) -> None:
        ids[number] = demo.post("registry", "/conformity-bodies/", {
            "name": name, "district_code": district, "registered_on": "2021-01-04"}, f"cab-{number}")["id"]

    def add(number: int, index: int, kind: str, name: str, added_on: str) -> None:
        demo.post("registry", f"/conformity-bodies/{ids[number]}/fields",
                  {"kind": kind, "name": name, "added_on": added_on}, f"cab-{number}-field-{index}")

    def remove(number: int, name: str, removed_on: str, reason: str) -> None:
        body = demo.get("registry", f"/conformity-bodies/{ids[number]}").json()
        field_id = next(field["field_id"] for field in body["fields"] if field["name"] == name)
        demo.post("registry", f"/conformity-bodies/{ids[number]}/fields/{field_id}/remove",
                  {"removed_on": removed_on, "reason": reason}, f"cab-{number}-field-removed")

    for number, (name, district, fields) in enumerate(CONFORMITY_BODIES):
        steps.append(partial(register, number, name, district))
        steps += [partial(add, number, index, *field) for index, field in enumerate(fields)]
    steps.append(lambda: remove(*FIELD_REMOVED))
    return steps


# Base standards and local technical regulations the province built (seed 2.3.5), one a year or so:
# (code, kind, title, field, drafting department, started, issued and decision, or None while drafting).
LOCAL_STANDARDS = (
    ("QCĐP 01:2022/ĐT", "local_regulation", "Quy chuẩn kỹ thuật địa phương về chất lượng nước sạch sử dụng cho mục "
     "đích sinh hoạt trên địa bàn tỉnh Đồng Tháp", "nước sạch sinh hoạt", "DOST", "2022-02-14",
     ("2022-09-20", "32/2022/QĐ-UBND")),
    ("TCCS 01:2023/SKHCN", "base_standard", "Hướng dẫn đo lường năng suất lao động tại doanh nghiệp nhỏ và vừa",
     "đo lường năng suất", "DOST", "2023-03-01", ("2023-08-15", "118/QĐ-SKHCN")),
    ("QCĐP 02:2024/ĐT", "local_regulation", "Quy chuẩn kỹ thuật địa phương về xoài cát Chu xuất khẩu",
     "xoài xuất khẩu", "DARD", "2024-02-05", ("2024-09-10", "21/2024/QĐ-UBND")),
    ("TCCS 02:2025/SCT", "base_standard", "Tiêu chuẩn cơ sở sản phẩm nem Lai Vung", "nem Lai Vung", "DOIT",
     "2025-01-06", ("2025-05-20", "64/QĐ-SCT")),
    ("QCĐP 01:2026/ĐT", "local_regulation", "Quy chuẩn kỹ thuật địa phương về nhãn hàng hóa nông sản chủ lực "
     "của tỉnh sau hợp nhất", "nhãn hàng hóa nông sản", "DOST", "2026-03-02", None),
)


def _local_standards(demo: DemoClient) -> list[Step]:
    def record(number: int, code: str, kind: str, title: str, field: str, department: str, started: str,
               issued: tuple[str, str] | None) -> None:
        document = demo.post("registry", "/local-standards/", {
            "code": code, "kind": kind, "title": title, "field": field, "started_on": started},
            f"local-standard-{number}", department)
        if issued:
            demo.post("registry", f"/local-standards/{document['id']}/issuance",
                      {"issued_on": issued[0], "decision_number": issued[1]}, f"local-standard-{number}-issued",
                      department)
    return [partial(record, number, *document) for number, document in enumerate(LOCAL_STANDARDS)]


def _reorganisation_of_2025(demo: DemoClient) -> list[Step]:
    """March 2025: departments merged; 1 July 2025: the district level abolished and Tiền Giang merged into Đồng
    Tháp, whose units are then communes and wards (a part of them, from deploy/data/units_2025_demo.csv, sent as
    an administrator sends the official list: through the bulk endpoint)."""
    listed = read_units(UNITS_2025)
    steps: list[Step] = [
        lambda: demo.post("registry", "/units/bulk", {"units": [
            {key: value for key, value in row.items() if value is not None} for row in listed]}, "units-2025")]
    steps += [partial(demo.post, "registry", f"/units/{code}/merge", {
        "successor_code": successor, "effective_from": DEPARTMENTS_MERGED_ON.isoformat()}, f"unit-{code}-merge")
        for code, successor in MERGED_2025.items()]
    steps.append(lambda: demo.post("registry", "/units/DARD/rename", {
        "name": "Sở Nông nghiệp và Môi trường", "effective_from": "2025-03-01"}, "unit-dard-rename"))
    steps += [partial(demo.post, "registry", f"/units/{code}/abolish", {
        "successor_code": "87", "effective_from": "2025-07-01",
        "reason": "Bỏ cấp huyện theo sắp xếp đơn vị hành chính 2025"}, f"unit-{code}-abolish") for code in DISTRICTS]
    steps += [partial(demo.post, "registry", f"/units/UBND-{code}/abolish", {
        "effective_from": "2025-07-01", "reason": "Kết thúc hoạt động của chính quyền cấp huyện (2025)"},
        f"unit-UBND-{code}-abolish") for code in DISTRICTS]
    former_districts = [row["code"] for row in listed if row["level"] == "district"]
    steps += [partial(demo.post, "registry", f"/units/{code}/abolish", {
        "successor_code": "87", "effective_from": "2025-07-01",
        "reason": "Bỏ cấp huyện theo sắp xếp đơn vị hành chính 2025"}, f"unit-{code}-abolish")
        for code in former_districts]
    steps.append(lambda: demo.post("registry", "/units/82/merge", {
        "successor_code": "87", "effective_from": "2025-07-01"}, "unit-82-merge"))
    return steps


def holds_data(demo: DemoClient) -> bool:
    """Anything a person (or a tool) recorded: a command in support or training, or a registry event beyond the
    reference data the registry records by itself."""
    for service in ("support", "training"):
        if _events(demo, service, 1, 1)["head_position"] > 0:
            return True
    position: int | None = 1
    while position is not None:
        page = _events(demo, "registry", position, 1000)
        if any(event["actor"] != SEED_ACTOR for event in page["events"]):
            return True
        position = page["next_from_position"]
    return False


def _events(demo: DemoClient, service: str, from_position: int, limit: int) -> dict[str, Any]:
    response = demo.get(service, "/events/", role="auditor", from_position=from_position, limit=limit)
    response.raise_for_status()
    return response.json()


class DemoRecord:
    """The demo's own record of how far it got: one document in the store it fills."""

    def __init__(self, mongo_url: str) -> None:
        self.client = connect(mongo_url)
        self.collection = self.client[DEMO_DATABASE]["loads"]

    def read(self) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": RECORD_ID})

    def begin(self, size: DemoSize) -> dict[str, Any]:
        record = {"_id": RECORD_ID, "size": asdict(size), "seed": SEED, "begun_at": _now(), "parts": {}}
        self.collection.insert_one(record)
        return record

    def part_done(self, part: str, summary: dict[str, Any]) -> None:
        self.collection.update_one({"_id": RECORD_ID}, {"$set": {f"parts.{part}": {**summary, "done_at": _now()}}})

    def complete(self, seconds: float) -> None:
        self.collection.update_one({"_id": RECORD_ID}, {"$set": {"completed_at": _now(), "seconds": seconds}})

    def close(self) -> None:
        self.client.close()


def _now() -> datetime:
    return datetime.now(UTC)


def load_demo(demo: DemoClient, record: DemoRecord, size: DemoSize | None = None,
              say: Callable[[str], None] = print) -> str:
    """Loads, resumes or leaves alone; returns what it did, in words for the person who started the stack."""
    found = record.read()
    resuming = found is not None
    if found and found.get("completed_at"):
        return "Dữ liệu mẫu đã nạp đầy đủ từ trước."
    if found is None:
        if holds_data(demo):
            return "Kho dữ liệu đã có dữ liệu không phải dữ liệu mẫu: không nạp dữ liệu mẫu."
        found = record.begin(size or DemoSize.from_env())
        say(f"Nạp dữ liệu mẫu ({found['size']['enterprises']} doanh nghiệp) …")
    else:
        done = ", ".join(found["parts"]) or "chưa phần nào"
        say(f"Dữ liệu mẫu đã bắt đầu nạp ở lần chạy trước nhưng chưa xong (đã xong: {done}): nạp tiếp phần còn lại …")
    size, parts, began = DemoSize(**found["size"]), found["parts"], time.monotonic()
    from deploy import demo_plans, demo_support, demo_training

    if "registry" in parts:
        still_open = parts["registry"]["open_enterprises"]
    else:
        still_open = load_registry(demo, size.enterprises)
        record.part_done("registry", {"enterprises": size.enterprises, "open_enterprises": still_open})
    if "support" not in parts:
        record.part_done("support", {"cases": demo_support.load(demo, still_open, size.cases,
                                                                backbone=size.backbone)})
    if "training" not in parts:
        record.part_done("training", demo_training.load(demo, still_open, size))
    if "plans" not in parts:
        record.part_done("plans", demo_plans.load(demo))
    seconds = time.monotonic() - began
    record.complete(seconds)
    resumed = " (nạp tiếp phần dang dở của lần trước)" if resuming else ""
    return (f"Đã nạp xong dữ liệu mẫu{resumed} trong {seconds:.0f} giây: {size.enterprises} doanh nghiệp, "
            f"{sum(demo.created.values())} lệnh mới.")


class DemoLoad(threading.Thread):
    """The demo load beside the launcher's main thread, which keeps supervising and stops it on a signal."""

    def __init__(self, urls: dict[str, str], tokens_path: Path, mongo_url: str, stop: threading.Event,
                 say: Callable[[str], None]) -> None:
        super().__init__(name="demo-load", daemon=True)
        self.urls, self.tokens_path, self.mongo_url, self.stop, self.say = urls, tokens_path, mongo_url, stop, say

    def start(self) -> DemoLoad:  # type: ignore[override]  # returns itself, for `load = DemoLoad(...).start()`
        super().start()
        return self

    def run(self) -> None:
        demo = DemoClient(self.urls, json.loads(self.tokens_path.read_text())["tokens"], self.stop)
        record = DemoRecord(self.mongo_url)
        try:
            self.say(load_demo(demo, record, say=self.say))
        except Stopping:
            self.say("Đã dừng giữa chừng khi nạp dữ liệu mẫu: lần chạy sau sẽ nạp tiếp.")
        except Exception as failure:  # noqa: BLE001 - the stack runs on; the next start resumes the demo
            self.say(f"Chưa nạp xong dữ liệu mẫu ({type(failure).__name__}: {failure}). "
                     "Hệ thống vẫn chạy; lần chạy sau sẽ nạp tiếp.")
        finally:
            record.close()
