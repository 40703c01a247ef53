"""The registry's list of local standards and regulations, from its read model on the real MongoDB-protocol server:
filtered by kind, state and year of issue, in code order, paginated."""
from __future__ import annotations

import pytest

from services.registry.app import create_app
from services.registry.bootstrap import bootstrap
from services.registry.readmodel import RegistryReadModel
from shared.auth import Principal, TokenService
from shared.projection import StoreProjection

pytestmark = pytest.mark.integration
PATH = "/api/v1/local-standards/"


def test_the_list_filters_by_kind_state_and_year_of_issue(settings, fresh_database, jwt_secret):
    service = bootstrap(settings, database=fresh_database)
    client = create_app(service=service).test_client()
    projection = StoreProjection("local-standards-test", service.store, fresh_database,
                                 RegistryReadModel(fresh_database, service.store, service.units).handle)
    issuer = TokenService(jwt_secret)

    def headers(department="DOST", role="clerk"):
        return {"Authorization": f"Bearer {issuer.issue(Principal('it', department, role))}"}

    for code, kind, issued_on in (("QCĐP 02:2024/ĐT", "local_regulation", "2024-09-10"),
                                  ("TCCS 01:2023/SKHCN", "base_standard", "2023-08-15"),
                                  ("QCĐP 01:2026/ĐT", "local_regulation", None)):
        answer = client.post(PATH, headers=headers(), json={"code": code, "kind": kind, "title": f"Văn bản {code}",
                                                            "field": "thử nghiệm", "started_on": "2023-01-02"})
        assert answer.status_code == 201, answer.data
        if issued_on:
            issued = client.post(PATH + answer.get_json()["id"] + "/issuance", headers=headers(),
                                 json={"issued_on": issued_on, "decision_number": "1/QĐ"})
            assert issued.status_code == 200, issued.data
    projection.catch_up()

    def codes(**query) -> list[str]:
        answer = client.get(PATH, query_string=query, headers=headers("DOF", "viewer"))
        assert answer.status_code == 200, answer.data
        return [item["code"] for item in answer.get_json()["items"]]

    assert codes() == ["QCĐP 01:2026/ĐT", "QCĐP 02:2024/ĐT", "TCCS 01:2023/SKHCN"]
    assert codes(kind="local_regulation", state="issued") == ["QCĐP 02:2024/ĐT"]
    assert codes(issued_in=2023) == ["TCCS 01:2023/SKHCN"]
    assert codes(state="drafting") == ["QCĐP 01:2026/ĐT"]
    page = client.get(PATH, query_string={"page_size": 2, "page": 2}, headers=headers()).get_json()
    assert (page["total"], page["pages"], [item["code"] for item in page["items"]]) == (3, 2, ["TCCS 01:2023/SKHCN"])
    assert page["items"][0]["state_label"] == "Đã ban hành"
    refused = client.get(PATH, query_string={"state": "lost"}, headers=headers())
    assert refused.status_code == 400 and "state" in refused.get_json()["errors"]
