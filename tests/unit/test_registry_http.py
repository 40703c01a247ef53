from __future__ import annotations

import json
import secrets

import pytest

from services.registry.app import create_app
from services.registry.bootstrap import bootstrap
from shared.auth import Principal, TokenService
from shared.claims import InMemoryUniqueClaims
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from tests.unit.http_helpers import assert_problem, auth, offline_settings

ENTERPRISES = "/api/v1/enterprises"
VALID_BODY = {"tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "867",
              "registered_on": "2024-03-01"}


@pytest.fixture
def event_store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
def app(event_store, tmp_path):
    settings = offline_settings(tmp_path)
    app = create_app(service=bootstrap(settings, store=event_store, claims=InMemoryUniqueClaims()))
    yield app
    app.extensions["nscl"].mongo.close()


@pytest.fixture
def client(app):
    return app.test_client()



def register(client, body=None, **headers):
    return client.post(ENTERPRISES, json=VALID_BODY if body is None else body, headers={**auth(), **headers})



# ---- authentication and authorisation ----------------------------------------------------------------
def test_no_token_is_401_problem_with_www_authenticate(client):
    response = client.post(ENTERPRISES, json=VALID_BODY)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_signed_with_another_secret_is_401(client, event_store):
    foreign = TokenService(secrets.token_hex(32)).issue(Principal("x", "DOST", "admin"))
    response = client.post(ENTERPRISES, json=VALID_BODY, headers={"Authorization": f"Bearer {foreign}"})
    assert_problem(response, 401)
    assert event_store.head_position() == 0


def test_viewer_may_not_register(client, event_store):
    response = client.post(ENTERPRISES, json=VALID_BODY, headers=auth(role="viewer"))
    assert_problem(response, 403)
    assert event_store.head_position() == 0


def test_a_department_outside_the_registry_writers_may_not_register(client, event_store):
    response = client.post(ENTERPRISES, json=VALID_BODY, headers=auth(department="DIC"))
    assert_problem(response, 403)
    assert event_store.head_position() == 0


# ---- validation ---------------------------------------------------------------------------------------
def test_a_bad_tax_code_is_400_naming_tax_code(client, event_store):
    body = assert_problem(register(client, {**VALID_BODY, "tax_code": "14001234AB"}), 400)
    assert set(body["errors"]) == {"tax_code"}
    assert event_store.head_position() == 0


def test_a_missing_name_is_400_naming_name(client, event_store):
    without_name = {key: value for key, value in VALID_BODY.items() if key != "name"}
    body = assert_problem(register(client, without_name), 400)
    assert set(body["errors"]) == {"name"}
    assert event_store.head_position() == 0


def test_an_unknown_district_is_422_naming_district_code(client):
    body = assert_problem(register(client, {**VALID_BODY, "district_code": "999"}), 422)
    assert set(body["errors"]) == {"district_code"}


# ---- register, read, update ---------------------------------------------------------------------------
def test_register_returns_201_with_etag_location_and_body(client, event_store):
    response = register(client)

    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{ENTERPRISES}/{body['id']}")
    assert {key: body[key] for key in ("tax_code", "name", "district", "registered_on", "status", "version")} == {
        "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng",
        "district": {"code": "867", "name": "Thành phố Sa Đéc"}, "registered_on": "2024-03-01",
        "status": "open", "version": 1}
    assert (body["products"], body["certifications"], body["priority_groups"]) == ([], [], [])
    assert event_store.head_position() == 1
    [event] = event_store.read_stream(body["id"])
    assert (event.actor, event.department, event.occurred_at) == ("test-dost-clerk", "DOST",
                                                                  "2024-03-01T00:00:00.000Z")


def test_get_returns_the_enterprise_with_its_etag(client):
    created = register(client).get_json()

    response = client.get(f"{ENTERPRISES}/{created['id']}", headers=auth(role="viewer"))

    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.get_json() == {name: value for name, value in created.items() if name != "contact"}


