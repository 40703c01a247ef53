"""The demo's plans give every indicator of issue 8 something to count each year 2021–2026, and the test-sized demo
is a smaller demo of the same shape."""
from __future__ import annotations

from collections import Counter, defaultdict

from deploy import demo, demo_support, demo_training

YEARS = set(range(2021, 2027))
ENTERPRISES = [{"id": f"ent-{n}", "name": f"DN {n}", "district": {"code": code}}
               for n, code in enumerate(["866", "867", "871", "873", "876", "877"] * 50)]


def _by_year(cases, support_types, step_path):
    years = defaultdict(list)
    for case in cases:
        if case.proposal["support_type"] not in support_types:
            continue
        for step in case.steps:
            if step.path == step_path:
                day = step.body.get("completed_on") or step.body.get("approved_on")
                years[int(day[:4])].append(step.body)
    return years


def test_support_completes_i4_and_award_cases_every_year_with_gold_and_approves_st_tasks():
    cases = demo_support.plan(ENTERPRISES)
    i4 = _by_year(cases, demo_support.I4_TYPES, "completion")
    awards = _by_year(cases, {"quality_award"}, "completion")
    st_tasks = _by_year(cases, {"st_task"}, "approval")
    assert set(i4) >= YEARS and set(awards) >= YEARS and set(st_tasks) >= YEARS
    assert sum(len(i4[year]) for year in range(2021, 2026)) >= 15
    assert sum(len(awards[year]) for year in range(2021, 2026)) >= 10
    golds = Counter(int(body["completed_on"][:4]) for year in awards for body in awards[year]
                    if body["outcome"]["award"] == "gold")
    assert sum(golds[year] for year in range(2021, 2026)) >= 3 and golds[2026] >= 1
    cancelled_st_tasks = [case for case in cases if case.proposal["support_type"] == "st_task"
                          and any(step.path == "approval" for step in case.steps)
                          and case.steps[-1].path == "cancellation"]
    assert cancelled_st_tasks
    assert all(step.body.get("completed_on", "") <= "2026-11-28" for case in cases for step in case.steps)


def test_training_holds_classes_and_an_expert_class_every_year():
    plan = demo_training.course_plan()
    held_classes = Counter(course.start.year for course in plan
                           if course.kind == "training_class" and course.fate in ("closed", "held"))
    expert_classes = Counter(course.start.year for course in plan if course.expert_course)
    assert set(held_classes) == YEARS and sum(held_classes[year] for year in range(2021, 2026)) >= 10
    assert set(expert_classes) == YEARS
    assert {course.fate for course in plan} == {"closed", "held", "cancelled", "scheduled"}
    assert all(course.start.isoformat() < "2026-11-28" for course in plan if course.fate != "scheduled")
    assert [course.index for course in plan] == list(range(len(plan)))
    assert demo_training.course_plan() == plan


def test_conformity_fields_are_added_every_year_and_one_is_removed():
    added = {field[2][:4] for _, _, fields in demo.CONFORMITY_BODIES for field in fields}
    assert added == {str(year) for year in YEARS}
    body, name, removed_on, _ = demo.FIELD_REMOVED
    assert any(field[1] == name and field[2] < removed_on for field in demo.CONFORMITY_BODIES[body][2])


def test_the_demo_size_comes_from_the_environment():
    assert demo.DemoSize.from_env({}) == demo.DemoSize()
    small = demo.DemoSize.from_env({"NSCL_DEMO_SIZE": "16"})
    assert (small.enterprises, small.cases, small.backbone, small.participants) == (16, 13, False, 3)
    assert demo.DemoSize.from_env({"NSCL_DEMO_SIZE": "150"}).backbone
