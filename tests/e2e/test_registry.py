"""The registry as a department uses it, over HTTP against the real stack."""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from deploy.processes import wait_until
from services.registry.readmodel import searchable

pytestmark = pytest.mark.e2e


def url(stack, path: str) -> str:
    return f"{stack.url('registry')}/api/v1{path}"


def new_tax_code() -> str:
    return str(random.randrange(10**9, 10**10))


def test_an_enterprise_profile_grows_and_its_history_reads_in_order(stack, tokens, register_enterprise):
    clerk = tokens("UBND-876", "clerk")  # the committee of the enterprise's district (DOST registered it)
    created = register_enterprise("876", name="Hợp tác xã Quýt hồng Lai Vung", ownership="collective",
                                  size_class="small", industry_code="A0121")
    base = url(stack, f"/enterprises/{created['id']}")
    steps = [
        ("/priority-groups", {"group": "ocop", "since": "2023-05-10", "ocop_stars": 4}),
        ("/products", {"name": "Quýt hồng sấy", "category": "nông sản chế biến", "priority_groups": ["ocop"],
                       "ocop_stars": 4}),
        ("/certifications", {"standard": "vietgap", "certificate_number": "VG-0876-01", "body": "Trung tâm NSCL",
                             "valid_from": "2023-01-01", "valid_to": "2030-12-31"}),
        ("/surveys", {"surveyed_on": "2022-09-01", "kind": "diagnosis", "scores": {"operations": 40},
                      "needs": ["5S", "truy xuất nguồn gốc"]}),
    ]
    for version, (path, body) in enumerate(steps, start=2):
        response = requests.post(base + path, json=body, headers={**clerk, "If-Match": f'"{version - 1}"'},
                                 timeout=10)
        assert response.status_code in (200, 201), response.text
        assert response.headers["ETag"] == f'"{version}"'
    enterprise = requests.get(base, headers=clerk, timeout=10).json()
    assert enterprise["priority_groups"][0]["group"] == "ocop" and enterprise["priority_groups"][0]["ocop_stars"] == 4
    assert enterprise["certifications"][0]["status"] == "valid"
    assert enterprise["products"][0]["name"] == "Quýt hồng sấy"
    history = requests.get(base + "/history", headers=clerk, timeout=10).json()
    assert [item["label"] for item in history] == [
        "Đăng ký doanh nghiệp", "Bắt đầu thuộc nhóm ưu tiên", "Thêm sản phẩm",
        "Ghi nhận chứng nhận / hệ thống quản lý", "Khảo sát, chẩn đoán NSCL"]
    assert history[1]["occurred_at"] == "2023-05-10T00:00:00.000Z"

    def listed(**filters) -> list[str]:
        page = requests.get(url(stack, "/enterprises"), params={**filters, "page_size": 200}, headers=clerk,
                            timeout=10).json()
        return [row["id"] for row in page["items"]]

    wait_until(lambda: created["id"] in listed(standard="vietgap"), 15, "the read model has the certification")
    assert created["id"] in listed(district_code="876", priority_group="ocop", q="quyt hong")
    assert created["id"] in listed(q=created["tax_code"][:6])
    assert created["id"] not in listed(district_code="866")
    assert created["id"] not in listed(standard="iso_9001")


def test_the_list_is_paged_and_sorted(stack, tokens, register_enterprise):
    for name in ("Ánh Dương", "Bình Minh", "Cửu Long"):
        register_enterprise("869", name=f"Công ty {name} Tân Hồng")
    viewer = tokens("UBND-869", "viewer")

    def page(**params):
        return requests.get(url(stack, "/enterprises"), params={"district_code": "869", "q": "tan hong", **params},
                            headers=viewer, timeout=10).json()

    wait_until(lambda: page()["total"] >= 3, 15, "three enterprises in the read model")
    first, second = page(page_size=2, sort="name"), page(page_size=2, page=2, sort="name")
    assert first["pages"] == (first["total"] + 1) // 2 and len(first["items"]) == 2
    names = [searchable(row["name"]) for row in first["items"] + second["items"]]
    assert names == sorted(names) and len(names) == min(4, first["total"])
    bad = requests.get(url(stack, "/enterprises"), params={"sort": "colour"}, headers=viewer, timeout=10)
    assert bad.status_code == 400 and "sort" in bad.json()["errors"]


