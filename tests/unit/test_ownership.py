"""Per-record ownership (issue 10): a record is changed only by the department that holds it (shared.ownership),
decided on the record as loaded, after the token and the service-level right. Offline: Flask test clients on
in-memory stores.

Findings it covers: a DIC clerk cancelled a DOST course and suspended a DOST expert; the district committee
UBND-866 renamed an enterprise of district 877.
"""
from __future__ import annotations

import re

import pytest

from services.registry.app import create_app as registry_app
from services.registry.bootstrap import bootstrap as registry_bootstrap
from services.training.app import create_app as training_app
from services.training.bootstrap import bootstrap as training_bootstrap
from shared import ownership
from shared.claims import InMemoryUniqueClaims
from shared.eventstore import InMemoryEventStore
from shared.ownership import Owner
from tests.fakes import FakeKnownEnterprises
from tests.unit.http_helpers import assert_problem, auth, offline_settings

ENTERPRISES = "/api/v1/enterprises"
BODIES = "/api/v1/conformity-bodies"
COURSES = "/api/v1/courses"
EXPERTS = "/api/v1/experts"
KNOWN = {"id": "ent-1", "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "877",
         "district_name": "Huyện Châu Thành", "status": "open"}


# ---- the rule table ----------------------------------------------------------------------------------------------
def test_every_rule_cites_section_2_5_of_the_plan_and_puts_dost_beside_the_owner():
    assert set(ownership.RULES) == {"enterprise", "conformity_body", "local_standard", "course", "outreach", "honour",
                                   "expert"}
    for rule in ownership.RULES.values():
        assert re.fullmatch(r"2\.5\.\d(, 2\.5\.\d)*", rule.seed), rule
        assert "DOST" in rule.beside


@pytest.mark.parametrize("kind, owner, department, role, allowed", [
    ("enterprise", Owner("DOST", "877"), "UBND-866", "clerk", False),  # another district's committee
    ("enterprise", Owner("DOST", "877"), "UBND-877", "clerk", True),  # the committee of the enterprise's district
    ("enterprise", Owner("DOIT", "877"), "DPI", "clerk", True),  # the business register
    ("enterprise", Owner("DOIT", "877"), "DARD", "clerk", False),
    ("enterprise", Owner("UBND-877", "877"), "DOST", "clerk", True),
    ("enterprise", Owner("DOIT", "877"), "DARD", "admin", True),
    ("course", Owner("DOST"), "DIC", "clerk", False),
    ("course", Owner("DIC"), "DIC", "clerk", True),
    ("course", Owner("DIC"), "DOST", "clerk", True),
    ("expert", Owner("DOST"), "DIC", "clerk", False),
    ("expert", Owner("DARD"), "DOIT", "clerk", False),
    ("outreach", Owner("DIC"), "DOIT", "clerk", False),
    ("conformity_body", Owner("DOIT"), "DPI", "clerk", False),
    ("conformity_body", Owner("DOIT"), "DOST", "clerk", True),
])
def test_who_may_change_a_record(kind, owner, department, role, allowed):
    assert ownership.may_change(kind, owner, department, role) is allowed


def test_a_district_committee_holds_no_record_of_a_provincial_rule_without_districts():
    assert ownership.holders("course", Owner("DOIT", "877")) == {"DOIT", "DOST"}


def test_the_refusal_is_a_403_naming_the_owner_in_vietnamese():
    with pytest.raises(ownership.NotOwner) as refused:
        ownership.check("enterprise", Owner("DOST", "877"), "UBND-866", "clerk")
    assert refused.value.status == 403 and refused.value.extra["owner"] == "DOST"
    assert "Sở Khoa học và Công nghệ" in refused.value.detail and "UBND-877" in refused.value.detail
    assert refused.value.extra["allowed"] == ["DOST", "DPI", "UBND-877"]


# ---- registry over HTTP --------------------------------------------------------------------------------------------
@pytest.fixture
def registry(tmp_path):
    store = InMemoryEventStore()
    app = registry_app(service=registry_bootstrap(offline_settings(tmp_path), store=store,
                                                  claims=InMemoryUniqueClaims()))
    yield app.test_client(), store
    app.extensions["nscl"].mongo.close()


