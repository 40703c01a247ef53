"""Outreach activities and honours corrected or withdrawn as events: the rules, the API and reporting's figures."""
from __future__ import annotations

from datetime import date

import pytest

from services.registry import conformity
from services.registry import domain as registry
from services.reporting import plans_view, views
from services.reporting.contributions import contributions
from services.reporting.corrections import as_corrected
from services.reporting.evaluator import Cut, evaluate
from services.reporting.indicators import BY_CODE, Period
from services.training import outreach
from shared.contracts import support as sup
from shared.contracts import training as trn
from shared.errors import DomainError, IllegalTransition, NotFound
from shared.units import UnitDirectory
from tests.fakes import Stream
from tests.unit.http_helpers import assert_problem, auth
from tests.unit.test_training_http import client, event_store  # noqa: F401 - the training app's fixtures

ACTIVITY = {"kind": "tv_programme", "title": "Chuyên mục NSCL tháng 5", "held_on": "2024-05-05", "reach": 1000,
            "channel": "Đài PTTH Đồng Tháp"}


def recorded() -> Stream:
    stream = Stream("out-1")
    stream.do(outreach.record_outreach, department="DIC", kind="tv_programme", title="Chuyên mục NSCL",
              held_on=date(2024, 5, 5), reach=1000, channel=None)
    return stream


def test_a_correction_records_only_what_differs_and_the_view_shows_the_fields_as_corrected():
    stream = recorded()
    with pytest.raises(DomainError) as nothing:
        stream.do(outreach.correct_outreach, changes={"reach": 1000}, reason="sửa")
    assert "changes" in nothing.value.extra["errors"]
    stream.do(outreach.correct_outreach, changes={"reach": 12000, "title": "Chuyên mục NSCL"}, reason="sai số")
    corrected = stream.history[-1]
    assert corrected.data == {"changes": {"reach": 12000}, "previous": {"reach": 1000}, "reason": "sai số"}
    view = outreach.single_fact(stream.history, outreach.OUTREACH_RECORDED)
    assert (view["reach"], view["status"], view["corrections"]) == (12000, "recorded", 1)


def test_a_withdrawn_record_is_neither_corrected_nor_withdrawn_again():
    stream = recorded()
    with pytest.raises(DomainError):
        stream.do(outreach.withdraw, outreach.OUTREACH_RECORDED, reason=" ")
    stream.do(outreach.withdraw, outreach.OUTREACH_RECORDED, reason="ghi nhầm")
    assert outreach.single_fact(stream.history, outreach.OUTREACH_RECORDED)["status"] == "withdrawn"
    for again in (lambda: stream.do(outreach.withdraw, outreach.OUTREACH_RECORDED, reason="lần nữa"),
                  lambda: stream.do(outreach.correct_outreach, changes={"reach": 5}, reason="x")):
        with pytest.raises(IllegalTransition) as refused:
            again()
        assert refused.value.extra["current_state"] == "withdrawn"


def fact(stream: str, version: int, event_type: str, **data) -> dict:
    return {"stream_id": stream, "version": version, "event_type": event_type, "data": data}


FACTS = [
    fact("out-1", 1, trn.OUTREACH_RECORDED, kind="tv_programme", held_on="2025-04-04", reach=100),
    fact("out-1", 2, trn.OUTREACH_CORRECTED, changes={"reach": 300, "held_on": "2025-05-05"}, reason="x"),
    fact("out-2", 1, trn.OUTREACH_RECORDED, kind="publication", held_on="2025-04-04", reach=50),
    fact("out-2", 2, trn.OUTREACH_WITHDRAWN, reason="ghi nhầm"),
    fact("hon-1", 1, trn.HONOUR_AWARDED, decision_date="2025-03-03"),
    fact("hon-2", 1, trn.HONOUR_AWARDED, decision_date="2025-03-03"),
    fact("hon-2", 2, trn.HONOUR_WITHDRAWN, reason="ghi nhầm"),
]


