"""Training's lists read its own read models, projected from its MongoDB event store (nx-27017)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.training import courses
from services.training.app import create_app
from services.training.bootstrap import bootstrap
from services.training.readmodel import COURSES, course_summary
from shared.aggregate import SNAPSHOT_EVERY
from shared.auth import Principal, TokenService
from shared.eventstore.mongo import SNAPSHOTS
from shared.projection import StoreProjection
from shared.reference import province_today
from tests.fakes import FakeKnownEnterprises

pytestmark = pytest.mark.integration
SA_DEC = {"id": "ent-sd", "name": "Công ty Bột Sa Đéc", "district_code": "867", "status": "open"}
LAP_VO = {"id": "ent-lv", "name": "HTX Lấp Vò", "district_code": "875", "status": "open"}


@pytest.fixture
def training(settings, fresh_database, jwt_secret):
    service = bootstrap(settings, database=fresh_database, known_enterprises=FakeKnownEnterprises(SA_DEC, LAP_VO))
    app = create_app(service=service)
    projection = StoreProjection("training-test", service.store, fresh_database, service.projection.handle,
                                 batch_size=7)
    issuer = TokenService(jwt_secret)

    def auth(department="DOST", role="clerk"):
        return {"Authorization": f"Bearer {issuer.issue(Principal('it', department, role))}"}
    yield app.test_client(), projection, auth  # the database's client is the session's: it closes it


def course(client, auth, department, topic, start, capacity=5):
    body = {"title": f"Khoá {topic} {start}", "kind": "training_class", "topic": topic, "start_date": start,
            "end_date": start, "venue": "Sa Đéc", "capacity": capacity}
    response = client.post("/api/v1/courses", json=body, headers=auth(department))
    assert response.status_code == 201, response.data
    return response.get_json()["id"]


def test_lists_filter_and_page_the_projected_read_models(training):
    client, projection, auth = training
    iso = course(client, auth, "DOST", "management_system", "2022-04-01")
    lean = course(client, auth, "DOIT", "improvement_tool", "2023-08-15")
    course(client, auth, "DOST", "nscl_awareness", "2023-09-01")
    client.post(f"/api/v1/courses/{iso}/participants", headers=auth(),
                json={"full_name": "Nguyễn An", "role": "leader", "enterprise_id": "ent-sd"})
    client.post(f"/api/v1/courses/{lean}/participants", headers=auth(),
                json={"full_name": "Trần Bình", "role": "worker", "enterprise_id": "ent-lv"})
    client.post(f"/api/v1/courses/{iso}/hold", headers=auth())
    for number, year in enumerate((2021, 2023, 2023)):
        client.post("/api/v1/outreach", headers=auth("DIC"), json={
            "kind": "website_article", "title": f"Bài {number}", "held_on": f"{year}-05-0{number + 1}", "reach": 500})
    expired = (province_today() - timedelta(days=1)).isoformat()
    for name, valid_until in (("Lê Cường", expired), ("Võ Dung", "2099-01-01")):
        expert_id = client.post("/api/v1/experts", headers=auth(),
                                json={"full_name": name, "organisation_code": "DOST"}).get_json()["id"]
        # the certified state needs a completed expert-training course; write those events through the API
        trainer = course(client, auth, "DOST", "expert_training", "2022-01-10")
        participant = client.post(f"/api/v1/courses/{trainer}/participants", headers=auth(), json={
            "full_name": name, "role": "official", "organisation_code": "DOST"}).get_json()["participants"][0]["id"]
        client.post(f"/api/v1/courses/{trainer}/hold", headers=auth())
        client.post(f"/api/v1/courses/{trainer}/participants/{participant}/result", headers=auth(),
                    json={"attended": True, "completed": True})
        assert client.post(f"/api/v1/experts/{expert_id}/training", headers=auth(),
                           json={"course_ids": [trainer]}).status_code == 200
        assert client.post(f"/api/v1/experts/{expert_id}/certification", headers=auth(), json={
            "certificate_number": f"CG-{name}", "issuer": "local_programme", "valid_from": "2022-02-01",
            "valid_until": valid_until}).status_code == 200

    def listed(path, **params):
        response = client.get(path, query_string=params, headers=auth(role="viewer"))
        assert response.status_code == 200, response.data
        return response.get_json()

    assert listed("/api/v1/courses")["total"] == 0  # nothing projected yet: lists are eventually consistent
    assert projection.catch_up() > 0

    assert listed("/api/v1/courses")["total"] == 5
    assert [row["id"] for row in listed("/api/v1/courses", district_code="867")["items"]] == [iso]
    assert [row["id"] for row in listed("/api/v1/courses", department="DOIT")["items"]] == [lean]
    assert listed("/api/v1/courses", year=2023)["total"] == 2
    assert listed("/api/v1/courses", topic="expert_training", status="held")["total"] == 2
    held = listed("/api/v1/courses", topic="management_system")["items"][0]
    assert (held["status"], held["enrolled"], held["districts"]) == ("held", 1, ["867"])
    page = listed("/api/v1/courses", page=2, page_size=2)
    assert (page["total"], page["pages"], len(page["items"])) == (5, 3, 2)
    assert "_id" not in page["items"][0]

    assert listed("/api/v1/outreach", year=2023, department="DIC")["total"] == 2
    assert [row["status"] for row in listed("/api/v1/experts")["items"]] == ["expired", "valid"]
    assert [row["full_name"] for row in listed("/api/v1/experts", status="valid")["items"]] == ["Võ Dung"]
    assert [row["full_name"] for row in listed("/api/v1/experts", status="expired")["items"]] == ["Lê Cường"]
    assert listed("/api/v1/experts", trained_year=2022)["total"] == 2

    assert projection.catch_up() == 0  # replaying nothing new changes nothing
    bad = client.get("/api/v1/courses", query_string={"year": "abc"}, headers=auth())
    assert bad.status_code == 400 and set(bad.get_json()["errors"]) == {"year"}


def test_a_long_course_answers_from_its_snapshot_as_from_its_whole_stream(training, settings, fresh_database):
    """More than ``SNAPSHOT_EVERY`` events: the commands keep a snapshot, a new process (nothing held) answers from it,
    and the projected row is the whole stream's."""
    client, projection, auth = training
    course_id = course(client, auth, "DOST", "nscl_awareness", "2024-03-01", capacity=500)
    for number in range(SNAPSHOT_EVERY + 4):
        enterprise = "ent-sd" if number % 2 else "ent-lv"
        enrolled = client.post(f"/api/v1/courses/{course_id}/participants", headers=auth(),
                               json={"full_name": f"Học viên {number}", "role": "worker", "enterprise_id": enterprise})
        assert enrolled.status_code == 201, enrolled.data
    assert client.post(f"/api/v1/courses/{course_id}/hold", headers=auth()).status_code == 200
    version = SNAPSHOT_EVERY + 6
    assert [kept["version"] for kept in fresh_database[SNAPSHOTS].find({"stream_id": course_id})] == [SNAPSHOT_EVERY]

    service = bootstrap(settings, database=fresh_database, known_enterprises=FakeKnownEnterprises(SA_DEC, LAP_VO))
    whole = courses.course_state(service.store.read_stream(course_id))
    assert whole is not None and whole.version == version and len(whole.participants) == SNAPSHOT_EVERY + 4
    again = create_app(service=service).test_client().get(f"/api/v1/courses/{course_id}", headers=auth())
    assert again.status_code == 200 and again.headers["ETag"] == f'"{version}"'
    first = client.get(f"/api/v1/courses/{course_id}", headers=auth())
    assert again.get_json() == first.get_json() and again.get_json()["enrolled"] == SNAPSHOT_EVERY + 4
    assert again.get_json()["status"] == "held"

    assert projection.catch_up() == version
    row = fresh_database[COURSES].find_one({"_id": course_id})
    assert {name: row[name] for name in course_summary(whole)} == course_summary(whole)
