"""Reporting end to end: the write services driven over HTTP with a small fixed data set whose indicator
values were computed by hand; as-of before and after a backdated entry; a unit merged in 2025; an issued
report that reproduces exactly and names what changed after it; every event honours its contract.

The stack is shared with the other end-to-end tests, so the figures are compared as the difference between
what reporting said just before this data set (as of T0) and after it: nothing else writes meanwhile.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import requests

from deploy.processes import wait_until
from shared.config import WRITE_SERVICES
from shared.contracts import contracts

pytestmark = pytest.mark.e2e
PERIODS = ("2022", "2023", "2024", "2025", "2021-2025")


class Client:
    def __init__(self, stack, tokens) -> None:
        self.stack, self.tokens = stack, tokens

    def post(self, service: str, path: str, body: dict, department: str = "DOST") -> dict:
        response = requests.post(
            f"{self.stack.url(service)}/api/v1{path}", json=body, headers=self.tokens(department, "clerk"), timeout=15
        )
        assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
        return response.json()

    def get(self, service: str, path: str, role: str = "viewer", **params) -> requests.Response:
        return requests.get(
            f"{self.stack.url(service)}/api/v1{path}", params=params, headers=self.tokens("DOST", role), timeout=15
        )

    def head(self, service: str) -> int:
        return self.get(service, "/events/", "auditor", limit=1).json()["head_position"]

    def caught_up(self) -> bool:
        """Reporting holds every event of every write service, without a gap."""
        heads = {service: self.head(service) for service in WRITE_SERVICES}
        answer = self.get("reporting", "/indicators", period="2021-2025").json()
        return answer["complete"] and all(answer["positions"][service] >= heads[service] for service in heads)

    def wait_caught_up(self) -> None:
        wait_until(self.caught_up, 60, "reporting caught up with every write service")

    def values(self, as_of: str | None = None, **params) -> dict[tuple[str, str], int]:
        found = {}
        for period in PERIODS:
            query = {"period": period, **params, **({"as_of": as_of} if as_of else {})}
            response = self.get("reporting", "/indicators", **query)
            assert response.status_code == 200, response.text
            found.update({(item["code"], period): item["value"] for item in response.json()["items"]})
        return found


def now() -> str:
    return datetime.now(UTC).isoformat()


def delta(after: dict, before: dict) -> dict:
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


@pytest.fixture(scope="module")
def data_set(stack, tokens, register_enterprise):
    client = Client(stack, tokens)
    client.wait_caught_up()
    t0 = now()
    successor = f"P-HN-{uuid.uuid4().hex[:6]}"
    e1 = register_enterprise(district_code="868", name="Công ty TNHH Gạo Hồng Ngự")
    e2 = register_enterprise(district_code="868", name="HTX Thủy sản Hồng Ngự")
    e3 = register_enterprise(district_code="866", name="Công ty CP Sen Cao Lãnh")
    client.post(
        "registry",
        "/units",
        {
            "code": successor,
            "name": "Phường Hồng Ngự (mới)",
            "category": "administrative_unit",
            "level": "commune",
            "effective_from": "2025-07-01",
        },
    )
    client.post("registry", "/units/868/merge", {"successor_code": successor, "effective_from": "2025-07-01"})
    wait_until(
        lambda: all(
            client.get(service, f"/enterprises/{e['id']}").status_code == 200
            for service in ("support", "training")
            for e in (e1, e2, e3)
        ),
        30,
        "support and training know the three enterprises",
    )

    # I1 + I3: a training class in 2023 attended by E1 and E3; a workshop in 2024 attended by E1.
    def course(kind: str, day: str, attendees: list[dict], topic: str = "management_system") -> str:
        course_id = client.post(
            "training",
            "/courses",
            {
                "title": f"Lớp {kind} {day}",
                "kind": kind,
                "topic": topic,
                "start_date": day,
                "end_date": day,
                "venue": "Hồng Ngự",
                "capacity": 30,
            },
        )["id"]
        for number, enterprise in enumerate(attendees):
            client.post(
                "training",
                f"/courses/{course_id}/participants",
                {
                    "full_name": f"Học viên {number} {enterprise['name']}",
                    "role": "manager",
                    "enterprise_id": enterprise["id"],
                },
            )
        held = client.post("training", f"/courses/{course_id}/hold", {})
        for participant in held["participants"]:
            client.post(
                "training",
                f"/courses/{course_id}/participants/{participant['id']}/result",
                {"attended": True, "completed": True},
            )
        return course_id

    course("training_class", "2023-05-10", [e1, e3])
    course("workshop", "2024-04-01", [e1])
    expert_course = course("training_class", "2024-06-03", [e2], topic="expert_training")  # I1 2024, I3 2024: E2
    # I2: an expert trained through that course (2024-06-03).
    expert = client.post(
        "training", "/experts", {"full_name": "Học viên 0 HTX Thủy sản Hồng Ngự", "enterprise_id": e2["id"]}
    )
    client.post("training", f"/experts/{expert['id']}/training", {"course_ids": [expert_course]})
    # I3: a survey of E2 in 2024 (E2 already counted in 2024: no change).
    client.post("registry", f"/enterprises/{e2['id']}/surveys", {"surveyed_on": "2024-03-03", "kind": "survey"})
    # I5: a calibration field added in 2022.
    body = client.post(
        "registry",
        "/conformity-bodies/",
        {"name": "Trung tâm Đo lường Hồng Ngự", "district_code": "868", "registered_on": "2021-06-01"},
    )
    client.post(
        "registry",
        f"/conformity-bodies/{body['id']}/fields",
        {"kind": "calibration", "name": "Hiệu chuẩn cân", "added_on": "2022-09-09"},
    )

    # Support: E1 management system completed 2024 (I4, unit 868); E2 quality award gold 2025-09 (I6, I7, after
    # the merger: the successor unit); E3 S&T task approved 2022 (I8).
    def case(
        enterprise: dict,
        support_type: str,
        approved_on: str,
        outcome: dict | None,
        done_on: str | None,
        title: str | None = None,
    ) -> str:
        body = {
            "enterprise_id": enterprise["id"],
            "support_type": support_type,
            "need": "Nhu cầu hỗ trợ",
            "requested_amount": 10_000_000,
            "proposed_on": "2022-01-05",
        }
        case_id = client.post("support", "/cases", {**body, **({"title": title} if title else {})})["id"]
        client.post(
            "support",
            f"/cases/{case_id}/approval",
            {"budget": {"state_st_budget": 10_000_000}, "approved_on": approved_on},
        )
        if outcome:
            client.post("support", f"/cases/{case_id}/milestones", {"on": approved_on, "note": "Khởi động"})
            client.post("support", f"/cases/{case_id}/completion", {"outcome": outcome, "completed_on": done_on})
        return case_id

    case(e1, "management_system", "2022-02-01", {"summary": "Áp dụng ISO 9001"}, "2024-05-20")
    case(e2, "quality_award", "2025-01-10", {"award": "gold"}, "2025-09-15")
    st_task = case(e3, "st_task", "2022-03-01", None, None, title="Nhiệm vụ nâng cao TFP ngành gạo")
    client.wait_caught_up()
    t1 = now()
    return {"client": client, "t0": t0, "t1": t1, "e2": e2, "st_task": st_task, "successor": successor}


def test_indicators_match_the_values_computed_by_hand(data_set):
    client = data_set["client"]
    before, after = client.values(data_set["t0"]), client.values(data_set["t1"])
    assert delta(after, before) == {
        ("I1", "2023"): 1,
        ("I1", "2024"): 1,
        ("I1", "2021-2025"): 2,
        ("I2", "2024"): 1,
        ("I2", "2021-2025"): 1,
        ("I3", "2023"): 2,
        ("I3", "2024"): 2,
        ("I3", "2021-2025"): 4,
        ("I4", "2024"): 1,
        ("I4", "2021-2025"): 1,
        ("I5", "2022"): 1,
        ("I5", "2021-2025"): 1,
        ("I6", "2025"): 1,
        ("I6", "2021-2025"): 1,
        ("I7", "2025"): 1,
        ("I7", "2021-2025"): 1,
        ("I8", "2022"): 1,
        ("I8", "2021-2025"): 1,
    }


def test_a_unit_merged_in_2025_counts_in_the_units_of_the_period_or_of_today(data_set):
    client, successor = data_set["client"], data_set["successor"]
    by_period = client.values(data_set["t1"], unit=successor)
    after_merger = {("I6", "2025"): 1, ("I6", "2021-2025"): 1, ("I7", "2025"): 1, ("I7", "2021-2025"): 1}
    assert {key: value for key, value in by_period.items() if value} == after_merger
    old = delta(client.values(data_set["t1"], unit="868"), client.values(data_set["t0"], unit="868"))
    assert old == {
        ("I3", "2023"): 1,
        ("I3", "2024"): 2,
        ("I3", "2021-2025"): 3,
        ("I4", "2024"): 1,
        ("I4", "2021-2025"): 1,
        ("I5", "2022"): 1,
        ("I5", "2021-2025"): 1,
    }
    today = client.values(data_set["t1"], unit=successor, structure="current")
    assert {key: value for key, value in today.items() if value} == old | after_merger  # nothing counted twice
    detail = client.get("reporting", "/indicators/I6", period="2021-2025", unit=successor).json()
    assert [c["id"] for c in detail["contributors"]] == [data_set["e2"]["id"]]


def test_as_of_answers_before_and_after_a_backdated_entry_and_an_issued_report_reproduces(data_set, tokens):
    client = data_set["client"]
    issued = requests.post(
        f"{client.stack.url('reporting')}/api/v1/reports",
        json={"kind": "midterm", "period": "2021-2025"},
        headers=tokens("DOST", "clerk"),
        timeout=30,
    )
    assert issued.status_code == 201, issued.text
    report = issued.json()
    assert report["reproduced"] and len(report["content_hash"]) == 64
    refused = requests.post(
        f"{client.stack.url('reporting')}/api/v1/reports",
        json={"kind": "annual", "period": "2023"},
        headers=tokens("DOF", "clerk"),
        timeout=30,
    )
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"

    # A backdated entry: a survey of E2 dated 2023, typed in now, after the report was issued.
    client.post(
        "registry", f"/enterprises/{data_set['e2']['id']}/surveys", {"surveyed_on": "2023-02-02", "kind": "diagnosis"}
    )
    client.wait_caught_up()
    t2 = now()
    assert delta(client.values(t2), client.values(data_set["t1"])) == {("I3", "2023"): 1, ("I3", "2021-2025"): 1}

    again = client.get("reporting", f"/reports/{report['id']}").json()
    assert again["reproduced"] and again["content"] == report["content"]
    assert again["content_hash"] == report["content_hash"]
    changes = client.get("reporting", f"/reports/{report['id']}/changes").json()["changes"]
    assert [(change["code"], change["value_now"] - change["value_at_issue"]) for change in changes] == [("I3", 1)]
    assert [(event["event_type"], event["stream_id"]) for event in changes[0]["events"]] == [
        ("SurveyRecorded", data_set["e2"]["id"])
    ]


def test_every_event_each_write_service_emitted_honours_its_contract(data_set):
    client = data_set["client"]
    for service, contract in contracts().items():
        position, checked = 1, 0
        while True:
            page = client.get(service, "/events/", "auditor", from_position=position, limit=1000).json()
            for event in page["events"]:
                assert contract.problems(event["event_type"], event["data"]) == {}, (service, event)
                checked += 1
            if page["next_from_position"] is None or not page["events"]:
                break
            position = page["next_from_position"]
        assert checked > 0


def test_bad_periods_and_unknown_indicators_are_clear_4xx(data_set):
    client = data_set["client"]
    bad = client.get("reporting", "/indicators", period="2019")
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"
    assert "period" in bad.json()["errors"]
    unknown = client.get("reporting", "/indicators/I99", period="2023")
    assert unknown.status_code == 404


def test_department_views_follow_the_token_and_show_their_tables(data_set, tokens):
    client = data_set["client"]

    def funds(as_of: str) -> dict[tuple[int, str], int]:
        response = client.get("reporting", "/views/DOF", period="2021-2025", as_of=as_of)
        assert response.status_code == 200, response.text
        table = next(table for table in response.json()["tables"] if table["key"] == "funds")
        return {(row["year"], row["source"]): row["approved"] for row in table["rows"]}

    before, after = funds(data_set["t0"]), funds(data_set["t1"])
    state = "Ngân sách nhà nước (kinh phí sự nghiệp khoa học và công nghệ)"
    assert after[(2022, state)] - before.get((2022, state), 0) == 20_000_000
    assert after[(2025, state)] - before.get((2025, state), 0) == 10_000_000

    views = requests.get(
        f"{client.stack.url('reporting')}/api/v1/views", headers=tokens("DOST", "viewer"), timeout=15
    ).json()
    assert {"DOST", "DOF", "DPI", "DOIT", "DARD", "DOLISA", "DIC", data_set["successor"]} <= {v["code"] for v in views}
    own = requests.get(
        f"{client.stack.url('reporting')}/api/v1/views", headers=tokens("DOIT", "viewer"), timeout=15
    ).json()
    assert [view["code"] for view in own] == ["DOIT"]
    refused = requests.get(
        f"{client.stack.url('reporting')}/api/v1/views/DOF",
        params={"period": "2023"},
        headers=tokens("DOIT", "viewer"),
        timeout=15,
    )
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"

    area = client.get("reporting", f"/views/{data_set['successor']}", period="2021-2025").json()
    assert {item["code"]: item["value"] for item in area["indicators"]}["I6"] == 1
    dost = client.get("reporting", "/views/DOST", period="2026-2030").json()
    assert [item["code"] for item in dost["indicators"]] == [f"I{n}" for n in range(1, 9)]
    assert dost["indicators"][0]["target_min"] == 11 and dost["indicators"][0]["target_max"] == 12


def side_settings(stack):
    from shared.config import Settings

    return Settings.from_env(
        {
            "MONGO_URL": stack.servers.mongo_url,
            "KAFKA_BOOTSTRAP": stack.servers.kafka_bootstrap,
            "NSCL_STATE_DIR": str(stack.state_dir),  # the relays' public keys, as the launcher wrote them
            "NSCL_JWT_SECRET": "x" * 32,
            "NSCL_CONSUMER_SESSION_TIMEOUT_MS": "3000",
            "NSCL_FETCH_MAX_WAIT_MS": "20",
        }
    )


def test_a_rebuild_from_empty_equals_the_live_projection_from_the_stores_and_from_kafka(data_set, stack):
    from services.reporting import rebuild
    from services.reporting.bootstrap import bootstrap

    data_set["client"].wait_caught_up()
    settings = side_settings(stack)
    live = bootstrap(settings)
    cut = datetime.now(UTC)
    for source in ("stores", "kafka"):
        side = bootstrap(settings, live.client, projection_name=f"test_rebuild_{source}_{uuid.uuid4().hex[:6]}")
        count = (
            rebuild.from_stores(side, progress=False)
            if source == "stores"
            else rebuild.from_kafka(side, progress=False, timeout_s=120)
        )
        assert count == sum(rebuild.store_heads(live).values())
        assert side.facts.facts.count_documents({}) == live.facts.facts.count_documents({})
        assert rebuild.differences(live, side, cut) == []
        assert rebuild.figures(side, cut)["2021-2025"]["I6"]["value"] >= 1  # the figures compared are not empty
        live.client.drop_database(side.projection_name)


def test_two_projectors_in_one_group_split_the_partitions_and_project_what_one_does(data_set, stack, monkeypatch):
    """Scaling reporting out is starting another projector in its group: the broker gives each a share of the
    partitions, and the views equal a single projector's (streams are folded from facts, whichever projector
    received them and in whatever order)."""
    from services.reporting import queries, rebuild
    from services.reporting.bootstrap import bootstrap

    data_set["client"].wait_caught_up()
    settings = side_settings(stack)
    live = bootstrap(settings)
    streams_of: list[set[str]] = []
    build_loop = rebuild.build_loop

    def recording_loop(side):
        loop, seen = build_loop(side), set()
        streams_of.append(seen)
        project = loop.batch_handler

        def handle_batch(events):
            seen.update(event.stream_id for event in events)
            project(events)

        loop.batch_handler = handle_batch
        return loop

    monkeypatch.setattr(rebuild, "build_loop", recording_loop)
    side = bootstrap(settings, live.client, projection_name=f"test_two_projectors_{uuid.uuid4().hex[:6]}")
    try:
        assert rebuild.from_kafka(side, progress=False, timeout_s=120, projectors=2) == sum(
            rebuild.store_heads(live).values())
        first, second = streams_of
        assert first and second  # each had a share of the partitions (a rebalance may move one between them)
        assert rebuild.differences(live, side, datetime.now(UTC)) == []
        # The counts kept from both projectors' marks give the rows' figures once brought up to date.
        assert side.facts.tallies.consolidate()
        for period in rebuild.PERIODS:
            kept = queries.indicators(side.reporting, period, contributors=False)["items"]
            from_rows = queries.indicators(side.reporting, period)["items"]
            assert [without(item, "contributors", "as_of") for item in kept] == [
                without(item, "contributors", "as_of") for item in from_rows], period
    finally:
        live.client.drop_database(side.projection_name)


def test_the_projector_keeps_counts_that_give_the_rows_figures_once_it_has_nothing_to_consume(data_set, stack):
    """The dashboard's overview (no contributors) is answered from the counts the projector keeps; over HTTP they
    give what the rows give, for the province and for a unit."""
    from services.reporting.bootstrap import bootstrap

    client = data_set["client"]
    client.wait_caught_up()
    live = bootstrap(side_settings(stack))
    wait_until(live.facts.tallies.fresh, 30, "the projector brought its kept counts up to date")
    counted = 0
    for period in (*PERIODS, "2026-2030"):
        for unit in ({}, {"unit": "868"}):
            kept = client.get("reporting", "/indicators", period=period, contributors="false", **unit).json()
            from_rows = client.get("reporting", "/indicators", period=period, **unit).json()
            assert all("contributors" not in item for item in kept["items"])
            assert [without(item, "as_of") for item in kept["items"]] == [
                without(item, "contributors", "as_of") for item in from_rows["items"]], (period, unit)
            counted += sum(item["value"] for item in kept["items"])
    assert counted > 0
    for view in ("DOST", "868"):  # a department's view and a district's: the same from either
        kept = client.get("reporting", f"/views/{view}", role="admin", contributors="false").json()
        from_rows = client.get("reporting", f"/views/{view}", role="admin").json()
        assert kept["indicators"] and [without(item, "as_of") for item in kept["indicators"]] == [
            without(item, "contributors", "as_of") for item in from_rows["indicators"]], view
        assert kept["tables"] == from_rows["tables"]


def without(item: dict, *names: str) -> dict:
    return {name: value for name, value in item.items() if name not in names}
