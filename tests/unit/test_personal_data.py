"""Personal data (issue 10): the person key is keyed, national ids are never stored in clear, contact details and
participants' names and support cases' money are shown only to who needs them, and the public certificate id is
random and looked up the same way whether it exists or not. Offline: Flask test clients on in-memory stores."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import replace

import pytest

from services.registry.app import create_app as registry_app
from services.registry.bootstrap import bootstrap as registry_bootstrap
from services.support.app import create_app as support_app
from services.support.bootstrap import bootstrap as support_bootstrap
from services.support.readmodel import CaseReadModel
from services.training import certificates, handlers, people
from services.training.app import create_app as training_app
from services.training.bootstrap import bootstrap as training_bootstrap
from shared.claims import InMemoryUniqueClaims
from shared.eventstore import InMemoryEventStore
from tests.fakes import FakeKnownEnterprises
from tests.unit.http_helpers import PERSON_KEY_SECRET, auth, offline_settings

NATIONAL_ID = "087190123456"
KNOWN = {"id": "ent-1", "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "867",
         "district_name": "Thành phố Sa Đéc", "status": "open", "registered_on": "2022-01-10"}
CONTACT = {"representative": "Nguyễn Văn An", "phone": "0277123456", "email": "an@senhong.vn"}


def _stored_text(store: InMemoryEventStore) -> str:
    """Every commit document the store holds (events, request fingerprints, keys), as text."""
    return json.dumps(store._by_position, ensure_ascii=False)


# ---- the person key -------------------------------------------------------------------------------------------------
def test_the_person_key_is_an_hmac_under_the_secret_not_a_plain_hash():
    secret = b"s" * 32
    key = people.person_key(secret, "Phạm Thị Hoa", NATIONAL_ID, "enterprise:ent-1")
    assert key == hmac.new(secret, f"cccd:{NATIONAL_ID}".encode(), hashlib.sha256).hexdigest()
    assert key != hashlib.sha256(f"cccd:{NATIONAL_ID}".encode()).hexdigest()
    assert key != people.person_key(b"t" * 32, "Phạm Thị Hoa", NATIONAL_ID, "enterprise:ent-1")
    with pytest.raises(ValueError):
        people.person_key(b"short", "Phạm Thị Hoa", NATIONAL_ID, "enterprise:ent-1")


def test_training_does_not_start_without_a_person_key_secret(tmp_path):
    settings = replace(offline_settings(tmp_path), person_key_secret=None)
    with pytest.raises(RuntimeError, match="NSCL_PERSON_KEY_SECRET"):
        training_app(service=training_bootstrap(settings, store=InMemoryEventStore()))


@pytest.fixture
def training(tmp_path):
    store = InMemoryEventStore()
    service = training_bootstrap(offline_settings(tmp_path), store=store, known_enterprises=FakeKnownEnterprises(KNOWN),
                                 certificate_ids=InMemoryUniqueClaims())
    app = training_app(service=service)
    yield app.test_client(), store, service
    app.extensions["nscl"].mongo.close()


def _course(client) -> str:
    return client.post("/api/v1/courses", headers=auth(), json={
        "title": "Chuyên gia NSCL", "kind": "training_class", "topic": "expert_training", "start_date": "2024-05-10",
        "end_date": "2024-05-11", "venue": "Cao Lãnh", "capacity": 5}).get_json()["id"]


def test_a_national_id_is_stored_nowhere_in_clear_nor_as_a_plain_hash(training):
    client, store, _ = training
    course_id = _course(client)
    person = {"full_name": "Phạm Thị Hoa", "national_id": NATIONAL_ID, "enterprise_id": "ent-1"}
    enrolled = client.post(f"/api/v1/courses/{course_id}/participants", json={**person, "role": "worker"},
                           headers={**auth(), "Idempotency-Key": "enrol-1"})
    nominated = client.post("/api/v1/experts", json=person, headers={**auth(), "Idempotency-Key": "expert-1"})
    assert enrolled.status_code == 201 and nominated.status_code == 201
    stored = _stored_text(store)
    plain = hashlib.sha256(f"cccd:{NATIONAL_ID}".encode()).hexdigest()
    body_hash = hashlib.sha256(json.dumps({**person, "role": "worker"}, sort_keys=True, separators=(",", ":"),
                                          ensure_ascii=False).encode()).hexdigest()
    keyed = people.person_key(PERSON_KEY_SECRET.encode(), "", NATIONAL_ID, "")
    assert NATIONAL_ID not in stored and plain not in stored and body_hash not in stored
    assert keyed in stored  # the events hold the keyed form only
    for answer in (enrolled, nominated):
        assert NATIONAL_ID not in answer.get_data(as_text=True) and keyed not in answer.get_data(as_text=True)
    events = client.get("/api/v1/events/", headers=auth(role="auditor")).get_data(as_text=True)
    assert NATIONAL_ID not in events and plain not in events


# ---- participants' names -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("department, role, sees", [
    ("DOST", "clerk", True), ("DIC", "clerk", True), ("DOIT", "admin", True),  # clerks of training's writers, admins
    ("DPI", "clerk", False), ("UBND-866", "clerk", False),  # departments that do not write to training
    ("DOST", "viewer", False), ("DOST", "auditor", False),
])
def test_participants_names_are_shown_to_the_training_departments_clerks_and_admins_only(training, department, role,
                                                                                         sees):
    client, _, _ = training
    course_id = _course(client)
    client.post(f"/api/v1/courses/{course_id}/participants", headers=auth(), json={
        "full_name": "Phạm Thị Hoa", "role": "worker", "enterprise_id": "ent-1"})
    shown = client.get(f"/api/v1/courses/{course_id}", headers=auth(department, role)).get_json()
    [participant] = shown["participants"]
    assert ("full_name" in participant) is sees
    assert participant["enterprise_id"] == "ent-1" and participant["district_code"] == "867"
    if role == "auditor":  # through the event history only
        assert "Phạm Thị Hoa" in client.get("/api/v1/events/", headers=auth(role="auditor")).get_data(as_text=True)


# ---- enterprises' contact details ---------------------------------------------------------------------------------
@pytest.fixture
def registry(tmp_path):
    app = registry_app(service=registry_bootstrap(offline_settings(tmp_path), store=InMemoryEventStore(),
                                                  claims=InMemoryUniqueClaims()))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()


@pytest.mark.parametrize("department, role, sees", [
    ("DOST", "clerk", True), ("DOIT", "clerk", True), ("UBND-877", "clerk", True), ("DIC", "admin", True),
    ("DOF", "clerk", False), ("DIC", "clerk", False),  # they do not write to the registry
    ("DOST", "viewer", False), ("DOST", "auditor", False),
])
def test_contact_details_are_shown_to_the_registry_departments_clerks_and_admins_only(registry, department, role,
                                                                                      sees):
    created = registry.post("/api/v1/enterprises", headers=auth(), json={
        "tax_code": "1400123456", "name": "Công ty TNHH Sen Hồng", "district_code": "867", "contact": CONTACT})
    assert created.get_json()["contact"] == CONTACT
    path = f"/api/v1/enterprises/{created.get_json()['id']}"
    registry.patch(path, json={"contact": {**CONTACT, "phone": "0277999999"}}, headers=auth())
    enterprise = registry.get(path, headers=auth(department, role)).get_json()
    history = registry.get(f"{path}/history", headers=auth(department, role)).get_json()
    assert ("contact" in enterprise) is sees and enterprise["name"] == "Công ty TNHH Sen Hồng"
    assert [("contact" in item["data"]) for item in history] == [sees, sees]
    shown = json.dumps([enterprise, history], ensure_ascii=False)
    assert ("0277" in shown) is sees and ("Nguyễn Văn An" in shown) is sees
    if role == "auditor":
        assert "0277999999" in registry.get("/api/v1/events/", headers=auth(role="auditor")).get_data(as_text=True)


# ---- support cases' money ------------------------------------------------------------------------------------------
@pytest.fixture
def support(tmp_path):
    app = support_app(service=support_bootstrap(offline_settings(tmp_path), store=InMemoryEventStore(),
                                                known_enterprises=FakeKnownEnterprises(KNOWN)))
    yield app.test_client()
    app.extensions["nscl"].mongo.close()


MONEY = ("requested_amount", "budget", "disbursed", "remaining", "disbursements")


@pytest.mark.parametrize("department, role, sees", [
    ("DOST", "viewer", True), ("DOF", "viewer", True), ("DARD", "viewer", True),  # lead, funder, proposer
    ("DIC", "auditor", True), ("DPI", "admin", True),
    ("DOIT", "viewer", False), ("DOIT", "clerk", False), ("UBND-866", "viewer", False), ("DPI", "viewer", False),
])
def test_a_support_cases_money_is_shown_to_dost_dof_the_proposer_auditors_and_admins_only(support, department, role,
                                                                                          sees):
    case = support.post("/api/v1/cases", headers=auth("DARD"), json={
        "enterprise_id": "ent-1", "support_type": "traceability", "need": "Truy xuất nguồn gốc",
        "requested_amount": 90_000_000, "proposed_on": "2024-02-01"}).get_json()
    support.post(f"/api/v1/cases/{case['id']}/approval", headers=auth("DOST"), json={
        "budget": {"state_st_budget": 60_000_000, "other_lawful": 0}, "approved_on": "2024-03-01"})
    support.post(f"/api/v1/cases/{case['id']}/disbursements", headers=auth("DOF"), json={
        "amount": 10_000_000, "source": "state_st_budget", "disbursed_on": "2024-03-05"})
    shown = support.get(f"/api/v1/cases/{case['id']}", headers=auth(department, role)).get_json()
    history = support.get(f"/api/v1/cases/{case['id']}/history", headers=auth(department, role)).get_json()
    assert shown["state"] == "in_progress" and shown["enterprise"]["id"] == "ent-1"
    assert all((name in shown) is sees for name in MONEY)
    text = json.dumps(history)
    assert ("60000000" in text) is sees and ("90000000" in text) is sees and ("10000000" in text) is sees
    assert len(history) == 3


class GivenCases(CaseReadModel):
    """The case list's read model, holding the given rows."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def page(self, filters, skip, limit):
        return self.rows, len(self.rows)