def _register(client, department: str = "DOST", district: str = "877", tax_code: str = "1400123456") -> dict:
    response = client.post(ENTERPRISES, headers=auth(department), json={
        "tax_code": tax_code, "name": "Công ty TNHH Sen Hồng", "district_code": district,
        "registered_on": "2024-03-01", "contact": {"representative": "Nguyễn Văn An", "phone": "0277123456"}})
    assert response.status_code == 201, response.data
    return response.get_json()


def _enterprise_commands(client, enterprise_id: str) -> list[tuple[str, str, dict | None]]:
    """Every command on an enterprise, with a body it would accept from its owner."""
    path = f"{ENTERPRISES}/{enterprise_id}"
    product = client.post(f"{path}/products", headers=auth(), json={"name": "Xoài cát Hòa Lộc"}).get_json()
    product_id = next(iter(product["products"]))["product_id"]
    certified = client.post(f"{path}/certifications", headers=auth(), json={
        "standard": "iso_9001", "certificate_number": "CN-1", "body": "QUACERT", "valid_from": "2024-04-01"})
    certification_id = certified.get_json()["certifications"][0]["certification_id"]
    client.post(f"{path}/priority-groups", headers=auth(), json={"group": "export", "since": "2024-04-01"})
    return [
        ("PATCH", path, {"name": "Công ty TNHH Sen Hồng Đổi Tên"}),
        ("POST", f"{path}/close", {"reason": "Ngừng kinh doanh"}),
        ("POST", f"{path}/priority-groups", {"group": "key_product", "since": "2024-04-01"}),
        ("POST", f"{path}/priority-groups/export/end", {}),
        ("POST", f"{path}/products", {"name": "Sen sấy"}),
        ("PATCH", f"{path}/products/{product_id}", {"name": "Xoài cát chu"}),
        ("DELETE", f"{path}/products/{product_id}", None),
        ("POST", f"{path}/certifications", {"standard": "haccp", "certificate_number": "CN-2", "body": "QUACERT",
                                             "valid_from": "2024-04-01"}),
        ("POST", f"{path}/certifications/{certification_id}/withdraw", {"reason": "Hết hiệu lực"}),
        ("POST", f"{path}/surveys", {"surveyed_on": "2024-04-02"}),
    ]


def test_a_district_committee_may_not_rename_an_enterprise_of_another_district(registry):
    client, store = registry
    enterprise = _register(client, district="877")
    before = store.head_position()
    refused = assert_problem(client.patch(f"{ENTERPRISES}/{enterprise['id']}", json={"name": "Tên khác"},
                                          headers=auth("UBND-866")), 403)
    assert refused["type"].endswith("not-owner") and refused["owner"] == "DOST" and "UBND-866" in refused["detail"]
    assert store.head_position() == before
    assert client.get(f"{ENTERPRISES}/{enterprise['id']}", headers=auth()).get_json()["name"] == enterprise["name"]


def test_every_enterprise_command_is_refused_to_a_department_that_does_not_hold_it(registry):
    client, store = registry
    enterprise = _register(client, department="DOIT", district="877")
    commands = _enterprise_commands(client, enterprise["id"])
    before = store.head_position()
    for department in ("UBND-866", "DARD", "DOLISA"):
        for method, path, body in commands:
            response = client.open(path, method=method, json=body, headers=auth(department))
            assert_problem(response, 403)
            assert response.get_json()["owner"] == "DOIT", (department, method, path)
    assert store.head_position() == before


@pytest.mark.parametrize("department, role", [("DOIT", "clerk"), ("UBND-877", "clerk"), ("DPI", "clerk"),
                                              ("DOST", "clerk"), ("DARD", "admin")])
def test_the_holders_of_an_enterprise_may_change_it(registry, department, role):
    client, _ = registry
    enterprise = _register(client, department="DOIT", district="877")
    response = client.patch(f"{ENTERPRISES}/{enterprise['id']}", json={"name": "Công ty TNHH Sen Hồng Mới"},
                            headers=auth(department, role))
    assert response.status_code == 200, response.data
    assert response.get_json()["registered_by"] == "DOIT"