def test_one_tax_code_raced_by_many_clerks_registers_once(stack, tokens):
    tax_code, clerk = new_tax_code(), tokens("DOST", "clerk")

    def attempt(index):
        return requests.post(url(stack, "/enterprises"), headers=clerk, timeout=20, json={
            "tax_code": tax_code, "name": f"Công ty Đua {index}", "district_code": "870"}).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(attempt, range(6)))
    assert sorted(statuses) == [201] + [409] * 5


def test_units_resolve_an_enterprise_through_the_abolition_of_the_district_level(stack, tokens, register_enterprise):
    created = register_enterprise("877", name="Công ty Châu Thành")
    steward, other = tokens("DOST", "clerk"), tokens("DOIT", "clerk")
    units = requests.get(url(stack, "/units"), params={"category": "administrative_unit"}, headers=other,
                         timeout=10).json()
    assert {unit["code"] for unit in units} >= {"87", "866", "877"}
    refused = requests.post(url(stack, "/units/877/abolish"), headers=other, timeout=10,
                            json={"successor_code": "87", "reason": "Bỏ cấp huyện", "effective_from": "2025-07-01"})
    assert refused.status_code == 403
    abolished = requests.post(url(stack, "/units/877/abolish"), headers=steward, timeout=10,
                              json={"successor_code": "87", "reason": "Bỏ cấp huyện", "effective_from": "2025-07-01"})
    assert abolished.status_code == 200, abolished.text
    before = requests.get(url(stack, f"/enterprises/{created['id']}/unit"), params={"on": "2025-06-30"},
                          headers=other, timeout=10).json()
    after = requests.get(url(stack, f"/enterprises/{created['id']}/unit"), params={"on": "2025-07-01"},
                         headers=other, timeout=10).json()
    assert before["in_force"]["code"] == "877" and before["in_force"]["name"] == "Huyện Châu Thành"
    assert after["requested"]["status"] == "abolished" and after["in_force"]["code"] == "87"


def test_a_conformity_body_gains_fields_counted_by_their_date(stack, tokens):
    clerk = tokens("DOST", "clerk")
    body = requests.post(url(stack, "/conformity-bodies/"), headers=clerk, timeout=10,
                         json={"name": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng", "district_code": "866",
                               "registered_on": "2021-01-04"}).json()
    added = requests.post(url(stack, f"/conformity-bodies/{body['id']}/fields"), headers=clerk, timeout=10,
                          json={"kind": "calibration", "name": "Hiệu chuẩn áp kế", "added_on": "2024-03-15"})
    assert added.status_code == 201 and added.json()["fields"][0]["added_on"] == "2024-03-15"
    again = requests.post(url(stack, f"/conformity-bodies/{body['id']}/fields"), headers=clerk, timeout=10,
                          json={"kind": "calibration", "name": "hiệu chuẩn áp kế", "added_on": "2024-05-01"})
    assert again.status_code == 409 and again.headers["Content-Type"] == "application/problem+json"

    def listed():
        return requests.get(url(stack, "/conformity-bodies/"), params={"kind": "calibration"}, headers=clerk,
                            timeout=10).json()["items"]

    wait_until(lambda: any(item["id"] == body["id"] for item in listed()), 15, "the body in the read model")