def test_the_case_list_hides_the_money_row_by_row(tmp_path):
    rows = [{"id": "c-1", "department": "DARD", "requested_amount": 5, "budget": {"state_st_budget": 4},
             "disbursed": {"state_st_budget": 1}, "state": "approved"},
            {"id": "c-2", "department": "DOIT", "requested_amount": 7, "budget": {"state_st_budget": 6},
             "disbursed": {"state_st_budget": 0}, "state": "approved"}]
    service = support_bootstrap(offline_settings(tmp_path), store=InMemoryEventStore(),
                                known_enterprises=FakeKnownEnterprises(KNOWN))
    service.cases = GivenCases(rows)
    app = support_app(service=service)
    client = app.test_client()
    items = client.get("/api/v1/cases", headers=auth("DARD", "viewer")).get_json()["items"]
    assert [("budget" in item, "requested_amount" in item) for item in items] == [(True, True), (False, False)]
    items = client.get("/api/v1/cases", headers=auth("DOF", "viewer")).get_json()["items"]
    assert all("budget" in item for item in items)
    app.extensions["nscl"].mongo.close()


# ---- the public certificate id ------------------------------------------------------------------------------------
def test_a_public_id_is_random_and_carries_no_internal_id():
    expert_id = str(uuid.uuid4())
    issued = {certificates.issue_public_id() for _ in range(100)}
    assert len(issued) == 100 and all(len(public_id) == 43 for public_id in issued)
    for public_id in issued:
        assert expert_id.replace("-", "") not in public_id and expert_id not in public_id


