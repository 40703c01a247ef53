"""The dashboard as a person uses it, in headless chromium against the whole stack: sign in (pasted token, a
/#token= link, the dev-token page), the overview's figures equal the API's, a drill-down to what was counted
and its history, the as-of picker before and after a backdated entry, the language switch, the audit page,
a phone's width, and not one request leaving 127.0.0.1. A failing test leaves a screenshot in .nscl/screenshots.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from selenium.webdriver.support.ui import Select

from services.reporting.dashboard.catalogue import catalogue
from services.reporting.indicators import PROVINCE_TZ
from shared.auth import TokenService, write_dev_tokens
from tests.e2e.browser import Browser
from tests.e2e.reporting_helpers import PHASE, bearer, held_class, known_to_training, reporting_get, wait_caught_up

pytestmark = pytest.mark.e2e
OVERVIEW = f"/dashboard/overview?period={PHASE}"


@pytest.fixture(scope="module")
def enterprise(stack, tokens, register_enterprise):
    registered = register_enterprise(district_code="867", name="Công ty TNHH Bảng Điều Khiển")
    known_to_training(stack, tokens, registered)
    return registered


@pytest.fixture(scope="module")
def browser(stack):
    opened = Browser(stack.url("reporting"))
    yield opened
    opened.quit()


@pytest.fixture
def page(browser, request):
    yield browser
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"screenshot: {browser.screenshot(request.node.name)}")


def sign_in_with_fragment(page: Browser, token: str, path: str = "/") -> None:
    page.open(f"{path}#token={token}")
    page.wait_ready()


def figures(page: Browser) -> dict[str | None, dict]:
    """What each indicator card shows: the number as printed, its status and its chart's bars."""
    shown = {}
    for card in page.find_all("article.card[data-code]"):
        value = card.find_element("css selector", ".value")
        shown[card.get_attribute("data-code")] = {
            "value": int(re.sub(r"\D", "", value.text)), "data_value": int(value.get_attribute("data-value") or "0"),
            "status": card.find_element("css selector", ".badge").get_attribute("data-status"),
            "name": card.find_element("css selector", ".name").text,
            "bars": len(card.find_elements("css selector", "svg rect.bar"))}
    return shown


def assert_figures_equal_the_api(page: Browser, answer: dict) -> None:
    shown = figures(page)
    assert set(shown) == {item["code"] for item in answer["items"]}
    for item in answer["items"]:
        card = shown[item["code"]]
        assert card["value"] == card["data_value"] == item["value"], item["code"]
        assert card["status"] == item["status"], item["code"]
        assert card["bars"] == len(item["by_year"]), item["code"]


def end_of_yesterday_in_the_province() -> tuple[str, str]:
    """The day the picker is set to, and the instant the dashboard asks for: the end of that day."""
    today = datetime.now(PROVINCE_TZ).date()
    end = datetime.combine(today, time.min, PROVINCE_TZ) - timedelta(seconds=1)
    return (today - timedelta(days=1)).isoformat(), end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_dost_pastes_a_token_and_the_overview_shows_the_apis_figures(page, stack, tokens, enterprise):
    held_class(stack, tokens, enterprise, "2022-03-15")
    wait_caught_up(stack, tokens)
    page.open("/")
    page.wait(lambda: page.find("#signin").is_displayed(), what="the sign-in form")
    page.find("#signin-token").send_keys(bearer(tokens, "DOST", "viewer"))
    page.find("#signin-form button[type=submit]").click()
    page.wait_ready()
    assert page.find("#who").text.startswith("DOST")
    Select(page.find("#f-period")).select_by_value(PHASE)
    page.wait(lambda: f"period={PHASE}" in page.driver.current_url, what="the period in the address bar")
    page.wait_ready()

    assert_figures_equal_the_api(page, reporting_get(stack, tokens, "/indicators", period=PHASE))
    assert figures(page)["I1"]["value"] >= 1
    assert page.requests_leaving_the_machine() == []


