"""Export writers: the API's answers as CSV (UTF-8 with BOM), XLSX (one sheet per table) and a printable report."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl

from services.reporting.dashboard.catalogue import Translator
from services.reporting.exports import header_row_of, indicators_export, report_print_html, to_csv, to_xlsx, view_export
from tests.unit.reporting_samples import changes_answer, indicators_answer, report_answer, view_answer

GENERATED = "2024-12-16T08:30:00Z"
VI = Translator("vi")


def open_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(sheet, header_row: int) -> tuple[list, list[list]]:
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[header_row], rows[header_row + 1:]


def test_csv_starts_with_a_bom_and_holds_the_meta_lines_and_every_table():
    export = indicators_export(indicators_answer(), VI, GENERATED, unit="866", structure="current")
    data = to_csv(export)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Chỉ tiêu chương trình NSCL, kỳ 2021-2025"]
    meta = {row[0]: row[1] for row in rows[1:8] if len(row) == 2}
    assert meta["Số liệu đến (as-of)"] == "2024-12-15T00:00:00Z"
    assert meta["Điểm cắt (vị trí sự kiện)"] == "registry 120, support 45, training 33"
    assert meta["Thời điểm tạo tệp"] == GENERATED
    assert meta["Đơn vị"] == "866" and meta["Cơ cấu đơn vị"] == "Theo hiện nay"
    header_index = rows.index(["Mã", "Chỉ tiêu", "Đơn vị tính", "Cơ quan chủ trì", "Giá trị", "Mục tiêu tối thiểu",
                               "Mục tiêu tối đa", "Dự kiến đến nay", "% đạt", "Tình trạng", "Cơ sở 2012–2020"])
    assert rows[header_index + 1][:5] == ["I1", "Lớp đào tạo về NSCL", "lớp học đã tổ chức", "DOST", "7"]
    assert rows[header_index + 1][9] == "Có nguy cơ chậm"
    assert rows[header_index + 2][5] == ""  # I8 has no target: an empty cell, not "None"
    assert ["Theo năm"] in rows and ["Được tính"] in rows


def test_xlsx_has_one_sheet_per_table_with_vietnamese_headers_numbers_and_the_cut():
    answer = indicators_answer()
    export = indicators_export(answer, VI, GENERATED)
    book = open_xlsx(to_xlsx(export))
    assert book.sheetnames == ["Chỉ tiêu", "Theo năm", "Theo đơn vị", "Được tính"]
    sheet = book["Chỉ tiêu"]
    assert sheet["A1"].value == "Chỉ tiêu chương trình NSCL, kỳ 2021-2025"
    meta = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(2, header_row_of(export))}
    assert meta["Số liệu đến (as-of)"] == answer["as_of"] and meta["Thời điểm tạo tệp"] == GENERATED
    assert meta["Đơn vị"] == "Toàn tỉnh"
    header, rows = sheet_rows(sheet, header_row_of(export))
    assert header[:5] == ["Mã", "Chỉ tiêu", "Đơn vị tính", "Cơ quan chủ trì", "Giá trị"]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    for item in answer["items"]:
        assert by_code[item["code"]]["Giá trị"] == item["value"]
        assert by_code[item["code"]]["% đạt"] == item["percent_achieved"]
        assert by_code[item["code"]]["Mục tiêu tối thiểu"] == item["target_min"]
    value_cell = sheet.cell(header_row_of(export) + 2, header.index("Giá trị") + 1)
    assert value_cell.number_format == "#,##0" and isinstance(value_cell.value, int)
    assert sheet.cell(header_row_of(export) + 2, header.index("% đạt") + 1).number_format == '0.0"%"'
    by_year = book["Theo năm"]
    header, rows = sheet_rows(by_year, header_row_of(export))
    assert rows[:2] == [["I1", "Lớp đào tạo về NSCL", 2021, 2, None], ["I1", "Lớp đào tạo về NSCL", 2022, 5, None]]
    assert by_year.cell(header_row_of(export) + 2, 3).number_format == "0"  # 2021, not 2,021
    contributors = book["Được tính"]
    header, rows = sheet_rows(contributors, header_row_of(export))
    assert rows == [["I1", "Lớp ISO 9001 tại Sa Đéc", datetime(2022, 5, 10), "training", "course-1"]]


def test_a_view_export_has_a_sheet_per_table_and_money_and_dates_as_numbers():
    export = view_export(view_answer(), VI, GENERATED)
    book = open_xlsx(to_xlsx(export))
    assert book.sheetnames == ["Kinh phí theo nguồn", "Giải ngân theo năm nguồn"]
    header, rows = sheet_rows(book["Kinh phí theo nguồn"], header_row_of(export))
    assert header == ["Nguồn", "Đã duyệt", "Số hồ sơ"]
    assert rows == [["Sự nghiệp KH&CN", 1_250_000_000, 12], ["Nguồn hợp pháp khác", 300_000_000, 3]]
    header, rows = sheet_rows(book["Giải ngân theo năm nguồn"], header_row_of(export))
    assert rows == [[datetime(2023, 3, 1), 50_000_000]]
    assert book["Giải ngân theo năm nguồn"].cell(header_row_of(export) + 2, 1).number_format == "dd/mm/yyyy"


def test_english_exports_take_the_english_labels_of_the_catalogue_and_of_the_api():
    export = view_export(view_answer(), Translator("en"), GENERATED)
    assert [table.title for table in export.tables] == ["Funding by source", "Disbursements"]
    assert [column.label for column in export.tables[0].columns] == ["Source", "Approved", "Cases"]
    assert ("Generated at", GENERATED) in export.meta


def test_sheet_names_are_unique_and_within_excels_limits():
    answer = view_answer()
    long_title = "Một bảng có tiêu đề rất dài [quá 31 ký tự] để thử"
    answer["tables"] = [{**answer["tables"][0], "key": f"t{i}", "title": long_title} for i in range(3)]
    book = open_xlsx(to_xlsx(view_export(answer, VI, GENERATED)))
    assert len(set(book.sheetnames)) == 3
    assert all(len(name) <= 31 and "[" not in name for name in book.sheetnames)


def test_the_printable_report_carries_its_id_cut_and_content_hash_and_marks_later_changes():
    report = report_answer()
    html = report_print_html(report, changes_answer(), VI, GENERATED)
    assert report["id"] in html and report["content_hash"] in html
    assert "registry 120, support 45, training 33" in html
    assert '<tr data-code="I1" class="changed">' in html and '<tr data-code="I2">' in html
    assert "Báo cáo sơ kết năm kỳ 2024" in html
    assert "@media print" in html


def test_the_printable_report_escapes_what_it_prints():
    report = report_answer()
    report["content"]["items"][0]["name"] = "<script>alert(1)</script>"
    html = report_print_html(report, None, VI, GENERATED)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
