"""The training API through Flask's test client: in-memory event store, fake known enterprises."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.training.app import create_app
from services.training.bootstrap import bootstrap
from shared.claims import InMemoryUniqueClaims
from shared.eventstore import InMemoryEventStore
from shared.reference import province_today
from tests.fakes import FakeKnownEnterprises
from tests.unit.http_helpers import assert_problem, auth, offline_settings

COURSES = "/api/v1/courses"
EXPERTS = "/api/v1/experts"
ENTERPRISE = {"id": "ent-1", "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "867",
              "district_name": "Thành phố Sa Đéc", "status": "open"}
COURSE = {"title": "Áp dụng ISO 9001", "kind": "training_class", "topic": "management_system",
          "subject": "ISO 9001:2015", "start_date": "2024-05-10", "end_date": "2024-05-11", "venue": "Cao Lãnh",
          "capacity": 2}


@pytest.fixture
def event_store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
def client(event_store, tmp_path):
    settings = offline_settings(tmp_path)
    app = create_app(service=bootstrap(settings, store=event_store, known_enterprises=FakeKnownEnterprises(ENTERPRISE),
                                       certificate_ids=InMemoryUniqueClaims()))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()




def schedule(client, body=None, department="DOST", **headers):
    return client.post(COURSES, json=COURSE if body is None else body, headers={**auth(department), **headers})


def enrol(client, course_id, name="Nguyễn Văn An", **fields):
    body = {"full_name": name, "role": "manager", "enterprise_id": "ent-1", **fields}
    return client.post(f"{COURSES}/{course_id}/participants", json=body, headers=auth())


# ---- auth and validation ------------------------------------------------------------------------------------------
def test_no_token_is_401(client, event_store):
    response = client.post(COURSES, json=COURSE)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert event_store.head_position() == 0


@pytest.mark.parametrize("department, role", [("DOST", "viewer"), ("DPI", "clerk"), ("UBND-866", "clerk")])
def test_who_may_not_write_gets_403(client, event_store, department, role):
    assert_problem(client.post(COURSES, json=COURSE, headers=auth(department, role)), 403)
    assert event_store.head_position() == 0


@pytest.mark.parametrize("change, field", [
    ({"capacity": 0}, "capacity"), ({"kind": "picnic"}, "kind"), ({"topic": None}, "topic"),
    ({"end_date": "2024-05-09"}, "end_date"), ({"start_date": "10/05/2024"}, "start_date"), ({"title": "  "}, "title"),
])
def test_bad_course_input_is_400_naming_the_field(client, event_store, change, field):
    body = assert_problem(schedule(client, {**COURSE, **change}), 400)
    assert set(body["errors"]) == {field}
    assert event_store.head_position() == 0


def test_a_participant_needs_exactly_one_origin(client):
    course = schedule(client).get_json()
    both = assert_problem(enrol(client, course["id"], organisation_code="DOST"), 400)
    assert set(both["errors"]) == {"enterprise_id"}
    bad_id = assert_problem(enrol(client, course["id"], national_id="12AB"), 400)
    assert set(bad_id["errors"]) == {"national_id"}


# ---- courses ---------------------------------------------------------------------------------------------------------
def test_schedule_returns_201_with_etag_location_and_the_principals_department_as_organiser(client, event_store):
    response = schedule(client, department="DOLISA")
    assert response.status_code == 201 and response.headers["ETag"] == '"1"'
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{COURSES}/{body['id']}")
    assert body["organiser"] == "DOLISA" and body["status"] == "scheduled" and body["participants"] == []
    got = client.get(f"{COURSES}/{body['id']}", headers=auth(role="viewer"))
    assert got.status_code == 200 and got.get_json() == body and got.headers["ETag"] == '"1"'


def test_the_same_idempotency_key_schedules_once(client, event_store):
    first = schedule(client, **{"Idempotency-Key": "c-1"})
    again = schedule(client, **{"Idempotency-Key": "c-1"})
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert event_store.head_position() == 1


def test_enrolment_from_an_unknown_enterprise_is_422_naming_enterprise_id(client, event_store):
    course = schedule(client).get_json()
    body = assert_problem(enrol(client, course["id"], enterprise_id="never-registered"), 422)
    assert set(body["errors"]) == {"enterprise_id"} and "never-registered" in body["detail"]
    assert event_store.stream_version(course["id"]) == 1


def test_enrolment_beyond_capacity_is_409(client):
    course = schedule(client).get_json()
    assert enrol(client, course["id"], "Nguyễn Văn An").status_code == 201
    assert enrol(client, course["id"], "Trần Thị Bình", enterprise_id=None, organisation_code="DARD").status_code == 201
    body = assert_problem(enrol(client, course["id"], "Lê Văn Cường"), 409)
    assert body["type"].endswith("course-full") and body["capacity"] == 2


def test_enrolling_the_same_person_twice_is_409_and_the_national_id_is_never_returned(client):
    course = schedule(client).get_json()
    first = enrol(client, course["id"], national_id="087123456789")
    assert first.status_code == 201 and first.headers["ETag"] == '"2"'
    assert "087123456789" not in first.get_data(as_text=True)
    [participant] = first.get_json()["participants"]
    assert participant["identified_by"] == "national_id" and participant["district_code"] == "867"
    body = assert_problem(enrol(client, course["id"], "Nguyen Van An", national_id="087123456789"), 409)
    assert body["type"].endswith("already-enrolled") and body["participant_id"] == participant["id"]


def test_course_lifecycle_and_illegal_transition_names_the_current_state(client):
    course = schedule(client).get_json()
    participant = enrol(client, course["id"]).get_json()["participants"][0]
    held = client.post(f"{COURSES}/{course['id']}/hold", headers=auth())
    assert held.status_code == 200 and held.get_json()["status"] == "held"
    result = client.post(f"{COURSES}/{course['id']}/participants/{participant['id']}/result",
                         json={"attended": True, "completed": True}, headers=auth())
    assert result.get_json()["completed"] == 1
    assert client.post(f"{COURSES}/{course['id']}/close", headers=auth()).get_json()["status"] == "closed"
    body = assert_problem(client.post(f"{COURSES}/{course['id']}/cancel", json={"reason": "x"}, headers=auth()), 409)
    assert body["current_state"] == "closed" and "closed" in body["detail"]


def test_a_future_course_cannot_be_held_yet(client):
    start = province_today() + timedelta(days=10)
    course = schedule(client, {**COURSE, "start_date": start.isoformat(),
                               "end_date": (start + timedelta(days=1)).isoformat()}).get_json()
    body = assert_problem(client.post(f"{COURSES}/{course['id']}/hold", headers=auth()), 409)
    assert body["type"].endswith("course-not-started")


def test_a_stale_if_match_is_412(client, event_store):
    course = schedule(client).get_json()
    enrol(client, course["id"])
    response = client.post(f"{COURSES}/{course['id']}/hold", headers={**auth(), "If-Match": '"1"'})
    body = assert_problem(response, 412)
    assert body["current_version"] == 2 and response.headers["ETag"] == '"2"'
    assert event_store.stream_version(course["id"]) == 2


def test_unknown_course_is_404(client):
    assert_problem(client.get(f"{COURSES}/nope", headers=auth()), 404)
    assert_problem(client.post(f"{COURSES}/nope/hold", headers=auth()), 404)


# ---- experts and public verification -------------------------------------------------------------------------------
def certified_expert(client, valid_until: str = "2099-12-31") -> dict:
    course = schedule(client, {**COURSE, "topic": "expert_training"}).get_json()
    participant = enrol(client, course["id"], "Phạm Thị Hoa", national_id="087000000001").get_json()["participants"][0]
    client.post(f"{COURSES}/{course['id']}/hold", headers=auth())
    client.post(f"{COURSES}/{course['id']}/participants/{participant['id']}/result",
                json={"attended": True, "completed": True}, headers=auth())
    expert = client.post(EXPERTS, json={"full_name": "Phạm Thị Hoa", "national_id": "087000000001",
                                        "enterprise_id": "ent-1"}, headers=auth())
    assert expert.status_code == 201 and expert.get_json()["state"] == "candidate"
    expert_id = expert.get_json()["id"]
    trained = client.post(f"{EXPERTS}/{expert_id}/training", json={"course_ids": [course["id"]]}, headers=auth())
    assert trained.status_code == 200 and trained.get_json()["trained_on"] == "2024-05-11"
    certified = client.post(f"{EXPERTS}/{expert_id}/certification", headers=auth(), json={
        "certificate_number": "CG-2024-001", "issuer": "national_apo", "valid_from": "2024-06-01",
        "valid_until": valid_until})
    assert certified.status_code == 200, certified.data
    return certified.get_json()


def test_certificate_is_verified_without_a_token_and_shows_only_what_is_printed(client):
    expert = certified_expert(client)
    public_id = expert["certificate"]["public_id"]
    assert len(public_id) == 43 and expert["id"] not in public_id and expert["status"] == "valid"
    response = client.get(f"/api/v1/certificates/{public_id}")
    assert response.status_code == 200
    assert response.get_json() == {
        "public_id": public_id, "holder_name": "Phạm Thị Hoa", "certificate_number": "CG-2024-001",
        "issuer": "national_apo", "issuer_name": response.get_json()["issuer_name"], "valid_from": "2024-06-01",
        "valid_until": "2099-12-31", "status": "valid", "suspended_on": None}
    assert "087000000001" not in response.get_data(as_text=True)


def test_an_expired_certificate_says_so(client):
    expert = certified_expert(client, valid_until=(province_today() - timedelta(days=1)).isoformat())
    assert expert["status"] == "expired"
    response = client.get(f"/api/v1/certificates/{expert['certificate']['public_id']}")
    assert response.status_code == 200 and response.get_json()["status"] == "expired"


def test_suspended_then_revoked_certificate(client):
    expert = certified_expert(client)
    url = f"/api/v1/certificates/{expert['certificate']['public_id']}"
    client.post(f"{EXPERTS}/{expert['id']}/suspension", json={"reason": "đang xem xét",
                                                              "effective_on": "2024-09-01"}, headers=auth())
    suspended = client.get(url).get_json()
    assert suspended["status"] == "suspended" and suspended["suspended_on"] == "2024-09-01"
    revoked = client.post(f"{EXPERTS}/{expert['id']}/revocation", json={"reason": "vi phạm",
                                                                       "effective_on": "2024-10-01"}, headers=auth())
    assert revoked.get_json()["state"] == "revoked"
    body = assert_problem(client.get(url), 410)
    assert body["revoked_on"] == "2024-10-01" and "2024-10-01" in body["detail"]
    again = assert_problem(client.post(f"{EXPERTS}/{expert['id']}/reinstatement", json={}, headers=auth()), 409)
    assert again["current_state"] == "revoked"


def test_a_revoked_expert_certified_again_gets_a_new_public_id_and_the_old_one_still_answers_revoked(client):
    expert = certified_expert(client)
    old_url = f"/api/v1/certificates/{expert['certificate']['public_id']}"
    client.post(f"{EXPERTS}/{expert['id']}/revocation", json={"reason": "vi phạm", "effective_on": "2024-10-01"},
                headers=auth())
    same = client.post(f"{EXPERTS}/{expert['id']}/certification", headers=auth(), json={
        "certificate_number": "CG-2024-001", "issuer": "national_apo", "valid_from": "2025-01-01",
        "valid_until": "2099-12-31"})
    assert "certificate_number" in assert_problem(same, 422)["errors"]
    again = client.post(f"{EXPERTS}/{expert['id']}/certification", headers=auth(), json={
        "certificate_number": "CG-2025-007", "issuer": "national_apo", "valid_from": "2025-01-01",
        "valid_until": "2099-12-31"})
    assert again.status_code == 200, again.data
    renewed = again.get_json()
    assert renewed["state"] == "certified" and renewed["certificate"]["certificate_number"] == "CG-2025-007"
    assert renewed["certificate"]["public_id"] != expert["certificate"]["public_id"]
    assert [(old["certificate_number"], old["revoked_on"]) for old in renewed["revoked_certificates"]] == [
        ("CG-2024-001", "2024-10-01")]
    revoked = assert_problem(client.get(old_url), 410)
    assert revoked["certificate_number"] == "CG-2024-001" and revoked["revoked_on"] == "2024-10-01"
    valid = client.get(f"/api/v1/certificates/{renewed['certificate']['public_id']}")
    assert valid.status_code == 200 and valid.get_json()["certificate_number"] == "CG-2025-007"


@pytest.mark.parametrize("tamper", ["flip-last", "short", "garbage"])
def test_an_unknown_or_altered_public_id_is_404(client, tamper):
    public_id = certified_expert(client)["certificate"]["public_id"]
    altered = {"flip-last": public_id[:-1] + ("A" if public_id[-1] != "A" else "B"), "short": public_id[:20],
               "garbage": "!" * 43}[tamper]
    assert_problem(client.get(f"/api/v1/certificates/{altered}"), 404)


def test_training_not_completed_is_422_naming_course_ids(client):
    course = schedule(client, {**COURSE, "topic": "expert_training"}).get_json()
    expert = client.post(EXPERTS, json={"full_name": "Võ Văn Tâm", "organisation_code": "DOST"}, headers=auth())
    body = assert_problem(client.post(f"{EXPERTS}/{expert.get_json()['id']}/training",
                                      json={"course_ids": [course["id"]]}, headers=auth()), 422)
    assert set(body["errors"]) == {"course_ids"}


def test_certifying_a_candidate_is_409_naming_the_state(client):
    expert = client.post(EXPERTS, json={"full_name": "Võ Văn Tâm", "organisation_code": "DOST"}, headers=auth())
    body = assert_problem(client.post(f"{EXPERTS}/{expert.get_json()['id']}/certification", headers=auth(), json={
        "certificate_number": "X", "issuer": "local_programme", "valid_from": "2024-01-01",
        "valid_until": "2025-01-01"}), 409)
    assert body["current_state"] == "candidate"


# ---- outreach, honours, known enterprises, OpenAPI ------------------------------------------------------------------
def test_outreach_and_honour_are_recorded_by_the_principals_department(client, event_store):
    activity = client.post("/api/v1/outreach", headers=auth("DIC"), json={
        "kind": "tv_programme", "title": "Chuyên mục NSCL", "held_on": "2023-03-15", "reach": 12000})
    assert activity.status_code == 201 and activity.get_json()["department"] == "DIC"
    assert event_store.read_stream(activity.get_json()["id"])[0].occurred_at == "2023-03-15T00:00:00.000Z"
    got = client.get(f"/api/v1/outreach/{activity.get_json()['id']}", headers=auth(role="viewer"))
    assert got.get_json() == activity.get_json()
    honour = client.post("/api/v1/honours", headers=auth(), json={
        "recipient_kind": "collective", "recipient_name": "Công ty TNHH Sen Hồng", "enterprise_id": "ent-1",
        "kind": "Bằng khen của UBND Tỉnh", "decision_number": "123/QĐ-UBND", "decision_date": "2024-12-20"})
    assert honour.status_code == 201 and honour.get_json()["district_code"] == "867"
    unknown = client.post("/api/v1/honours", headers=auth(), json={
        "recipient_kind": "collective", "recipient_name": "X", "enterprise_id": "nope", "kind": "Giấy khen",
        "decision_number": "1", "decision_date": "2024-12-20"})
    assert set(assert_problem(unknown, 422)["errors"]) == {"enterprise_id"}
    assert_problem(client.post("/api/v1/outreach", headers=auth("DIC"), json={
        "kind": "tv_programme", "title": "X", "held_on": "2023-03-15", "reach": -1}), 400)


def test_known_enterprise_is_200_and_unknown_is_404(client):
    response = client.get("/api/v1/enterprises/ent-1", headers=auth(role="viewer"))
    assert response.status_code == 200
    assert response.get_json() == {"id": "ent-1", "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng",
                                   "district": {"code": "867", "name": "Thành phố Sa Đéc"}, "status": "open"}
    assert_problem(client.get("/api/v1/enterprises/nope", headers=auth()), 404)


def test_openapi_documents_every_command_and_the_public_verification_without_security(client):
    spec = client.get("/openapi.json").get_json()
    for path in ("/api/v1/courses", "/api/v1/courses/{course_id}/participants", "/api/v1/courses/{course_id}/hold",
                 "/api/v1/experts/{expert_id}/certification", "/api/v1/experts/{expert_id}/revocation",
                 "/api/v1/outreach", "/api/v1/honours"):
        assert "post" in spec["paths"][path], path
    verify = spec["paths"]["/api/v1/certificates/{public_id}"]["get"]
    assert verify["security"] == [] and "410" in verify["responses"]