def test_patch_with_current_if_match_updates_and_bumps_the_etag(client):
    created = register(client).get_json()

    response = client.patch(f"{ENTERPRISES}/{created['id']}", json={"district_code": "875"},
                            headers={**auth(), "If-Match": '"1"'})

    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    body = response.get_json()
    assert body["district"] == {"code": "875", "name": "Huyện Lấp Vò"}
    assert body["version"] == 2
    assert client.get(f"{ENTERPRISES}/{created['id']}", headers=auth()).headers["ETag"] == '"2"'


def test_patch_with_a_stale_if_match_is_412_with_the_current_version(client, event_store):
    created = register(client).get_json()
    url = f"{ENTERPRISES}/{created['id']}"
    assert client.patch(url, json={"name": "Tên mới"}, headers={**auth(), "If-Match": '"1"'}).status_code == 200

    response = client.patch(url, json={"name": "Tên khác"}, headers={**auth(), "If-Match": '"1"'})

    body = assert_problem(response, 412)
    assert body["current_version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert event_store.stream_version(created["id"]) == 2
    assert client.get(url, headers=auth()).get_json()["name"] == "Tên mới"


@pytest.mark.parametrize("if_match", ["abc", '"v1"', '"1", "2"', '"1', '1', 'W/"1"'])
def test_a_malformed_if_match_is_400(client, event_store, if_match):
    created = register(client).get_json()

    response = client.patch(f"{ENTERPRISES}/{created['id']}", json={"name": "Tên mới"},
                            headers={**auth(), "If-Match": if_match})

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"If-Match"}
    assert event_store.stream_version(created["id"]) == 1


def test_patch_without_a_change_appends_nothing(client, event_store):
    created = register(client).get_json()

    response = client.patch(f"{ENTERPRISES}/{created['id']}", json={"name": created["name"]}, headers=auth())

    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert event_store.head_position() == 1


def test_patch_of_an_unknown_enterprise_is_404(client):
    response = client.patch(f"{ENTERPRISES}/no-such-enterprise", json={"name": "Tên"}, headers=auth())
    assert_problem(response, 404)


