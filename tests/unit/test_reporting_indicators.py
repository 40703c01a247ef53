"""The indicator rules, by hand: contribution rows from streams' facts, then the pure evaluator."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from services.reporting.contributions import contributions
from services.reporting.evaluator import Cut, evaluate, status_of
from services.reporting.indicators import BY_CODE, InvalidPeriod, Period, declarations_digest
from shared.units import UnitDirectory

_positions = itertools.count(1)


def fact(service, stream, version, event_type, data, recorded_at="2024-01-01T00:00:00.000Z"):
    position = next(_positions)
    return {
        "_id": f"ev-{position}",
        "service": service,
        "stream_id": stream,
        "version": version,
        "position": position,
        "event_type": event_type,
        "data": data,
        "recorded_at": recorded_at,
        "occurred_at": recorded_at,
    }


def course(stream, kind, held_on, attendees=(), organiser="DOST", cancelled=False, recorded="2024-01-01T00:00:00.000Z"):
    facts = [
        fact(
            "training",
            stream,
            1,
            "CourseScheduled",
            {
                "title": f"Lớp {stream}",
                "kind": kind,
                "topic": "x",
                "organiser": organiser,
                "start_date": held_on,
                "end_date": held_on,
                "capacity": 50,
            },
            recorded,
        )
    ]
    for participant, enterprise in attendees:
        facts.append(
            fact(
                "training",
                stream,
                len(facts) + 1,
                "ParticipantEnrolled",
                {
                    "participant_id": participant,
                    "role": "manager",
                    "enterprise_id": enterprise,
                    "organisation_code": None,
                    "enterprise_name": f"DN {enterprise}",
                },
                recorded,
            )
        )
    if cancelled:
        facts.append(fact("training", stream, len(facts) + 1, "CourseCancelled", {"reason": "x"}, recorded))
        return facts
    facts.append(
        fact(
            "training",
            stream,
            len(facts) + 1,
            "CourseHeld",
            {
                "start_date": held_on,
                "end_date": held_on,
                "kind": kind,
                "topic": "x",
                "organiser": organiser,
                "participants": len(attendees),
            },
            recorded,
        )
    )
    for participant, enterprise in attendees:
        facts.append(
            fact(
                "training",
                stream,
                len(facts) + 1,
                "AttendanceRecorded",
                {"participant_id": participant, "enterprise_id": enterprise, "district_code": "866", "attended": True},
                recorded,
            )
        )
    return facts


def case(
    stream,
    enterprise,
    support_type,
    district="866",
    completed_on=None,
    approved_on="2022-01-10",
    award=None,
    cancelled_at=None,
):
    facts = [
        fact(
            "support",
            stream,
            1,
            "SupportCaseProposed",
            {
                "enterprise_id": enterprise,
                "enterprise_name": f"DN {enterprise}",
                "district_code": district,
                "support_type": support_type,
                "requested_amount": 1,
                "proposed_on": "2022-01-01",
                "proposed_by": "DOST",
                "need": "x",
                "title": f"Nhiệm vụ {stream}",
            },
        ),
        fact(
            "support", stream, 2, "SupportCaseApproved", {"budget": {"state_st_budget": 1}, "approved_on": approved_on}
        ),
    ]
    if completed_on:
        facts.append(
            fact(
                "support",
                stream,
                3,
                "SupportCaseCompleted",
                {"outcome": {"award": award} if award else {"summary": "xong"}, "completed_on": completed_on},
            )
        )
    if cancelled_at:
        facts.append(
            fact(
                "support",
                stream,
                len(facts) + 1,
                "SupportCaseCancelled",
                {"reason": "x", "cancelled_on": "2023-01-01"},
                recorded_at=cancelled_at,
            )
        )
    return facts


def rows_of(*streams):
    return [row.document() for facts in streams for row in contributions(facts)]


NO_UNITS = UnitDirectory([])
LATE = Cut(today=date(2026, 11, 28))


def value(code, rows, period, cut=LATE, units=NO_UNITS, **kwargs):
    return evaluate(BY_CODE[code], rows, Period.parse(period), cut, units, **kwargs)["value"]


def test_targets_of_both_phases_follow_the_plan_and_the_uplift():
    assert BY_CODE["I1"].targets("2021-2025") == (10, 10)
    assert BY_CODE["I1"].targets("2026-2030") == (11, 12)
    assert BY_CODE["I5"].targets("2026-2030") == (4, 4)
    assert BY_CODE["I2"].targets("2026-2030") == (22, 23)
    assert BY_CODE["I3"].targets("2021-2025", 5) == (500, 500)
    assert BY_CODE["I3"].targets("2026-2030", 1) == (110, 115)
    assert BY_CODE["I8"].targets("2021-2025") == (None, None)


def test_periods_are_years_of_the_programme_or_its_phases():
    assert Period.parse("2023").phase == "2021-2025" and Period.parse("2026-2030").years == list(range(2026, 2031))
    for wrong in ("2019", "2021-2030", "abc", "２０２３"):
        with pytest.raises(InvalidPeriod):
            Period.parse(wrong)


def test_i1_counts_held_training_classes_by_the_date_held_and_not_workshops_or_cancelled_ones():
    rows = rows_of(
        course("c1", "training_class", "2023-05-10"),
        course("c2", "workshop", "2023-06-01"),
        course("c3", "training_class", "2024-02-01", cancelled=True),
        course("c4", "training_class", "2026-03-01"),
    )
    assert (value("I1", rows, "2023"), value("I1", rows, "2021-2025"), value("I1", rows, "2026-2030")) == (1, 1, 1)


def test_i3_counts_each_enterprise_once_a_year_from_attendance_and_surveys_and_sums_years_for_a_phase():
    survey = [
        fact(
            "registry",
            "ent-B",
            1,
            "EnterpriseRegistered",
            {
                "tax_code": "1",
                "name": "DN B",
                "district_code": "867",
                "district_name": "x",
                "registered_on": "2021-01-01",
            },
        ),
        fact(
            "registry", "ent-B", 2, "SurveyRecorded", {"survey_id": "s1", "surveyed_on": "2024-03-03", "kind": "survey"}
        ),
        fact(
            "registry",
            "ent-B",
            3,
            "SurveyRecorded",
            {"survey_id": "s2", "surveyed_on": "2023-09-09", "kind": "diagnosis"},
        ),
    ]
    rows = rows_of(
        course("k1", "workshop", "2023-05-10", [("p1", "ent-A"), ("p2", None)]),
        course("k2", "training_class", "2023-08-10", [("p3", "ent-A")]),
        survey,
    )
    assert value("I3", rows, "2023") == 2  # A (two courses), B (a diagnosis)
    assert value("I3", rows, "2024") == 1  # B again, in another year
    result = evaluate(BY_CODE["I3"], rows, Period.parse("2021-2025"), LATE, NO_UNITS)
    assert result["value"] == 3 and [y["value"] for y in result["by_year"]] == [0, 0, 2, 1, 0]
    assert len(result["contributors"]) == 3 and result["target_min"] == 500


def test_i4_counts_an_enterprise_supported_twice_once_and_only_management_types():
    rows = rows_of(
        case("a", "E1", "management_system", completed_on="2022-05-01"),
        case("b", "E1", "improvement_tool", completed_on="2024-05-01"),
        case("c", "E2", "technology_transfer", completed_on="2026-01-05"),
        case("d", "E3", "barcode", completed_on="2023-01-01"),
        case("e", "E4", "management_system"),
    )
    assert value("I4", rows, "2021-2025") == 1 and value("I4", rows, "2026-2030") == 1
    result = evaluate(BY_CODE["I4"], rows, Period.parse("2021-2025"), LATE, NO_UNITS)
    assert [y["value"] for y in result["by_year"]] == [0, 1, 0, 0, 0]  # placed where it first counted


def test_i6_and_i7_count_award_participants_and_gold_winners():
    rows = rows_of(
        case("q1", "E1", "quality_award", completed_on="2023-10-01", award="gold"),
        case("q2", "E2", "quality_award", completed_on="2023-10-01", award="silver"),
        case("q3", "E3", "quality_award"),
    )
    assert (value("I6", rows, "2021-2025"), value("I7", rows, "2021-2025")) == (2, 1)


def test_i5_field_removal_counts_by_its_date_and_only_once_known():
    body = [
        fact(
            "registry",
            "body-1",
            1,
            "ConformityBodyRegistered",
            {"name": "Trung tâm", "district_code": "866", "enterprise_id": None, "registered_on": "2021-02-01"},
        ),
        fact(
            "registry",
            "body-1",
            2,
            "CapabilityFieldAdded",
            {"field_id": "f1", "kind": "testing", "name": "Nước", "added_on": "2022-03-01"},
            recorded_at="2022-03-02T00:00:00.000Z",
        ),
        fact(
            "registry",
            "body-1",
            3,
            "CapabilityFieldRemoved",
            {"field_id": "f1", "removed_on": "2024-06-01"},
            recorded_at="2024-07-01T00:00:00.000Z",
        ),
    ]
    rows = rows_of(body)
    before_removal_known = Cut(today=date(2024, 6, 15), as_of="2024-06-15T00:00:00.000Z")
    assert value("I5", rows, "2021-2025", before_removal_known) == 1
    assert value("I5", rows, "2021-2025") == 0  # removal dated within the phase, now known
    assert value("I5", rows, "2022") == 1  # removal dated after 2022 ended


def test_i8_an_approved_task_counts_until_its_cancellation_is_known():
    rows = rows_of(
        case("t1", "E1", "st_task", approved_on="2022-04-04", cancelled_at="2025-02-01T00:00:00.000Z"),
        case("t2", "E2", "st_task", approved_on="2023-04-04"),
    )
    assert value("I8", rows, "2021-2025", Cut(today=date(2025, 1, 1), as_of="2025-01-01T00:00:00.000Z")) == 2
    assert value("I8", rows, "2021-2025") == 1
    assert evaluate(BY_CODE["I8"], rows, Period.parse("2021-2025"), LATE, NO_UNITS)["status"] == "no_target"


def test_an_issued_report_cut_by_positions_ignores_later_facts():
    facts = case("t9", "E9", "st_task", approved_on="2022-04-04")
    cut = Cut(today=date(2026, 1, 1), positions={"support": facts[0]["position"]})  # before the approval
    assert value("I8", rows_of(facts), "2021-2025", cut) == 0
    cut = Cut(today=date(2026, 1, 1), positions={"support": facts[-1]["position"]})
    assert value("I8", rows_of(facts), "2021-2025", cut) == 1


def test_status_for_ended_running_and_future_periods():
    phase = Period.parse("2021-2025")
    assert status_of(10, 10, phase, date(2026, 1, 1)) == ("achieved", 10.0)
    assert status_of(10, 9, phase, date(2026, 1, 1))[0] == "not_achieved"
    halfway = date(2023, 7, 2)  # day 913 of 1826
    assert status_of(10, 5, phase, halfway) == ("on_track", 5.0)
    assert status_of(10, 4, phase, halfway)[0] == "at_risk"
    assert status_of(10, 3, phase, halfway)[0] == "behind"
    assert status_of(11, 0, Period.parse("2026-2030"), date(2025, 12, 31))[0] == "not_started"


def test_units_merged_in_2025_map_to_their_successor_by_period_or_today_without_double_counting():
    units = UnitDirectory(
        [
            fact(
                "registry",
                "orgunit-866",
                1,
                "OrgUnitEstablished",
                {
                    "code": "866",
                    "name": "TP Cao Lãnh",
                    "category": "administrative_unit",
                    "level": "district",
                    "effective_from": "2021-01-01",
                },
            ),
            fact(
                "registry",
                "orgunit-X1",
                1,
                "OrgUnitEstablished",
                {
                    "code": "X1",
                    "name": "Phường Cao Lãnh",
                    "category": "administrative_unit",
                    "level": "commune",
                    "effective_from": "2025-07-01",
                },
            ),
            fact(
                "registry", "orgunit-866", 2, "OrgUnitMerged", {"successor_code": "X1", "effective_from": "2025-07-01"}
            ),
        ]
    )
    rows = rows_of(
        case("u1", "E1", "management_system", completed_on="2024-05-01"),
        case("u2", "E2", "management_system", completed_on="2025-09-01"),
    )
    phase = Period.parse("2021-2025")
    by_period = evaluate(BY_CODE["I4"], rows, phase, LATE, units)
    assert {(unit["code"], unit["value"]) for unit in by_period["by_unit"]} == {("866", 1), ("X1", 1)}
    by_today = evaluate(BY_CODE["I4"], rows, phase, LATE, units, structure="current")
    assert [(unit["code"], unit["name"], unit["value"]) for unit in by_today["by_unit"]] == [
        ("X1", "Phường Cao Lãnh", 2)
    ]
    assert value("I4", rows, "2021-2025", units=units, unit="866") == 1
    assert value("I4", rows, "2021-2025", units=units, unit="X1", structure="current") == 2


def test_the_declarations_digest_is_stable():
    assert declarations_digest() == declarations_digest() and len(declarations_digest()) == 64


def test_a_participant_withdrawn_as_a_mistake_no_longer_counts_from_the_withdrawal_on():
    facts = course("k9", "workshop", "2023-05-10", [("p1", "ent-A"), ("p2", "ent-B")])
    facts.append(fact("training", "k9", len(facts) + 1, "ParticipantWithdrawn",
                      {"participant_id": "p2", "enterprise_id": "ent-B", "district_code": "866",
                       "organisation_code": None, "reason": "ghi danh nhầm"}, "2024-02-01T00:00:00.000Z"))
    rows = rows_of(facts)
    assert value("I3", rows, "2023") == 1
    before = Cut(today=date(2026, 11, 28), as_of="2024-01-15T00:00:00.000Z")
    assert value("I3", rows, "2023", cut=before) == 2  # what was known before the correction stays answerable


def test_a_survey_counts_in_the_unit_the_enterprise_was_in_on_its_date_across_a_move():
    registered = {"tax_code": "1", "name": "DN C", "district_code": "873", "district_name": "Huyện Cao Lãnh",
                  "registered_on": "2021-01-01"}
    facts = [
        fact("registry", "ent-C", 1, "EnterpriseRegistered", registered),
        fact("registry", "ent-C", 2, "SurveyRecorded", {"survey_id": "s1", "surveyed_on": "2024-03-03"}),
        fact("registry", "ent-C", 3, "EnterpriseMoved", {"district_code": "X-MY-THO-CL", "district_name": "Xã Mỹ Thọ",
                                                         "moved_on": "2025-07-01", "reason": "Sắp xếp 2025"}),
        fact("registry", "ent-C", 4, "SurveyRecorded", {"survey_id": "s2", "surveyed_on": "2025-09-09"}),
        # recorded late, dated before the move: still counted where the enterprise was then
        fact("registry", "ent-C", 5, "SurveyRecorded", {"survey_id": "s3", "surveyed_on": "2025-06-30"}),
    ]
    placed = {row.sub: row.unit_code for row in contributions(facts)}
    assert placed == {"survey:s1": "873", "survey:s2": "X-MY-THO-CL", "survey:s3": "873"}