class CountingClaims(InMemoryUniqueClaims):
    def __init__(self) -> None:
        super().__init__()
        self.lookups: list[str] = []

    def holder(self, key: str) -> str | None:
        self.lookups.append(key)
        return super().holder(key)


class CountingStore(InMemoryEventStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def read_stream(self, stream_id, *args, **kwargs):
        self.reads.append(stream_id)
        return super().read_stream(stream_id, *args, **kwargs)


def test_verifying_an_existing_and_a_missing_id_does_the_same_work(tmp_path, monkeypatch):
    store, claims = CountingStore(), CountingClaims()
    service = training_bootstrap(offline_settings(tmp_path), store=store, known_enterprises=FakeKnownEnterprises(KNOWN),
                                 certificate_ids=claims)
    app = training_app(service=service)
    client = app.test_client()
    course_id = _course(client)
    person = {"full_name": "Phạm Thị Hoa", "enterprise_id": "ent-1"}
    participant = client.post(f"/api/v1/courses/{course_id}/participants", json={**person, "role": "worker"},
                              headers=auth()).get_json()["participants"][0]["id"]
    client.post(f"/api/v1/courses/{course_id}/hold", headers=auth())
    client.post(f"/api/v1/courses/{course_id}/participants/{participant}/result", headers=auth(),
                json={"attended": True, "completed": True})
    expert_id = client.post("/api/v1/experts", json=person, headers=auth()).get_json()["id"]
    client.post(f"/api/v1/experts/{expert_id}/training", json={"course_ids": [course_id]}, headers=auth())
    certified = client.post(f"/api/v1/experts/{expert_id}/certification", headers=auth(), json={
        "certificate_number": "CG-1", "issuer": "local_programme", "valid_from": "2024-06-01",
        "valid_until": "2099-12-31"}).get_json()
    public_id = certified["certificate"]["public_id"]
    assert claims.holder(public_id) == expert_id  # claimed at certification: found at once, no read model
    compared: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest
    monkeypatch.setattr(certificates.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real_compare(a, b))

    work = {}
    for label, given in (("existing", public_id), ("missing", certificates.issue_public_id()),
                         ("altered", public_id[:-1] + ("A" if public_id[-1] != "A" else "B"))):
        claims.lookups.clear(), store.reads.clear(), compared.clear()
        answer = client.get(f"/api/v1/certificates/{given}")
        assert answer.status_code == (200 if label == "existing" else 404)
        work[label] = (len(claims.lookups), len(store.reads), [(len(a), len(b)) for a, b in compared])
    assert work["existing"] == work["missing"] == work["altered"] == (1, 1, [(43, 43)])
    assert expert_id not in public_id
    assert handlers.find_certificate("x" * 43, service) is None
    app.extensions["nscl"].mongo.close()