# ---- idempotency --------------------------------------------------------------------------------------
def test_a_repeated_update_answers_as_the_first_did_even_once_the_enterprise_changed_again(client, event_store):
    created = register(client).get_json()
    path = f"{ENTERPRISES}/{created['id']}"
    first = client.patch(path, json={"name": "Tên thứ hai"}, headers={**auth(), "Idempotency-Key": "upd-1"})
    at_once = client.patch(path, json={"name": "Tên thứ hai"}, headers={**auth(), "Idempotency-Key": "upd-1"})
    assert at_once.headers["Idempotent-Replayed"] == "true"  # the state decides nothing now; the key answers
    client.patch(path, json={"name": "Tên thứ ba"}, headers=auth())
    again = client.patch(path, json={"name": "Tên thứ hai"}, headers={**auth(), "Idempotency-Key": "upd-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true" and again.headers["ETag"] == first.headers["ETag"] == '"2"'
    assert again.get_json()["name"] == "Tên thứ hai" and event_store.head_position() == 3
    same = client.patch(path, json={"name": "Tên thứ ba"}, headers={**auth(), "Idempotency-Key": "upd-2"})
    assert same.status_code == 200 and "Idempotent-Replayed" not in same.headers  # nothing to change: not a replay
    again = client.patch(path, json={"name": "Tên thứ ba"}, headers={**auth(), "Idempotency-Key": "upd-1"})
    assert again.status_code == 422 and event_store.head_position() == 3  # the key with another request


def test_a_registration_repeated_after_its_tax_code_was_released_keeps_no_claim(client, app, event_store):
    first = register(client, **{"Idempotency-Key": "reg-1"}).get_json()
    client.post(f"{ENTERPRISES}/{first['id']}/close", json={"reason": "Giải thể"}, headers=auth())
    claims = app.extensions["nscl"].dependencies.claims
    assert claims.holder(VALID_BODY["tax_code"]) is None  # released by the closing
    again = register(client, **{"Idempotency-Key": "reg-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first["id"] and event_store.head_position() == 2
    assert claims.holder(VALID_BODY["tax_code"]) is None  # what the repeat claimed on its way was given back


def test_the_same_idempotency_key_twice_registers_once(client, event_store):
    first = register(client, **{"Idempotency-Key": "req-001"})
    second = register(client, **{"Idempotency-Key": "req-001"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["ETag"] == '"1"'
    assert event_store.head_position() == 1


def test_different_idempotency_keys_register_twice(client, event_store):
    first = register(client, **{"Idempotency-Key": "req-001"})
    second = register(client, {**VALID_BODY, "tax_code": "1400123457"}, **{"Idempotency-Key": "req-002"})
    assert first.get_json()["id"] != second.get_json()["id"]
    assert event_store.head_position() == 2


def test_the_same_idempotency_key_with_a_different_body_is_422(client, event_store):
    register(client, **{"Idempotency-Key": "req-001"})

    response = register(client, {**VALID_BODY, "name": "Tên khác"}, **{"Idempotency-Key": "req-001"})

    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"Idempotency-Key"}
    assert event_store.head_position() == 1


def test_an_overlong_idempotency_key_is_400(client, event_store):
    body = assert_problem(register(client, **{"Idempotency-Key": "k" * 201}), 400)
    assert set(body["errors"]) == {"Idempotency-Key"}
    assert event_store.head_position() == 0


# ---- reading ------------------------------------------------------------------------------------------
def test_get_of_an_unknown_enterprise_is_404_problem(client):
    body = assert_problem(client.get(f"{ENTERPRISES}/no-such-enterprise", headers=auth()), 404)
    assert body["instance"] == f"{ENTERPRISES}/no-such-enterprise"


def test_openapi_lists_the_enterprises_path_and_the_bearer_scheme(client):
    spec = client.get("/openapi.json").get_json()
    assert "/api/v1/enterprises" in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/enterprises"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"bearerAuth": []} in spec["security"]


# ---- the audit endpoints ------------------------------------------------------------------------------
def test_auditor_lists_the_events(client):
    first = register(client).get_json()
    client.patch(f"{ENTERPRISES}/{first['id']}", json={"name": "Tên mới"}, headers=auth())

    response = client.get("/api/v1/events/", headers=auth(role="auditor"))

    assert response.status_code == 200
    body = response.get_json()
    assert [(event["position"], event["event_type"]) for event in body["events"]] == [
        (1, "EnterpriseRegistered"), (2, "EnterpriseProfileUpdated")]
    assert {event["stream_id"] for event in body["events"]} == {first["id"]}
    assert body["head_position"] == 2
    assert body["next_from_position"] == 3


def test_the_event_log_pages_by_position(client):
    for number in range(3):
        register(client, {**VALID_BODY, "name": f"Doanh nghiệp {number}", "tax_code": f"140012345{number}"})

    page = client.get("/api/v1/events/?from_position=2&limit=1", headers=auth(role="auditor")).get_json()

    assert [event["position"] for event in page["events"]] == [2]
    assert page["next_from_position"] == 3
    assert page["head_position"] == 3


def test_viewer_may_not_list_the_events(client):
    register(client)
    assert_problem(client.get("/api/v1/events/", headers=auth(role="viewer")), 403)


def test_verify_reports_an_intact_chain(client):
    register(client)
    register(client, {**VALID_BODY, "tax_code": "1400123456-001"})

    response = client.get("/api/v1/events/verify", headers=auth(role="auditor"))

    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert body["checked"] == 2
    assert body["problems"] == []


def test_verify_reports_an_edited_event(client, event_store):
    register(client)
    event_store.commit_at(1)["events"][0]["data"]["name"] = "Tên đã sửa"

    body = client.get("/api/v1/events/verify", headers=auth(role="auditor")).get_json()

    assert body["ok"] is False
    assert [problem["position"] for problem in body["problems"]] == [1]


def test_a_blank_name_is_400_naming_name(client, event_store):
    body = assert_problem(register(client, {**VALID_BODY, "name": "   "}), 400)
    assert set(body["errors"]) == {"name"}
    assert event_store.head_position() == 0


def test_patch_of_an_unknown_enterprise_with_if_match_is_404_not_412(client):
    response = client.patch(f"{ENTERPRISES}/no-such-id", json={"name": "Tên"}, headers={**auth(), "If-Match": '"1"'})
    assert_problem(response, 404)


def test_the_same_json_with_other_key_order_and_spacing_is_the_same_idempotent_request(client, event_store):
    first = client.post(ENTERPRISES, data=json.dumps(VALID_BODY), content_type="application/json",
                        headers={**auth(), "Idempotency-Key": "k-json"})
    reordered = json.dumps(dict(reversed(list(VALID_BODY.items()))), indent=2)
    again = client.post(ENTERPRISES, data=reordered, content_type="application/json",
                        headers={**auth(), "Idempotency-Key": "k-json"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["id"] == first.json["id"]
    assert event_store.head_position() == 1


class StoreWithARivalWriter(InMemoryEventStore):
    """Another clerk's update lands between this request's read and its append."""

    def __init__(self) -> None:
        super().__init__()
        self.rival_armed = False

    def append(self, stream_id, expected_version, events, meta, idempotency_key=None, request_hash=None, **options):
        if self.rival_armed:
            self.rival_armed = False
            super().append(stream_id, expected_version, [NewEvent("EnterpriseProfileUpdated", {"name": "Rival"})],
                           Metadata("rival-clerk", "DOST"))
        return super().append(stream_id, expected_version, events, meta, idempotency_key, request_hash, **options)


def test_a_race_lost_at_append_is_409_with_the_current_version(tmp_path):
    racing = StoreWithARivalWriter()
    settings = offline_settings(tmp_path)
    app = create_app(service=bootstrap(settings, store=racing, claims=InMemoryUniqueClaims()))
    client = app.test_client()
    created = register(client).get_json()
    racing.rival_armed = True
    response = client.patch(f"{ENTERPRISES}/{created['id']}", json={"name": "Tên mới"},
                            headers={**auth(), "If-Match": '"1"'})
    body = assert_problem(response, 409)
    assert body["current_version"] == 2 and response.headers["ETag"] == '"2"'
    assert racing.read_stream(created["id"])[-1].data == {"name": "Rival"}
    app.extensions["nscl"].mongo.close()


def test_a_tax_code_of_an_open_enterprise_cannot_be_registered_again(client, event_store):
    first = register(client).get_json()
    body = assert_problem(register(client, {**VALID_BODY, "name": "Doanh nghiệp khác"}), 409)
    assert body["existing_id"] == first["id"] and set(body["errors"]) == {"tax_code"}
    assert event_store.head_position() == 1


def test_a_closed_enterprise_frees_its_tax_code(client, event_store):
    first = register(client).get_json()
    closed = client.post(f"{ENTERPRISES}/{first['id']}/close", json={"reason": "Giải thể", "closed_on": "2025-01-31"},
                         headers=auth())
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    again = register(client, {**VALID_BODY, "registered_on": "2025-03-01"})
    assert again.status_code == 201 and again.get_json()["id"] != first["id"]


def test_a_closed_enterprise_takes_no_more_changes(client):
    first = register(client).get_json()
    client.post(f"{ENTERPRISES}/{first['id']}/close", json={"reason": "Giải thể"}, headers=auth())
    body = assert_problem(client.patch(f"{ENTERPRISES}/{first['id']}", json={"name": "Tên mới"}, headers=auth()), 409)
    assert body["type"].endswith("enterprise-closed")


def test_the_app_starts_without_reaching_its_database_and_documents_the_command_headers(tmp_path):
    """gunicorn forks after import and a database may be down at start: nothing connects until a request."""
    app = create_app(offline_settings(tmp_path))
    spec = app.test_client().get("/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/enterprises/{enterprise_id}"]["patch"]["parameters"]
    assert {parameter["name"] for parameter in parameters} >= {"Idempotency-Key", "If-Match"}
    app.extensions["nscl"].mongo.close()