def test_reporting_applies_corrections_and_leaves_withdrawn_records_out_but_a_cut_before_them_does_not():
    kept = as_corrected(FACTS)
    assert [(f["stream_id"], f["event_type"]) for f in kept] == [("out-1", trn.OUTREACH_RECORDED),
                                                                ("hon-1", trn.HONOUR_AWARDED)]
    assert kept[0]["data"]["reach"] == 300 and FACTS[0]["data"]["reach"] == 100  # the fact itself is untouched
    [table] = views.build("DIC", FACTS, Period.parse("2025"), lambda code, day: True)
    assert [(row["kind"], row["activities"], row["reach"]) for row in table["rows"]] == [
        (views.OUTREACH_KINDS["tv_programme"], 1, 300)]
    before = [f for f in FACTS if f["version"] == 1]
    [table] = views.build("DIC", before, Period.parse("2025"), lambda code, day: True)
    assert sum(row["activities"] for row in table["rows"]) == 2
    done = plans_view.done(FACTS, 2025)["counts"]
    assert (done["outreach"], done["honours"]) == (1, 1)
    assert trn.OUTREACH_WITHDRAWN in views.needs("DIC") and trn.OUTREACH_CORRECTED in plans_view.NEEDS


def test_the_api_corrects_and_withdraws_for_the_recording_department_or_dost_only(client):  # noqa: F811
    created = client.post("/api/v1/outreach", headers=auth("DIC"), json=ACTIVITY)
    assert created.status_code == 201, created.data
    url = f"/api/v1/outreach/{created.get_json()['id']}"
    assert_problem(client.post(f"{url}/correction", headers=auth("DOIT"), json={"reach": 5, "reason": "x"}), 403)
    assert "reason" in assert_problem(client.post(f"{url}/correction", headers=auth("DIC"), json={"reach": 5}),
                                      400)["errors"]
    corrected = client.post(f"{url}/correction", headers=auth("DIC"), json={"reach": 1500, "reason": "đếm lại"})
    assert corrected.status_code == 200 and corrected.get_json()["reach"] == 1500
    assert corrected.get_json()["corrections"] == 1
    withdrawn = client.post(f"{url}/withdrawal", headers=auth("DOST"), json={"reason": "trùng với bản ghi khác"})
    assert withdrawn.status_code == 200
    assert (withdrawn.get_json()["status"], withdrawn.get_json()["withdrawn_reason"]) == (
        "withdrawn", "trùng với bản ghi khác")
    assert_problem(client.post(f"{url}/withdrawal", headers=auth("DIC"), json={"reason": "x"}), 409)

    honour = client.post("/api/v1/honours", headers=auth("DOIT"), json={
        "recipient_kind": "collective", "recipient_name": "Công ty A", "kind": "Bằng khen",
        "decision_number": "12/QĐ", "decision_date": "2024-06-01"})
    assert honour.status_code == 201, honour.data
    honour_url = f"/api/v1/honours/{honour.get_json()['id']}/withdrawal"
    assert_problem(client.post(honour_url, headers=auth("DIC"), json={"reason": "x"}), 403)
    assert client.post(honour_url, headers=auth("DOIT"), json={"reason": "ghi nhầm"}).get_json()["status"] == \
        "withdrawn"


def test_a_reversing_entry_takes_the_disbursement_off_the_year_it_was_counted_in():
    paid = [fact("case-1", 1, sup.CASE_PROPOSED, support_type="label"),
            fact("case-1", 2, sup.CASE_APPROVED, approved_on="2024-12-01", budget={"state_st_budget": 10}),
            fact("case-1", 3, sup.DISBURSEMENT_RECORDED, disbursed_on="2024-12-20", source="state_st_budget",
                 amount=10)]
    reversal = fact("case-1", 4, sup.DISBURSEMENT_REVERSED, disbursed_on="2024-12-20", reversed_on="2025-01-05",
                    source="state_st_budget", amount=10, disbursement_id="ev-3", reason="nhầm")

    def disbursed(facts) -> int:
        [table] = views.build("DOF", facts, Period.parse("2024"), lambda code, day: True)
        return sum(row["disbursed"] for row in table["rows"])
    assert (disbursed(paid), disbursed([*paid, reversal])) == (10, 0)
    assert plans_view.done([*paid, reversal], 2024)["disbursed"]["support.label"]["state_st_budget"] == 0
    assert plans_view.done([*paid, reversal], 2025)["disbursed"] == {}


# ---- registry: surveys and certifications ---------------------------------------------------------------------
def facts_of(stream: Stream) -> list[dict]:
    """The stream's events as reporting keeps them (registry's facts)."""
    return [{"_id": event.event_id, "service": "registry", "stream_id": event.stream_id, "version": event.version,
             "position": event.position, "event_type": event.event_type, "data": event.data,
             "recorded_at": event.recorded_at} for event in stream.history]