def test_the_district_committee_that_holds_an_enterprise_follows_it_when_it_moves(registry):
    client, _ = registry
    enterprise = _register(client, department="DOIT", district="877")
    moved = client.patch(f"{ENTERPRISES}/{enterprise['id']}", json={"district_code": "866"}, headers=auth("UBND-877"))
    assert moved.status_code == 200
    assert_problem(client.patch(f"{ENTERPRISES}/{enterprise['id']}", json={"name": "X"},
                                headers=auth("UBND-877")), 403)
    assert client.patch(f"{ENTERPRISES}/{enterprise['id']}", json={"name": "Công ty Y"},
                        headers=auth("UBND-866")).status_code == 200


def test_a_district_committee_registers_only_in_its_own_district(registry):
    client, store = registry
    response = client.post(ENTERPRISES, headers=auth("UBND-866"), json={
        "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "877"})
    body = assert_problem(response, 403)
    assert set(body["errors"]) == {"district_code"} and store.head_position() == 0
    assert _register(client, department="UBND-866", district="866")["registered_by"] == "UBND-866"


def test_an_unknown_enterprise_is_404_for_a_writing_department_and_403_for_one_without_the_right(registry):
    client, _ = registry
    assert_problem(client.patch(f"{ENTERPRISES}/khong-co", json={"name": "X"}, headers=auth("UBND-866")), 404)
    assert_problem(client.patch(f"{ENTERPRISES}/khong-co", json={"name": "X"}, headers=auth("DIC")), 403)


def test_a_conformity_body_is_changed_by_the_department_that_recorded_it_or_dost(registry):
    client, store = registry
    created = client.post(f"{BODIES}/", headers=auth("DOIT"), json={"name": "Phòng thử nghiệm Sa Đéc",
                                                                   "district_code": "867"})
    body_id = created.get_json()["id"]
    assert created.get_json()["recorded_by"] == "DOIT"
    field = {"kind": "testing", "name": "Vi sinh thực phẩm", "added_on": "2024-02-01"}
    before = store.head_position()
    refused = assert_problem(client.post(f"{BODIES}/{body_id}/fields", json=field, headers=auth("DPI")), 403)
    assert refused["owner"] == "DOIT" and store.head_position() == before
    added = client.post(f"{BODIES}/{body_id}/fields", json=field, headers=auth("DOST"))
    assert added.status_code == 201
    field_id = added.get_json()["fields"][0]["field_id"]
    assert_problem(client.post(f"{BODIES}/{body_id}/fields/{field_id}/remove", json={"reason": "Hỏng thiết bị"},
                               headers=auth("UBND-867")), 403)
    assert client.post(f"{BODIES}/{body_id}/fields/{field_id}/remove", json={"reason": "Hỏng thiết bị"},
                       headers=auth("DOIT")).status_code == 200


# ---- training over HTTP --------------------------------------------------------------------------------------------
@pytest.fixture
def training(tmp_path):
    store = InMemoryEventStore()
    app = training_app(service=training_bootstrap(offline_settings(tmp_path), store=store,
                                                  known_enterprises=FakeKnownEnterprises(KNOWN),
                                                  certificate_ids=InMemoryUniqueClaims()))
    yield app.test_client(), store
    app.extensions["nscl"].mongo.close()


def _course(client, department: str = "DOST", topic: str = "management_system") -> str:
    response = client.post(COURSES, headers=auth(department), json={
        "title": "Áp dụng ISO 9001", "kind": "training_class", "topic": topic, "start_date": "2024-05-10",
        "end_date": "2024-05-11", "venue": "Cao Lãnh", "capacity": 5})
    assert response.status_code == 201
    return response.get_json()["id"]


def test_a_dic_clerk_may_not_cancel_or_run_a_dost_course(training):
    client, store = training
    course_id = _course(client, "DOST")
    enrolled = client.post(f"{COURSES}/{course_id}/participants", headers=auth(), json={
        "full_name": "Nguyễn Văn An", "role": "manager", "enterprise_id": "ent-1"})
    participant_id = enrolled.get_json()["participants"][0]["id"]
    before = store.head_position()
    for method_path, body in ((f"{COURSES}/{course_id}/cancel", {"reason": "Không đủ học viên"}),
                              (f"{COURSES}/{course_id}/participants", {"full_name": "Trần Thị Bình",
                                                                       "role": "worker", "enterprise_id": "ent-1"}),
                              (f"{COURSES}/{course_id}/hold", None)):
        refused = assert_problem(client.post(method_path, json=body, headers=auth("DIC")), 403)
        assert refused["owner"] == "DOST" and "khoá học" in refused["detail"]
    assert store.head_position() == before
    assert client.post(f"{COURSES}/{course_id}/hold", headers=auth("DOST")).status_code == 200
    result = f"{COURSES}/{course_id}/participants/{participant_id}/result"
    assert_problem(client.post(result, json={"attended": True, "completed": True}, headers=auth("DIC")), 403)
    assert_problem(client.post(f"{COURSES}/{course_id}/close", headers=auth("DOIT")), 403)
    assert store.head_position() == before + 1


def test_the_organiser_and_dost_run_the_organisers_course(training):
    client, _ = training
    course_id = _course(client, "DIC")
    assert client.post(f"{COURSES}/{course_id}/hold", headers=auth("DOST")).status_code == 200
    assert client.post(f"{COURSES}/{course_id}/close", headers=auth("DIC")).status_code == 200
    other = _course(client, "DIC")
    assert client.post(f"{COURSES}/{other}/cancel", json={"reason": "Đổi lịch"}, headers=auth("DIC")).status_code == 200


def _certified_expert(client, nominated_by: str = "DOST") -> str:
    course_id = _course(client, "DOST", topic="expert_training")
    person = {"full_name": "Phạm Thị Hoa", "enterprise_id": "ent-1"}
    participant = client.post(f"{COURSES}/{course_id}/participants", headers=auth(), json={**person, "role": "worker"})
    participant_id = participant.get_json()["participants"][0]["id"]
    client.post(f"{COURSES}/{course_id}/hold", headers=auth())
    client.post(f"{COURSES}/{course_id}/participants/{participant_id}/result", headers=auth(),
                json={"attended": True, "completed": True})
    expert_id = client.post(EXPERTS, json=person, headers=auth(nominated_by)).get_json()["id"]
    assert client.post(f"{EXPERTS}/{expert_id}/training", json={"course_ids": [course_id]},
                       headers=auth(nominated_by)).status_code == 200
    assert client.post(f"{EXPERTS}/{expert_id}/certification", headers=auth(nominated_by), json={
        "certificate_number": "CG-1", "issuer": "local_programme", "valid_from": "2024-06-01",
        "valid_until": "2099-12-31"}).status_code == 200
    return expert_id


def test_a_dic_clerk_may_not_suspend_or_revoke_a_dost_expert(training):
    client, store = training
    expert_id = _certified_expert(client, "DOST")
    before = store.head_position()
    for action, body in (("suspension", {"reason": "Xem xét"}), ("revocation", {"reason": "Vi phạm"}),
                         ("renewal", {"valid_until": "2100-01-01"})):
        refused = assert_problem(client.post(f"{EXPERTS}/{expert_id}/{action}", json=body, headers=auth("DIC")), 403)
        assert refused["owner"] == "DOST" and "chuyên gia" in refused["detail"]
    assert store.head_position() == before
    assert client.post(f"{EXPERTS}/{expert_id}/suspension", json={"reason": "Xem xét"},
                       headers=auth("DOST")).status_code == 200
    assert_problem(client.post(f"{EXPERTS}/{expert_id}/reinstatement", json={}, headers=auth("DIC")), 403)


def test_the_nominating_department_follows_its_candidate_and_others_may_not(training):
    client, store = training
    expert_id = _certified_expert(client, "DARD")
    assert_problem(client.post(f"{EXPERTS}/{expert_id}/suspension", json={"reason": "Xem xét"},
                               headers=auth("DOIT")), 403)
    assert client.post(f"{EXPERTS}/{expert_id}/suspension", json={"reason": "Xem xét"},
                       headers=auth("DARD")).status_code == 200
    candidate = client.post(EXPERTS, json={"full_name": "Lê Văn Cường", "organisation_code": "DARD"},
                            headers=auth("DARD")).get_json()["id"]
    before = store.head_position()
    assert_problem(client.post(f"{EXPERTS}/{candidate}/training", json={"course_ids": ["x"]},
                               headers=auth("DIC")), 403)
    assert_problem(client.post(f"{EXPERTS}/{candidate}/certification", headers=auth("DIC"), json={
        "certificate_number": "CG-2", "issuer": "local_programme", "valid_from": "2024-06-01",
        "valid_until": "2099-12-31"}), 403)
    assert store.head_position() == before