def test_a_token_in_the_link_moves_to_session_storage_and_leaves_the_address_bar(page, tokens):
    token = bearer(tokens, "DOST", "clerk")
    sign_in_with_fragment(page, token, OVERVIEW)
    assert page.session_token() == token
    assert "#" not in page.driver.current_url and "token" not in page.driver.current_url
    assert page.find("#signin").is_displayed() is False
    assert page.requests_leaving_the_machine() == []


def test_the_as_of_picker_shows_what_was_known_before_a_backdated_entry(page, stack, tokens, enterprise):
    sign_in_with_fragment(page, bearer(tokens), OVERVIEW)
    before = figures(page)["I1"]["value"]

    held_class(stack, tokens, enterprise, "2023-05-10")  # held in 2023, typed in today
    wait_caught_up(stack, tokens)
    page.driver.refresh()
    page.wait_ready()
    now = reporting_get(stack, tokens, "/indicators", period=PHASE)
    assert_figures_equal_the_api(page, now)
    assert figures(page)["I1"]["value"] == before + 1

    yesterday, end_of_yesterday = end_of_yesterday_in_the_province()
    page.script("const input = document.getElementById('f-as-of'); input.value = arguments[0];"
                "input.dispatchEvent(new Event('change', {bubbles: true}));", yesterday)
    page.wait(lambda: f"as_of={yesterday}" in page.driver.current_url, what="the as-of date in the address bar")
    page.wait_ready()
    then = reporting_get(stack, tokens, "/indicators", period=PHASE, as_of=end_of_yesterday)
    assert_figures_equal_the_api(page, then)
    assert figures(page)["I1"]["value"] < before + 1
    assert page.find("[data-as-of]").get_attribute("data-as-of") == then["as_of"]

    page.script("const input = document.getElementById('f-as-of'); input.value = '';"
                "input.dispatchEvent(new Event('change', {bubbles: true}));")
    page.wait(lambda: "as_of" not in page.driver.current_url, what="the as-of date cleared")
    page.wait_ready()
    assert figures(page)["I1"]["value"] == before + 1
    assert page.requests_leaving_the_machine() == []


def test_a_drill_down_lists_the_contributors_and_opens_the_streams_history(page, stack, tokens):
    sign_in_with_fragment(page, bearer(tokens), OVERVIEW)
    page.find("article.card[data-code=I1] a.name").click()
    page.wait(lambda: "/dashboard/indicators/I1" in page.driver.current_url, what="the I1 drill-down")
    page.wait_ready()
    detail = reporting_get(stack, tokens, "/indicators/I1", period=PHASE)
    rows = page.find_all("#contributors tbody tr")
    assert [row.get_attribute("data-stream") for row in rows] == [c["stream_id"] for c in detail["contributors"]]
    assert len(rows) == detail["value"] >= 1

    stream_id = detail["contributors"][-1]["stream_id"]
    page.find(f'#contributors tr[data-stream="{stream_id}"] a').click()
    page.wait(lambda: f"/dashboard/history/{stream_id}" in page.driver.current_url, what="the stream's history")
    page.wait_ready()
    history = reporting_get(stack, tokens, f"/history/{stream_id}")
    shown = [row.get_attribute("data-event-type") for row in page.find_all("table.grid tbody tr")]
    assert shown == [event["event_type"] for event in history] and "CourseHeld" in shown
    assert page.requests_leaving_the_machine() == []


def test_the_language_switch_relabels_the_page_and_keeps_the_sign_in(page, stack, tokens):
    sign_in_with_fragment(page, bearer(tokens), OVERVIEW)
    answer = reporting_get(stack, tokens, "/indicators", period=PHASE)
    assert page.find("html").get_attribute("lang") == "vi"
    assert page.find("nav a[data-nav=overview]").text == "Tổng quan chương trình"
    assert figures(page)["I1"]["name"] == answer["items"][0]["name"]

    page.find("#lang").click()
    page.wait(lambda: page.find("html").get_attribute("lang") == "en", what="the English page")
    page.wait_ready()
    assert page.find("nav a[data-nav=overview]").text == "Programme overview"
    assert figures(page)["I1"]["name"] == answer["items"][0]["name_en"]
    status = answer["items"][0]["status"]
    assert page.find("article.card[data-code=I1] .badge").text == catalogue("en")[f"status.{status}"]
    assert_figures_equal_the_api(page, answer)

    page.find("#lang").click()
    page.wait(lambda: page.find("html").get_attribute("lang") == "vi", what="the Vietnamese page again")
    page.wait_ready()
    assert page.find("nav a[data-nav=overview]").text == "Tổng quan chương trình"
    assert page.requests_leaving_the_machine() == []


