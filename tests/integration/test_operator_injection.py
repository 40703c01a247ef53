"""MongoDB operators smuggled in through bodies, query strings and paths are inert on the real server: refused
with 400 naming the field, or taken as plain text; they never widen a query or reach the store."""
from __future__ import annotations

import pytest

from services.registry.app import create_app
from services.registry.bootstrap import bootstrap
from services.registry.readmodel import RegistryReadModel
from shared.auth import Principal, TokenService
from shared.projection import StoreProjection

pytestmark = pytest.mark.integration


@pytest.fixture
def registry(settings, fresh_database, jwt_secret):
    service = bootstrap(settings, database=fresh_database)
    client = create_app(service=service).test_client()
    projection = StoreProjection("injection-test", service.store, fresh_database,
                                 RegistryReadModel(fresh_database, service.store, service.units).handle)
    headers = {"Authorization": f"Bearer {TokenService(jwt_secret).issue(Principal('it', 'DOST', 'clerk'))}"}
    for tax_code, name, district in (("1400000001", "Công ty Gạo Sa Đéc", "867"),
                                     ("1400000002", "HTX Xoài Cao Lãnh", "866")):
        answer = client.post("/api/v1/enterprises", headers=headers,
                             json={"tax_code": tax_code, "name": name, "district_code": district})
        assert answer.status_code == 201, answer.data
    projection.catch_up()
    return client, headers, service, projection


def listed(client, headers, query: dict) -> tuple[int, list[str], dict]:
    answer = client.get("/api/v1/enterprises", query_string=query, headers=headers)
    body = answer.get_json()
    return answer.status_code, [item["name"] for item in body.get("items", [])], body


@pytest.mark.parametrize("field, value", [
    ("name", {"$ne": ""}), ("tax_code", {"$gt": ""}), ("district_code", {"$in": ["866", "867"]}),
    ("name", ["$where", "sleep(1000)"]),
])
def test_an_operator_in_a_body_is_refused_naming_the_field_and_nothing_is_written(registry, field, value):
    client, headers, service, _ = registry
    before = service.store.head_position()
    body = {"tax_code": "1400000003", "name": "Công ty Mới", "district_code": "868", field: value}
    answer = client.post("/api/v1/enterprises", json=body, headers=headers)
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert service.store.head_position() == before


def test_operators_in_query_strings_never_widen_a_list(registry):
    client, headers, _, _ = registry
    assert listed(client, headers, {})[1] == ["Công ty Gạo Sa Đéc", "HTX Xoài Cao Lãnh"]
    for smuggled in ({"district_code[$ne]": "x"}, {"q[$regex]": ".*"}, {"$where": "1"}):
        status, _, body = listed(client, headers, smuggled)
        assert status == 400 and set(body["errors"]) == set(smuggled)
    # As a value, an operator's text is a value: a district code it is not, and a search for it finds nothing.
    status, _, body = listed(client, headers, {"district_code": '{"$ne": "x"}'})
    assert status == 400 and "district_code" in body["errors"]
    for text in (".*", "$ne", '{"$gt": ""}', "^"):
        status, names, _ = listed(client, headers, {"q": text})
        assert (status, names) == (200, []), text
    assert listed(client, headers, {"q": "sa dec"})[1] == ["Công ty Gạo Sa Đéc"]


def test_an_operator_in_a_path_names_nothing(registry):
    client, headers, _, _ = registry
    for path in ('/api/v1/enterprises/{"$ne": null}', "/api/v1/enterprises/$where",
                 "/api/v1/enterprises/%7B%22%24gt%22%3A%22%22%7D"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", path


def test_text_that_looks_like_an_operator_is_stored_and_found_as_text(registry):
    client, headers, service, projection = registry
    answer = client.post("/api/v1/enterprises", headers=headers,
                         json={"tax_code": "1400000004", "name": "Công ty $where {$ne}", "district_code": "868"})
    assert answer.status_code == 201, answer.data
    projection.catch_up()
    assert listed(client, headers, {"q": "$where {$ne}"})[1] == ["Công ty $where {$ne}"]
    assert service.store.read_stream(answer.get_json()["id"])[0].data["name"] == "Công ty $where {$ne}"
