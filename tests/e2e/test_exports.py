"""Exports against the whole stack: the XLSX and CSV files hold the figures the API answers for the same cut,
and an issued report prints with its id, cut and content hash."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import requests

from tests.e2e.reporting_helpers import PHASE, held_class, known_to_training, reporting_get, wait_caught_up

pytestmark = pytest.mark.e2e
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def cut(stack, tokens, register_enterprise) -> str:
    """A training class entered for this module; the instant after which reporting has it."""
    enterprise = register_enterprise(district_code="866", name="Công ty CP Xuất Khẩu Tệp")
    known_to_training(stack, tokens, enterprise)
    held_class(stack, tokens, enterprise, "2024-09-09")
    wait_caught_up(stack, tokens)
    return reporting_get(stack, tokens, "/indicators", period=PHASE)["as_of"]


def download(stack, tokens, path: str, department: str = "DOST", **params) -> requests.Response:
    response = requests.get(f"{stack.url('reporting')}/api/v1{path}", params=params,
                            headers=tokens(department, "viewer"), timeout=60)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    return response


def sheet_table(sheet) -> tuple[dict[str, str], list[dict]]:
    """The meta lines at the top of a sheet, then its table as dicts keyed by the header row."""
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    blank = next(index for index, row in enumerate(rows) if index > 0 and not any(row))
    meta = {row[0]: row[1] for row in rows[1:blank]}
    header = rows[blank + 2]
    return meta, [dict(zip(header, row, strict=True)) for row in rows[blank + 3:]]


def test_the_indicators_workbook_holds_the_apis_figures_at_the_same_cut(stack, tokens, cut):
    answer = reporting_get(stack, tokens, "/indicators", period=PHASE, as_of=cut)
    response = download(stack, tokens, "/exports/indicators.xlsx", period=PHASE, as_of=cut)
    assert response.headers["Content-Type"] == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"nscl-indicators-2021-2025")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Chỉ tiêu", "Theo năm", "Theo đơn vị", "Được tính"]

    meta, rows = sheet_table(book["Chỉ tiêu"])
    assert meta["Số liệu đến (as-of)"] == answer["as_of"]
    assert meta["Điểm cắt (vị trí sự kiện)"] == ", ".join(f"{s} {p}" for s, p in answer["positions"].items())
    assert meta["Thời điểm tạo tệp"] >= cut
    assert [row["Mã"] for row in rows] == [item["code"] for item in answer["items"]]
    for row, item in zip(rows, answer["items"], strict=True):
        assert row["Chỉ tiêu"] == item["name"]
        assert row["Giá trị"] == item["value"]
        assert row["Mục tiêu tối thiểu"] == item["target_min"]
        assert row["% đạt"] == item["percent_achieved"]
        assert row["Cơ sở 2012–2020"] == (item["baseline"] or {}).get("value")
    assert next(row for row in rows if row["Mã"] == "I1")["Giá trị"] >= 1

    _, by_year = sheet_table(book["Theo năm"])
    assert [(row["Mã"], row["Năm"], row["Giá trị"]) for row in by_year] == [
        (item["code"], year["year"], year["value"]) for item in answer["items"] for year in item["by_year"]]
    _, counted = sheet_table(book["Được tính"])
    assert [row["Mã luồng sự kiện"] for row in counted] == [
        contributor["stream_id"] for item in answer["items"] for contributor in item["contributors"]]


def test_the_indicators_csv_is_utf8_with_a_bom_and_the_same_figures(stack, tokens, cut):
    answer = reporting_get(stack, tokens, "/indicators", period=PHASE, as_of=cut)
    response = download(stack, tokens, "/exports/indicators.csv", period=PHASE, as_of=cut, lang="en")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows.index(["Code", "Indicator", "Counted", "Owner", "Value", "Target (min)", "Target (max)",
                         "Expected to date", "% achieved", "Status", "Baseline 2012–2020"])
    shown = {row[0]: row for row in rows[header + 1:header + 1 + len(answer["items"])]}
    for item in answer["items"]:
        assert shown[item["code"]][1] == item["name_en"] and int(shown[item["code"]][4]) == item["value"]


def test_a_department_views_workbook_has_a_sheet_per_table_and_is_refused_to_others(stack, tokens, cut):
    answer = reporting_get(stack, tokens, "/views/DOLISA", "DOLISA", period=PHASE, as_of=cut)
    response = download(stack, tokens, "/exports/views/DOLISA.xlsx", "DOLISA", period=PHASE, as_of=cut)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Chỉ tiêu" and len(book.sheetnames) == 1 + len(answer["tables"])
    _, indicators = sheet_table(book["Chỉ tiêu"])
    assert [(row["Mã"], row["Giá trị"]) for row in indicators] == [
        (item["code"], item["value"]) for item in answer["indicators"]]
    for sheet_name, table in zip(book.sheetnames[1:], answer["tables"], strict=True):
        meta, rows = sheet_table(book[sheet_name])
        assert meta["Số liệu đến (as-of)"] == answer["as_of"]
        assert rows == [{column["label"]: row[column["key"]] for column in table["columns"]} for row in table["rows"]]

    refused = requests.get(f"{stack.url('reporting')}/api/v1/exports/views/DOF.xlsx", params={"period": PHASE},
                           headers=tokens("DOLISA", "viewer"), timeout=30)
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/problem+json"
    assert requests.get(f"{stack.url('reporting')}/api/v1/exports/indicators.csv", params={"period": PHASE},
                        timeout=30).status_code == 401


def test_an_issued_report_prints_with_its_id_cut_and_content_hash(stack, tokens, cut):
    issued = requests.post(f"{stack.url('reporting')}/api/v1/reports", json={"kind": "annual", "period": "2024"},
                           headers=tokens("DOST", "clerk"), timeout=60)
    assert issued.status_code == 201, issued.text
    report = issued.json()
    page = download(stack, tokens, f"/reports/{report['id']}/print")
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert f'<dd data-field="id">{report["id"]}</dd>' in html
    assert f'<dd data-field="content_hash">{report["content_hash"]}</dd>' in html
    assert ", ".join(f"{service} {position}" for service, position in report["cut"].items()) in html
    for item in report["content"]["items"]:
        assert f'<tr data-code="{item["code"]}">' in html  # nothing changed since it was issued