def assert_view_equals_the_api(page: Browser, answer: dict) -> None:
    """Each table of the view as the page shows it: its title, and each cell as the API gave it."""
    assert page.text("h1[data-department]") == answer["name"]
    assert_tables_equal_the_api(page, answer["tables"])


def assert_tables_equal_the_api(page: Browser, tables: list[dict]) -> None:
    shown_tables = [section.get_attribute("data-table") for section in page.find_all("section[data-table]")]
    assert shown_tables == [table["key"] for table in tables]
    for table in tables:
        section = page.find(f'section[data-table="{table["key"]}"]')
        assert section.find_element("css selector", "h2").text == table["title"]
        rows = section.find_elements("css selector", "tbody tr")
        assert len(rows) == len(table["rows"]), table["key"]
        for row, expected in zip(rows, table["rows"], strict=True):
            for column in table["columns"]:
                cell = row.find_element("css selector", f'td[data-column="{column["key"]}"]').text
                if column["type"] in ("int", "money"):
                    assert int(re.sub(r"\D", "", cell) or 0) == (expected[column["key"]] or 0), (table["key"], column)
                elif column["type"] == "text":
                    assert cell == str(expected[column["key"]] or ""), (table["key"], column)


def test_another_department_signs_in_from_the_dev_token_page_and_sees_its_own_view(page, stack, tokens, jwt_secret):
    write_dev_tokens(stack.state_dir, TokenService(jwt_secret))
    page.script("sessionStorage.clear()")
    page.open("/dashboard/dev-tokens")
    page.find('tr[data-department="DOLISA"] a[data-role="viewer"]').click()
    page.wait(lambda: "/dashboard/views/DOLISA" in page.driver.current_url, what="DOLISA's own view")
    page.wait_ready()
    assert "#" not in page.driver.current_url
    assert page.find("#who").text.startswith("DOLISA")
    assert page.find_all("nav a[data-nav=audit]") == [] and page.find_all("#view-picker") == []
    assert page.find_all("nav a[data-nav=plan]") == []  # the annual plan is DOST's and DOF's
    Select(page.find("#f-period")).select_by_value(PHASE)
    page.wait(lambda: f"period={PHASE}" in page.driver.current_url, what="the period in the address bar")
    page.wait_ready()

    answer = reporting_get(stack, tokens, "/views/DOLISA", "DOLISA", period=PHASE)
    assert_figures_equal_the_api(page, {"items": answer["indicators"]})
    assert_view_equals_the_api(page, answer)
    assert sum(row["count"] for row in answer["tables"][-1]["rows"]) >= 1  # the classes this module entered

    page.open(f"/dashboard/views/DOF?period={PHASE}")  # another department's view: the API refuses, the page says so
    page.wait_ready()
    assert page.find_all("section[data-table]") == []
    assert page.text("#status").startswith("Không có quyền")
    assert page.requests_leaving_the_machine() == []


