"""Export writers: the reporting API's answers (plain dicts) as CSV, XLSX and a printable report.

Pure functions, dict → bytes/str: the routes fetch the answer through services.reporting.queries (the
same functions the API serves) and hand it here, so a file never holds a second computation.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.reporting.dashboard.catalogue import Translator

CSV_BOM = "\ufeff"
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "dashboard" / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_NUMBER_FORMATS = {"int": "#,##0", "year": "0", "money": "#,##0", "float": "#,##0.0", "percent": '0.0"%"',
                   "date": "dd/mm/yyyy"}
_SHEET_NAME_FORBIDDEN = str.maketrans({ch: " " for ch in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: str = "text"  # text | int | money | float | percent | date


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Export:
    title: str
    meta: list[tuple[str, str]]
    tables: list[Table] = field(default_factory=list)


# ---- from the API's answers to tables ------------------------------------------------------------------
def indicators_export(answer: dict, t: Translator, generated_at: str, unit: str | None = None,
                      structure: str = "period") -> Export:
    items = answer.get("items", [])
    return Export(title=t("export.indicators.title", period=answer.get("period", "")),
                  meta=_meta(answer, t, generated_at, unit, structure),
                  tables=[indicator_table(items, t), *_indicator_detail_tables(items, t)])


def view_export(answer: dict, t: Translator, generated_at: str, unit: str | None = None,
                structure: str = "period") -> Export:
    tables = [indicator_table(answer["indicators"], t)] if answer.get("indicators") else []
    for table in answer.get("tables", []):
        columns = [Column(c["key"], t.pick(c, "label"), c.get("type", "text")) for c in table["columns"]]
        tables.append(Table(table["key"], t.pick(table, "title"), columns, table["rows"]))
    return Export(title=t("export.view.title", name=answer.get("name") or answer.get("department", ""),
                          period=answer.get("period", "")),
                  meta=_meta(answer, t, generated_at, unit, structure), tables=tables)


def plan_export(answer: dict, t: Translator, generated_at: str) -> Export:
    """The annual plan versus what was done (services.reporting.plans_view), with the plan's state."""
    export = view_export(answer, t, generated_at)
    state = answer["plan"]["state_label"] if answer.get("plan") else t("plan.none")
    meta = [line for line in export.meta if line[0] not in (t("meta.unit"), t("meta.structure"))]
    return replace(export, title=t("export.plan.title", year=answer["year"]),
                   meta=[*meta[:2], (t("meta.plan_state"), state), *meta[2:]])


def indicator_table(items: list[dict], t: Translator) -> Table:
    columns = [Column("code", t("col.code")), Column("name", t("col.indicator")),
               Column("unit_label", t("col.unit_label")), Column("owner", t("col.owner")),
               Column("value", t("col.value"), "int"), Column("target_min", t("col.target_min"), "int"),
               Column("target_max", t("col.target_max"), "int"),
               Column("expected_to_date", t("col.expected_to_date"), "float"),
               Column("percent_achieved", t("col.percent_achieved"), "percent"),
               Column("status", t("col.status")), Column("baseline", t("col.baseline"), "int")]
    rows = [{**item, "name": t.pick(item, "name"), "status": t(f"status.{item['status']}"),
             "baseline": (item.get("baseline") or {}).get("value")} for item in items]
    return Table("indicators", t("export.sheet.indicators"), columns, rows)


def _indicator_detail_tables(items: list[dict], t: Translator) -> list[Table]:
    code, name = Column("code", t("col.code")), Column("name", t("col.indicator"))
    by_year = [{"code": i["code"], "name": t.pick(i, "name"), **year} for i in items for year in i.get("by_year", [])]
    by_unit = [{"code": i["code"], "unit_code": u["code"], "unit_name": u["name"], "value": u["value"]}
               for i in items for u in i.get("by_unit", [])]
    contributors = [{"indicator": i["code"], **c} for i in items for c in i.get("contributors", [])]
    return [
        Table("by_year", t("export.sheet.by_year"), [code, name, Column("year", t("col.year"), "int"),
              Column("value", t("col.value"), "int"), Column("target_min", t("col.target_min"), "int")], by_year),
        Table("by_unit", t("export.sheet.by_unit"), [code, Column("unit_code", t("col.unit_code")),
              Column("unit_name", t("col.unit")), Column("value", t("col.value"), "int")], by_unit),
        Table("contributors", t("export.sheet.contributors"), [
            Column("indicator", t("col.code")), Column("label", t("col.contributor")),
            Column("date", t("col.date"), "date"), Column("service", t("col.service")),
            Column("stream_id", t("col.stream_id"))], contributors),
    ]


