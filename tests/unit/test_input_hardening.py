"""Bad input is always a clear 4xx problem+json naming what is wrong, never a 500 (issue 10, "Input" and
"References and dates"). Each service through Flask's test client, on in-memory stores."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.registry import seed
from services.registry.app import create_app as registry_app
from services.registry.bootstrap import bootstrap as registry_bootstrap
from services.reporting.app import create_app as reporting_app
from services.support.app import create_app as support_app
from services.support.bootstrap import bootstrap as support_bootstrap
from services.training.app import create_app as training_app
from services.training.bootstrap import bootstrap as training_bootstrap
from shared.claims import InMemoryUniqueClaims
from shared.eventstore.memory import InMemoryEventStore
from shared.reference import province_today
from tests.fakes import FakeKnownEnterprises
from tests.unit.http_helpers import assert_problem, auth, offline_settings

ENTERPRISE = {"id": "ent-1", "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "867",
              "district_name": "Thành phố Sa Đéc", "status": "open"}
REGISTRATION = {"tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "867",
                "registered_on": "2024-03-01"}
PROPOSAL = {"enterprise_id": "ent-1", "support_type": "traceability", "need": "Truy xuất nguồn gốc",
            "requested_amount": 90_000_000, "proposed_on": "2024-02-01"}
COURSE = {"title": "Áp dụng ISO 9001", "kind": "training_class", "topic": "management_system",
          "start_date": "2024-05-10", "end_date": "2024-05-11", "venue": "Cao Lãnh", "capacity": 2}
TOO_BIG = 2**63  # one beyond what MongoDB stores


@pytest.fixture
def stores():
    return {"registry": InMemoryEventStore(), "support": InMemoryEventStore(), "training": InMemoryEventStore()}


@pytest.fixture
def apps(stores, tmp_path):
    known = FakeKnownEnterprises(ENTERPRISE)
    registry = registry_bootstrap(offline_settings(tmp_path), store=stores["registry"], claims=InMemoryUniqueClaims())
    built = {
        "registry": registry_app(service=registry),
        "support": support_app(service=support_bootstrap(offline_settings(tmp_path), store=stores["support"],
                                                         known_enterprises=known)),
        "training": training_app(service=training_bootstrap(offline_settings(tmp_path), store=stores["training"],
                                                            known_enterprises=known)),
        "reporting": reporting_app(offline_settings(tmp_path)),
    }
    built["registry"].extensions["nscl.seeded"] = seed.seed_reference(registry)
    yield built
    for app in built.values():
        app.extensions["nscl"].mongo.close()


@pytest.fixture
def registry(apps):
    return apps["registry"].test_client()


@pytest.fixture
def support(apps):
    return apps["support"].test_client()


@pytest.fixture
def training(apps):
    return apps["training"].test_client()


def field_error(response, status: int, field: str) -> list[str]:
    body = assert_problem(response, status)
    assert field in body.get("errors", {}), body
    return body["errors"][field]


def raw_post(client, path: str, text: str, department: str = "DOST", **headers):
    return client.post(path, data=text.encode("utf-8"), content_type="application/json",
                       headers={**auth(department), **headers})


# ---- integers beyond 64 bits ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("service", "path"), [
    ("registry", "/api/v1/enterprises"), ("registry", "/api/v1/conformity-bodies/"), ("support", "/api/v1/cases"),
    ("training", "/api/v1/courses"), ("training", "/api/v1/experts"), ("training", "/api/v1/outreach"),
    ("reporting", "/api/v1/dead-letters")])
def test_a_page_beyond_64_bits_is_400_naming_page(apps, service, path):
    # an auditor reads every list, dead letters included
    response = apps[service].test_client().get(f"{path}?page=99999999999999999999", headers=auth(role="auditor"))
    field_error(response, 400, "page")


def test_a_log_position_beyond_64_bits_is_400(registry):
    response = registry.get(f"/api/v1/events/?from_position={TOO_BIG}", headers=auth(role="auditor"))
    field_error(response, 400, "from_position")


def test_an_amount_beyond_64_bits_is_400_and_nothing_is_stored(support, stores):
    response = support.post("/api/v1/cases", json={**PROPOSAL, "requested_amount": TOO_BIG}, headers=auth())
    field_error(response, 400, "requested_amount")
    assert stores["support"].head_position() == 0


def test_a_budget_beyond_64_bits_is_400_naming_the_source(support):
    case_id = support.post("/api/v1/cases", json=PROPOSAL, headers=auth()).get_json()["id"]
    response = support.post(f"/api/v1/cases/{case_id}/approval", headers=auth(),
                            json={"budget": {"state_st_budget": TOO_BIG}, "approved_on": "2024-03-01"})
    field_error(response, 400, "budget.state_st_budget")


@pytest.mark.parametrize("capacity", [1.5, 2.0, True, "2"])
def test_capacity_must_be_a_json_integer(training, capacity):
    response = training.post("/api/v1/courses", json={**COURSE, "capacity": capacity}, headers=auth())
    assert field_error(response, 400, "capacity") == ["phải là số nguyên"]


def test_integers_in_the_query_string_are_still_read_from_text(training):
    response = training.get("/api/v1/courses?year=2024&page=1", headers=auth())
    assert response.status_code != 400, response.data  # no database here: anything but a validation error


# ---- JSON that parses but must not be kept --------------------------------------------------------------------
@pytest.mark.parametrize(("service", "path"), [("registry", "/api/v1/enterprises"), ("support", "/api/v1/cases"),
                                                ("training", "/api/v1/courses")])
@pytest.mark.parametrize("depth", [100, 2000, 100_000])
def test_json_nested_too_deep_is_400(apps, service, path, depth):
    response = raw_post(apps[service].test_client(), path, "[" * depth + "]" * depth)
    assert "_schema" in assert_problem(response, 400)["errors"]


def test_json_nested_within_the_limit_reaches_validation(registry):
    nested = '{"name": ' + "[" * 40 + "]" * 40 + "}"
    response = raw_post(registry, "/api/v1/enterprises", nested)
    assert "name" in assert_problem(response, 400)["errors"]


def test_a_lone_surrogate_is_400_naming_the_field(registry, stores):
    text = json.dumps(REGISTRATION)[:-1] + ', "contact": {"representative": "An \\ud800"}}'
    head = stores["registry"].head_position()
    response = raw_post(registry, "/api/v1/enterprises", text, **{"Idempotency-Key": "k-1"})
    field_error(response, 400, "contact.representative")
    assert stores["registry"].head_position() == head


def test_a_lone_surrogate_in_a_key_is_400(support):
    text = json.dumps(PROPOSAL)[:-1] + ', "\\udfff": 1}'
    response = raw_post(support, "/api/v1/cases", text)
    assert any(name.startswith("\\udfff") for name in assert_problem(response, 400)["errors"])


def test_a_lone_surrogate_on_a_route_without_a_body_is_not_a_500(training):
    course_id = training.post("/api/v1/courses", json=COURSE, headers=auth()).get_json()["id"]
    response = raw_post(training, f"/api/v1/courses/{course_id}/hold", '{"x": "\\ud800"}',
                        **{"Idempotency-Key": "k-2"})
    assert response.status_code < 500, response.data


def test_a_number_too_long_to_read_is_400(support):
    text = json.dumps(PROPOSAL).replace("90000000", "9" * 5000)
    response = raw_post(support, "/api/v1/cases", text)
    assert_problem(response, 400)


# ---- dates and times -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1999-12-31T00:00:00Z"])
def test_an_instant_out_of_range_on_stream_history_is_400(registry, as_of):
    response = registry.get("/api/v1/events/streams/orgunit-87", query_string={"as_of": as_of},
                            headers=auth(role="auditor"))
    field_error(response, 400, "as_of")


@pytest.mark.parametrize("path", ["/api/v1/indicators", "/api/v1/indicators/I1", "/api/v1/views/DOST",
                                  "/api/v1/exports/indicators.csv"])
def test_an_instant_out_of_range_on_reporting_is_400(apps, path):
    response = apps["reporting"].test_client().get(
        path, query_string={"period": "2024", "as_of": "0001-01-01T00:00:00+14:00"}, headers=auth())
    field_error(response, 400, "as_of")


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_a_business_date_out_of_range_is_400(registry, day):
    response = registry.post("/api/v1/enterprises", json={**REGISTRATION, "registered_on": day}, headers=auth())
    field_error(response, 400, "registered_on")


def test_a_date_of_something_done_may_not_be_in_the_future(support):
    later = (province_today() + timedelta(days=10)).isoformat()
    response = support.post("/api/v1/cases", json={**PROPOSAL, "proposed_on": later}, headers=auth())
    assert field_error(response, 400, "proposed_on") == ["không được sau ngày hôm nay"]


def test_a_planned_date_may_be_in_the_future(training):
    start = province_today() + timedelta(days=30)
    body = {**COURSE, "start_date": start.isoformat(), "end_date": (start + timedelta(days=1)).isoformat()}
    assert training.post("/api/v1/courses", json=body, headers=auth()).status_code == 201


def test_a_query_date_out_of_range_is_400(registry):
    field_error(registry.get("/api/v1/units/866?on=0001-01-01", headers=auth()), 400, "on")


# ---- body size --------------------------------------------------------------------------------------------------
def test_a_body_over_the_limit_is_413_problem_json(registry, stores):
    big = {**REGISTRATION, "contact": {"representative": "x" * (1024 * 1024)}}
    response = registry.post("/api/v1/enterprises", json=big, headers=auth())
    body = assert_problem(response, 413)
    assert body["title"] == "Nội dung yêu cầu quá lớn" and "1048576" in body["detail"]


def test_the_body_limit_is_configurable(tmp_path):
    settings = offline_settings(tmp_path)
    from dataclasses import replace
    app = registry_app(service=registry_bootstrap(replace(settings, max_body_bytes=100),
                                                  store=InMemoryEventStore(), claims=InMemoryUniqueClaims()))
    try:
        response = app.test_client().post("/api/v1/enterprises", json=REGISTRATION, headers=auth())
        assert_problem(response, 413)
    finally:
        app.extensions["nscl"].mongo.close()


def test_an_address_too_long_is_414_problem_json(registry):
    body = assert_problem(registry.get("/api/v1/enterprises?q=" + "a" * 4100, headers=auth()), 414)
    assert body["title"] == "Địa chỉ yêu cầu quá dài"


def test_a_header_too_large_is_431_problem_json(registry):
    response = registry.get("/api/v1/enterprises", headers={**auth(), "X-Padding": "a" * 8100})
    assert assert_problem(response, 431)["title"] == "Tiêu đề yêu cầu quá lớn"


def test_an_unknown_address_is_404_problem_json_in_vietnamese(registry):
    body = assert_problem(registry.get("/api/v1/no-such-thing", headers=auth()), 404)
    assert body["title"] == "Không tìm thấy"


# ---- codes and identifiers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("tax_code", ["１４００１２３４５６", "1400123456\n", "٠١٢٣٤٥٦٧٨٩", "1400123456-００1"])
def test_a_tax_code_takes_ascii_digits_only(registry, tax_code):
    response = registry.post("/api/v1/enterprises", json={**REGISTRATION, "tax_code": tax_code}, headers=auth())
    field_error(response, 400, "tax_code")


@pytest.mark.parametrize("national_id", ["087190123456x", "０８７１９０１２３４５６", "08719012345", "087190123456\n"])
def test_a_national_id_is_9_or_12_ascii_digits_and_nothing_else(training, national_id):
    course_id = training.post("/api/v1/courses", json=COURSE, headers=auth()).get_json()["id"]
    response = training.post(f"/api/v1/courses/{course_id}/participants", headers=auth(), json={
        "full_name": "Nguyễn Văn An", "role": "manager", "enterprise_id": "ent-1", "national_id": national_id})
    field_error(response, 400, "national_id")


@pytest.mark.parametrize("industry_code", ["A123\n", "Ａ123", "A１２３"])
def test_an_industry_code_is_matched_whole(registry, industry_code):
    response = registry.post("/api/v1/enterprises", json={**REGISTRATION, "industry_code": industry_code},
                             headers=auth())
    field_error(response, 400, "industry_code")


@pytest.mark.parametrize("code", ["X1\n", "X１"])
def test_a_unit_code_is_matched_whole(registry, code):
    response = registry.post("/api/v1/units", headers=auth(), json={
        "code": code, "name": "Phường mới", "category": "administrative_unit", "level": "commune",
        "effective_from": "2025-07-01"})
    field_error(response, 400, "code")


@pytest.mark.parametrize("name", ["Sen\x00Hồng", "Sen\x07Hồng", "Sen\nHồng", "Sen\ue000Hồng", "Sen\u202eHồng",
                                  "Sen\x85Hồng"])
def test_a_name_refuses_control_and_private_use_characters(registry, name):
    response = registry.post("/api/v1/enterprises", json={**REGISTRATION, "name": name}, headers=auth())
    assert field_error(response, 400, "name")[0].startswith("chứa ký tự không được phép")


def test_a_long_description_keeps_its_line_breaks_but_not_nul(support):
    assert support.post("/api/v1/cases", json={**PROPOSAL, "need": "Dòng 1\nDòng 2\tA"},
                        headers=auth()).status_code == 201
    field_error(support.post("/api/v1/cases", json={**PROPOSAL, "need": "Dòng 1\x00"}, headers=auth()), 400, "need")


def test_text_inside_lists_is_checked_too(registry):
    enterprise_id = registry.post("/api/v1/enterprises", json=REGISTRATION, headers=auth()).get_json()["id"]
    response = registry.post(f"/api/v1/enterprises/{enterprise_id}/surveys", headers=auth(),
                             json={"surveyed_on": "2024-04-01", "needs": ["ISO\x00"]})
    assert any(name.startswith("needs") for name in assert_problem(response, 400)["errors"])


@pytest.mark.parametrize("given", ["<script>alert(1)</script>", "x" * 4000, "abc def", ""])
def test_an_unfit_correlation_id_is_replaced_by_a_fresh_one(registry, stores, given):
    response = registry.post("/api/v1/enterprises", json=REGISTRATION,
                             headers={**auth(), "X-Correlation-Id": given})
    assert response.status_code == 201
    stored = stores["registry"].read_stream(response.get_json()["id"])[0].correlation_id
    assert stored != given and len(stored) <= 100


def test_a_fit_correlation_id_is_kept(registry, stores):
    response = registry.post("/api/v1/enterprises", json=REGISTRATION,
                             headers={**auth(), "X-Correlation-Id": "req-2024.03:01_a"})
    assert stores["registry"].read_stream(response.get_json()["id"])[0].correlation_id == "req-2024.03:01_a"


# ---- unknown parameters --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("service", "path"), [
    ("registry", "/api/v1/enterprises"), ("registry", "/api/v1/conformity-bodies/"), ("registry", "/api/v1/units"),
    ("registry", "/api/v1/units/866"), ("registry", "/api/v1/events/"), ("support", "/api/v1/cases"),
    ("training", "/api/v1/courses"), ("training", "/api/v1/experts"), ("training", "/api/v1/outreach"),
    ("training", "/api/v1/honours"), ("reporting", "/api/v1/indicators"), ("reporting", "/api/v1/reports"),
    ("reporting", "/api/v1/dead-letters"), ("reporting", "/api/v1/units")])
def test_an_unknown_query_parameter_is_400_naming_it(apps, service, path):
    response = apps[service].test_client().get(path, query_string={"district_code[$ne]": "x", "period": "2024"},
                                               headers=auth(role="admin"))
    field_error(response, 400, "district_code[$ne]")


def test_an_unknown_body_field_is_400_in_vietnamese(registry):
    response = registry.post("/api/v1/enterprises", json={**REGISTRATION, "$where": "1"}, headers=auth())
    assert field_error(response, 400, "$where") == ["trường không được hỗ trợ"]


# ---- who may act, before what they send ------------------------------------------------------------------------
@pytest.mark.parametrize("step", ["approval", "rejection", "milestones", "completion", "cancellation"])
def test_a_department_that_may_never_act_gets_403_before_its_body_is_read(support, step):
    response = support.post(f"/api/v1/cases/no-such-case/{step}", json={"nonsense": 1}, headers=auth("DOF"))
    assert_problem(response, 403)


def test_an_unknown_case_is_403_not_404_for_a_department_without_the_right(support):
    response = support.post("/api/v1/cases/no-such-case/approval", headers=auth("DOF"),
                            json={"budget": {"state_st_budget": 1}, "approved_on": "2024-03-01"})
    assert_problem(response, 403)
    response = support.post("/api/v1/cases/no-such-case/disbursements", headers=auth("DOST"),
                            json={"amount": 1, "source": "state_st_budget"})
    assert_problem(response, 403)


def test_an_unknown_case_is_still_404_for_the_department_with_the_right(support):
    response = support.post("/api/v1/cases/no-such-case/approval", headers=auth("DOST"),
                            json={"budget": {"state_st_budget": 1}, "approved_on": "2024-03-01"})
    assert_problem(response, 404)


def test_a_department_that_proposes_nothing_gets_403_before_its_body_is_read(support):
    assert_problem(support.post("/api/v1/cases", json={}, headers=auth("DOF")), 403)


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/units/866/rename", "/api/v1/units/866/merge",
                                  "/api/v1/units/866/abolish"])
def test_only_the_steward_changes_units_and_others_learn_nothing_of_the_body(registry, path):
    assert_problem(registry.post(path, json={"nonsense": 1}, headers=auth("DPI")), 403)


def test_require_must_sit_above_arguments():
    from marshmallow import Schema

    from shared.http import ServiceBlueprint, require
    blp = ServiceBlueprint("wrong_order", __name__)
    with pytest.raises(TypeError, match="above"):
        blp.arguments(Schema)(require("write")(lambda body: body))


# ---- references ------------------------------------------------------------------------------------------------
ABOLITION = {"reason": "Bỏ cấp huyện", "effective_from": "2025-07-01"}


def test_abolishing_with_a_successor_that_names_nothing_is_422(registry):
    response = registry.post("/api/v1/units/866/abolish", json={**ABOLITION, "successor_code": "NO-SUCH-UNIT"},
                             headers=auth())
    field_error(response, 422, "successor_code")
    on = registry.get("/api/v1/units/866?on=2025-08-01", headers=auth()).get_json()
    assert on["in_force"]["code"] == "866" and on["in_force"]["status"] == "active"


def test_abolishing_with_a_successor_not_in_force_on_that_date_is_422(registry):
    assert registry.post("/api/v1/units/868/abolish", json={**ABOLITION, "effective_from": "2025-06-01"},
                         headers=auth()).status_code == 200
    response = registry.post("/api/v1/units/866/abolish", json={**ABOLITION, "successor_code": "868"},
                             headers=auth())
    field_error(response, 422, "successor_code")


def test_abolishing_with_a_successor_in_force_is_accepted(registry):
    response = registry.post("/api/v1/units/866/abolish", json={**ABOLITION, "successor_code": "87"},
                             headers=auth())
    assert response.status_code == 200, response.data


def test_merging_into_a_unit_that_names_nothing_is_422(registry):
    response = registry.post("/api/v1/units/866/merge", json={"successor_code": "NO-SUCH-UNIT",
                                                              "effective_from": "2025-07-01"}, headers=auth())
    field_error(response, 422, "successor_code")


def test_a_parent_that_names_nothing_is_422(registry):
    response = registry.post("/api/v1/units", headers=auth(), json={
        "code": "X1", "name": "Phường mới", "category": "administrative_unit", "level": "commune",
        "parent_code": "NO-SUCH-UNIT", "effective_from": "2025-07-01"})
    field_error(response, 422, "parent_code")
    response = registry.post("/api/v1/units", headers=auth(), json={
        "code": "X1", "name": "Phường mới", "category": "administrative_unit", "level": "commune",
        "parent_code": "866", "effective_from": "2025-07-01"})
    assert response.status_code == 201, response.data


def test_a_conformity_body_of_an_enterprise_that_does_not_exist_is_422(registry):
    body = {"name": "Trung tâm Kỹ thuật TCĐLCL", "district_code": "866", "registered_on": "2024-01-05"}
    field_error(registry.post("/api/v1/conformity-bodies/", json={**body, "enterprise_id": "no-such-enterprise"},
                              headers=auth()), 422, "enterprise_id")
    enterprise_id = registry.post("/api/v1/enterprises", json=REGISTRATION, headers=auth()).get_json()["id"]
    response = registry.post("/api/v1/conformity-bodies/", json={**body, "enterprise_id": enterprise_id},
                             headers=auth())
    assert response.status_code == 201, response.data