def test_dof_opens_the_annual_plan_of_a_year_with_the_apis_figures(page, stack, tokens):
    sign_in_with_fragment(page, bearer(tokens, "DOF", "viewer"), "/dashboard/overview")
    page.find("nav a[data-nav=plan]").click()
    page.wait(lambda: "/dashboard/plan" in page.driver.current_url, what="the plan page")
    page.wait_ready()
    Select(page.find("#f-period")).select_by_value("2023")
    page.wait(lambda: page.find_all('h1[data-plan-year="2023"]'), what="the plan of 2023")
    page.wait_ready()
    answer = reporting_get(stack, tokens, "/views/DOST/plan", "DOF", year=2023)
    state = page.find("p[data-plan-state]").get_attribute("data-plan-state")
    assert state == (answer["plan"]["state"] if answer["plan"] else "none")
    assert_tables_equal_the_api(page, answer["tables"])
    assert not page.find("#f-unit").is_displayed() and page.find_all("#exports button[data-export=xlsx]")
    assert page.requests_leaving_the_machine() == []


def test_an_issued_report_lists_its_later_changes_highlighted_and_prints(page, stack, tokens, enterprise):
    sign_in_with_fragment(page, bearer(tokens, "DOST", "clerk"), "/dashboard/reports")
    Select(page.find("form.inline select[name=kind]")).select_by_value("annual")
    Select(page.find("form.inline select[name=period]")).select_by_value("2023")
    page.find("form.inline button[type=submit]").click()
    page.wait(lambda: re.search(r"/dashboard/reports/[0-9a-f-]{36}", page.driver.current_url), what="the new report")
    page.wait_ready()
    report_id = page.driver.current_url.split("/dashboard/reports/")[1].split("?")[0]
    report = reporting_get(stack, tokens, f"/reports/{report_id}")
    assert report["period"] == "2023" and report["content_hash"] in page.text("dl.trace")
    assert page.find_all("tr.changed") == []

    held_class(stack, tokens, enterprise, "2023-11-20")  # held in the report's year, typed in after it was issued
    wait_caught_up(stack, tokens)
    page.driver.refresh()
    page.wait_ready()
    changes = reporting_get(stack, tokens, f"/reports/{report_id}/changes")["changes"]
    assert {change["code"] for change in changes} >= {"I1"}
    assert sorted(row.get_attribute("data-code") for row in page.find_all("tr.changed")) == sorted(
        change["code"] for change in changes)
    i1 = next(change for change in changes if change["code"] == "I1")
    row = page.find('tr.changed[data-code="I1"]')
    assert row.find_element("css selector", "[data-column=value]").text == str(i1["value_at_issue"])
    assert row.find_element("css selector", "[data-column=now]").text == str(i1["value_now"])
    assert "CourseHeld" in row.text

    windows = set(page.driver.window_handles)
    page.find("button[data-print]").click()
    page.wait(lambda: len(page.driver.window_handles) > len(windows), what="the printable copy")
    page.driver.switch_to.window((set(page.driver.window_handles) - windows).pop())
    try:
        page.wait(lambda: report_id in page.find("body").text, what="the report id on the printable copy")
        assert report["content_hash"] in page.find("body").text
    finally:
        page.driver.close()
        page.driver.switch_to.window(windows.pop())
    assert page.requests_leaving_the_machine() == []


def test_an_auditor_sees_each_services_chain_and_the_dead_letters(page, stack, tokens):
    sign_in_with_fragment(page, bearer(tokens, "DOST", "auditor"), "/dashboard/audit")
    chains = reporting_get(stack, tokens, "/audit/chains", role="auditor")
    for chain in chains:
        row = page.find(f'tr[data-service="{chain["service"]}"]')
        assert row.find_element("css selector", "[data-column=head_position]").text.replace(".", "").replace(
            ",", "") == str(chain["head_position"])
        assert chain["head_hash"] in row.text
    assert page.requests_leaving_the_machine() == []


def test_a_phone_width_shows_the_overview_without_sideways_scrolling(page, tokens):
    page.driver.set_window_size(390, 844)
    try:
        sign_in_with_fragment(page, bearer(tokens), OVERVIEW)
        assert page.script("return document.documentElement.scrollWidth <= window.innerWidth")
        card = page.find("article.card[data-code=I1]")
        assert card.size["width"] > 0.8 * page.script("return window.innerWidth") - 40
    finally:
        page.driver.set_window_size(1366, 900)
    assert page.requests_leaving_the_machine() == []