def _meta(answer: dict, t: Translator, generated_at: str, unit: str | None, structure: str) -> list[tuple[str, str]]:
    meta = [(t("meta.period"), str(answer.get("period", ""))), (t("meta.as_of"), str(answer.get("as_of", "")))]
    if answer.get("positions"):
        cut = ", ".join(f"{service} {position}" for service, position in answer["positions"].items())
        meta.append((t("meta.cut"), cut))
    if answer.get("complete") is False:
        meta.append((t("meta.complete"), t("meta.incomplete")))
    meta += [(t("meta.unit"), unit or t("meta.whole_province")), (t("meta.structure"), t(f"structure.{structure}")),
             (t("meta.generated_at"), generated_at)]
    return meta


# ---- writers -------------------------------------------------------------------------------------------
def to_csv(export: Export) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Vietnamese; the meta lines, then each table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([export.title])
    writer.writerows([label, value] for label, value in export.meta)
    for table in export.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([column.label for column in table.columns])
        writer.writerows([_csv_cell(row.get(column.key)) for column in table.columns] for row in table.rows)
    return (CSV_BOM + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    return "" if value is None else value


def to_xlsx(export: Export) -> bytes:
    """One sheet per table; each sheet begins with the title, the as-of cut and the generation time."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    workbook.set_properties({"title": export.title,
                             "comments": "; ".join(f"{label}: {value}" for label, value in export.meta)})
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DDE7F0", "border": 1, "text_wrap": True})
    formats = {kind: workbook.add_format({"num_format": pattern}) for kind, pattern in _NUMBER_FORMATS.items()}
    names: set[str] = set()
    for table in export.tables or [Table("empty", export.title, [], [])]:
        sheet = workbook.add_worksheet(_sheet_name(table.title, names))
        sheet.write(0, 0, export.title, bold)
        for index, (label, value) in enumerate(export.meta, start=1):
            sheet.write_string(index, 0, label, bold)
            sheet.write_string(index, 1, value)
        header_row = header_row_of(export)
        sheet.write_string(header_row - 1, 0, table.title, bold)
        for column_index, column in enumerate(table.columns):
            sheet.write_string(header_row, column_index, column.label, header)
            sheet.set_column(column_index, column_index, _width(column, table.rows))
        for row_index, row in enumerate(table.rows, start=header_row + 1):
            for column_index, column in enumerate(table.columns):
                _write_cell(sheet, row_index, column_index, _kind(column), row.get(column.key), formats)
        sheet.freeze_panes(header_row + 1, 0)
        if table.columns:
            sheet.autofilter(header_row, 0, header_row + max(len(table.rows), 1), len(table.columns) - 1)
    workbook.close()
    return buffer.getvalue()


def header_row_of(export: Export) -> int:
    """The 0-based row of a sheet's column headers: after the title, the meta lines, a blank row and the
    table's title."""
    return len(export.meta) + 3


def _kind(column: Column) -> str:
    """A year is a number, but 2,021 is no year: no thousands separator for it."""
    return "year" if column.type == "int" and column.key == "year" else column.type


def _write_cell(sheet: Any, row: int, column: int, kind: str, value: Any, formats: dict) -> None:
    if value is None or value == "":
        sheet.write_blank(row, column, None)
    elif kind in ("int", "year", "money", "float", "percent") and isinstance(value, int | float):
        sheet.write_number(row, column, value, formats[kind])
    elif kind == "date" and isinstance(value, str) and _is_iso_date(value):
        sheet.write_datetime(row, column, _to_date(value), formats["date"])
    else:
        sheet.write_string(row, column, str(value))


def _is_iso_date(value: str) -> bool:
    try:
        _to_date(value)
    except ValueError:
        return False
    return True


def _to_date(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())


def _width(column: Column, rows: Iterable[dict]) -> int:
    longest = max([len(column.label)] + [len(str(row.get(column.key) or "")) for row in rows])
    return min(max(longest + 2, 8), 60)


def _sheet_name(title: str, taken: set[str]) -> str:
    base = " ".join(title.translate(_SHEET_NAME_FORBIDDEN).split())[:31].strip("'") or "Sheet"
    name, suffix = base, 2
    while name.lower() in taken:
        name = f"{base[:31 - len(str(suffix)) - 1]} {suffix}"
        suffix += 1
    taken.add(name.lower())
    return name


# ---- the printable issued report ---------------------------------------------------------------------
def report_print_html(report: dict, changes: dict | None, t: Translator, generated_at: str) -> str:
    """An issued report on paper: its id, cut and content hash printed, so a copy leads back to the log."""
    changed = {change["code"]: change for change in (changes or {}).get("changes", [])}
    items = [{**item, "name": t.pick(item, "name"), "status_label": t(f"status.{item['status']}"),
              "change": changed.get(item["code"])} for item in report.get("content", {}).get("items", [])]
    return _TEMPLATES.get_template("report_print.html").render(
        t=t, lang=t.language, report=report, items=items, generated_at=generated_at,
        kind=t(f"report.kind.{report['kind']}"))