def enterprise_with_records() -> Stream:
    stream = Stream("ent-9")
    stream.do(registry.register, tax_code="1400123456", name="Công ty TNHH Sen Hồng", district_code="866",
              registered_on=date(2023, 1, 1))
    stream.do(registry.record_survey, {"surveyed_on": date(2024, 3, 3), "kind": "survey"}, "survey-1")
    stream.do(registry.record_certification, {"standard": "vietgap", "certificate_number": "VG-1", "body": "QUACERT",
                                              "valid_from": date(2024, 1, 1), "valid_to": None}, "cert-1")
    return stream


def test_a_survey_on_the_wrong_enterprise_is_withdrawn_and_no_longer_counts_in_i3():
    stream = enterprise_with_records()
    with pytest.raises(NotFound):
        stream.do(registry.withdraw_survey, "survey-2", reason="nhầm")
    stream.do(registry.withdraw_survey, "survey-1", reason="ghi nhầm doanh nghiệp")
    assert registry.current_state(stream.history).surveys == ()
    facts = facts_of(stream)
    [row] = [row.document() for row in contributions(facts) if row.indicator == "I3"]
    assert [void["event_id"] for void in row["revoked"]] == [stream.history[-1].event_id]


def test_a_certification_is_corrected_or_annulled_as_a_mistake_and_the_dard_view_follows():
    stream = enterprise_with_records()
    with pytest.raises(DomainError) as backwards:
        stream.do(registry.correct_certification, "cert-1", changes={"valid_to": date(2023, 6, 1)}, reason="x")
    assert "valid_to" in backwards.value.extra["errors"]
    stream.do(registry.correct_certification, "cert-1", changes={"valid_from": date(2025, 2, 2)}, reason="nhập sai")
    assert registry.current_state(stream.history).certifications["cert-1"]["valid_from"] == "2025-02-02"
    facts = [fact(event.stream_id, event.version, event.event_type, **event.data) for event in stream.history]
    assert set(views.certifications(facts)) == {"cert-1"}
    assert views.certifications(facts)["cert-1"]["valid_from"] == "2025-02-02"
    stream.do(registry.annul_certification, "cert-1", reason="không phải của doanh nghiệp này")
    assert registry.current_state(stream.history).certifications == {}
    facts = [fact(event.stream_id, event.version, event.event_type, **event.data) for event in stream.history]
    assert views.certifications(facts) == {}
    with pytest.raises(NotFound):
        stream.do(registry.annul_certification, "cert-1", reason="lần nữa")


# ---- registry: conformity fields (I5) ---------------------------------------------------------------------------
def i5_value(stream: Stream, period: str, through: int | None = None) -> int:
    """I5 of the body's stream, as the system knew it through a position of the registry's log (or now)."""
    facts = facts_of(stream)
    rows = [row.document() for row in contributions(facts)]
    cut = Cut(today=date(2026, 11, 28), positions=None if through is None else {"registry": through})
    return evaluate(BY_CODE["I5"], rows, Period.parse(period), cut, UnitDirectory([]))["value"]


def test_a_field_typed_with_the_wrong_date_is_corrected_and_one_recorded_by_mistake_annulled():
    stream = Stream("body-9")
    stream.do(conformity.register_body, name="Trung tâm Kỹ thuật TCĐLCL", district_code="866",
              registered_on=date(2021, 1, 1))
    stream.do(conformity.add_field, kind="testing", name="Thử nghiệm vi sinh", added_on=date(2022, 5, 5),
              field_id="f-1")
    stream.do(conformity.add_field, kind="calibration", name="Hiệu chuẩn cân", added_on=date(2022, 6, 6),
              field_id="f-2")
    assert (i5_value(stream, "2022"), i5_value(stream, "2023")) == (2, 0)
    before = stream.history[-1].position
    with pytest.raises(DomainError) as nothing:
        stream.do(conformity.correct_field, "f-1", changes={"added_on": date(2022, 5, 5)}, reason="x")
    assert nothing.value.status == 422 and "changes" in nothing.value.extra["errors"]
    stream.do(conformity.correct_field, "f-1", changes={"added_on": date(2023, 5, 5)}, reason="sai năm")
    stream.do(conformity.annul_field, "f-2", reason="thuộc tổ chức khác")
    assert set(conformity.current_state(stream.history).fields) == {"f-1"}
    assert (i5_value(stream, "2022"), i5_value(stream, "2023")) == (0, 1)
    assert (i5_value(stream, "2022", through=before), i5_value(stream, "2023", through=before)) == (2, 0)