def test_under_gunicorn_bad_input_is_answered_as_problem_json(stack, tokens):
    """Through the real gunicorn: the application's limits are below gunicorn's (request line 4094 bytes, header
    line 8190), so the application answers them; beyond gunicorn's own limits gunicorn writes text/html itself."""
    headers, clerk = tokens("DOST", "viewer"), {**tokens("DOST", "clerk"), "Content-Type": "application/json"}
    answers = [
        requests.get(url(stack, "/enterprises?q=" + "a" * 4030), headers=headers, timeout=10),
        requests.get(url(stack, "/enterprises"), headers={**headers, "X-Padding": "a" * 8100}, timeout=10),
        requests.post(url(stack, "/enterprises"), headers=clerk, timeout=10,
                      data=b'{"name": "' + b"x" * (1024 * 1024 + 1) + b'"}'),
        requests.post(url(stack, "/enterprises"), headers=clerk, data=b"[" * 5000 + b"]" * 5000, timeout=10),
        requests.get(url(stack, "/enterprises?page=99999999999999999999&district_code[$ne]=x"), headers=headers,
                     timeout=10),
    ]
    assert [answer.status_code for answer in answers] == [414, 431, 413, 400, 400]
    assert all(answer.headers["Content-Type"].startswith("application/problem+json") for answer in answers)
    assert set(answers[4].json()["errors"]) == {"page", "district_code[$ne]"}


def test_an_enterprise_of_the_former_tien_giang_area_is_registered_in_a_commune_of_the_new_structure(stack, tokens):
    """Issue 12: the merged province's units come as a list (the bulk endpoint); from 1 July 2025 an enterprise is
    placed in a commune or ward, and a district of before is refused naming the unit that took its place."""
    steward, suffix = tokens("DOST", "clerk"), f"{random.randrange(10**6):06d}"
    former, district, ward = f"TG{suffix}", f"TG{suffix}-MT", f"P-MT-{suffix}"
    listed = requests.post(url(stack, "/units/bulk"), headers=steward, timeout=30, json={"units": [
        {"code": former, "name": "Tỉnh Tiền Giang", "category": "administrative_unit", "level": "province",
         "effective_from": "2021-01-01"},
        {"code": district, "name": "Thành phố Mỹ Tho", "category": "administrative_unit", "level": "district",
         "parent_code": former, "effective_from": "2021-01-01"},
        {"code": ward, "name": "Phường Mỹ Tho", "category": "administrative_unit", "level": "commune",
         "parent_code": "87", "effective_from": "2025-07-01"}]})
    assert listed.status_code == 200, listed.text
    abolished = requests.post(url(stack, f"/units/{district}/abolish"), headers=steward, timeout=10, json={
        "successor_code": ward, "reason": "Bỏ cấp huyện", "effective_from": "2025-07-01"})
    assert abolished.status_code == 200, abolished.text

    def register(code: str, day: str) -> requests.Response:
        return requests.post(url(stack, "/enterprises"), headers=steward, timeout=10, json={
            "tax_code": new_tax_code(), "name": "Công ty TNHH Thanh long Chợ Gạo", "district_code": code,
            "registered_on": day})
    before = register(district, "2025-06-30")
    assert before.status_code == 201 and before.json()["district"] == {"code": district, "name": "Thành phố Mỹ Tho"}
    refused = register(district, "2025-08-01")
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    [reason] = refused.json()["errors"]["district_code"]
    assert "không còn hiệu lực vào ngày 2025-08-01" in reason and f"'{ward}'" in reason
    too_early = register(ward, "2025-06-30")
    assert too_early.status_code == 422 and "chưa có hiệu lực" in too_early.json()["errors"]["district_code"][0]
    placed = register(ward, "2025-08-01")
    assert placed.status_code == 201, placed.text
    assert placed.json()["district"] == {"code": ward, "name": "Phường Mỹ Tho"}
    found = requests.get(url(stack, f"/enterprises/{placed.json()['id']}"), headers=steward, timeout=10).json()
    assert found["district"] == {"code": ward, "name": "Phường Mỹ Tho"}
