"""Answers of the reporting API in the documented shapes (/work briefs: reporting API contract), for unit tests."""
from __future__ import annotations

import copy


def indicator(code: str = "I1", value: int = 7, **fields) -> dict:
    item = {
        "code": code, "name": "Lớp đào tạo về NSCL", "name_en": "NSCL training classes", "owner": "DOST",
        "unit_label": "lớp học đã tổ chức", "period": "2021-2025", "as_of": "2024-12-15T00:00:00Z",
        "value": value, "target_min": 10, "target_max": None, "status": "at_risk", "expected_to_date": 7.9,
        "percent_achieved": 70.0,
        "baseline": {"period": "2012-2020", "value": 28, "note": "28 lớp, hơn 300 doanh nghiệp"},
        "by_year": [{"year": 2021, "value": 2, "target_min": None}, {"year": 2022, "value": 5, "target_min": None}],
        "by_unit": [{"code": "866", "name": "Thành phố Cao Lãnh", "value": 4},
                    {"code": "867", "name": "Thành phố Sa Đéc", "value": 3}],
        "contributors": [{"id": "c-1", "label": "Lớp ISO 9001 tại Sa Đéc", "date": "2022-05-10",
                          "service": "training", "stream_id": "course-1"}],
    }
    item.update(fields)
    return item


def indicators_answer() -> dict:
    return {"period": "2021-2025", "as_of": "2024-12-15T00:00:00Z", "complete": True,
            "positions": {"registry": 120, "support": 45, "training": 33},
            "items": [indicator(), indicator("I8", 3, name="Nhiệm vụ KH&CN về TFP", name_en="S&T tasks for TFP",
                                             target_min=None, status="no_target", expected_to_date=None,
                                             percent_achieved=None, baseline=None, by_unit=[], contributors=[])]}


def view_answer() -> dict:
    return {"department": "DOF", "name": "Sở Tài chính", "period": "2021-2025", "as_of": "2024-12-15T00:00:00Z",
            "indicators": [],
            "tables": [
                {"key": "funding", "title": "Kinh phí theo nguồn", "title_en": "Funding by source",
                 "columns": [{"key": "source", "label": "Nguồn", "label_en": "Source", "type": "text"},
                             {"key": "approved", "label": "Đã duyệt", "label_en": "Approved", "type": "money"},
                             {"key": "cases", "label": "Số hồ sơ", "label_en": "Cases", "type": "int"}],
                 "rows": [{"source": "Sự nghiệp KH&CN", "approved": 1_250_000_000, "cases": 12},
                          {"source": "Nguồn hợp pháp khác", "approved": 300_000_000, "cases": 3}]},
                {"key": "disbursements", "title": "Giải ngân: theo năm / nguồn", "title_en": "Disbursements",
                 "columns": [{"key": "on", "label": "Ngày", "label_en": "Date", "type": "date"},
                             {"key": "amount", "label": "Số tiền", "label_en": "Amount", "type": "money"}],
                 "rows": [{"on": "2023-03-01", "amount": 50_000_000}]},
            ]}


def report_answer() -> dict:
    return {"id": "rpt-2024-annual-1", "kind": "annual", "period": "2024", "issued_at": "2024-12-20T03:00:00Z",
            "issued_by": "dev-dost-clerk", "cut": {"registry": 120, "support": 45, "training": 33},
            "declarations_digest": "d" * 64, "content_hash": "a1b2" * 16, "reproduced": True,
            "content": {"period": "2024", "as_of": "2024-12-20T03:00:00Z",
                        "items": [indicator(), indicator("I2", 4, status="on_track")]}}


def changes_answer() -> dict:
    return {"report_id": "rpt-2024-annual-1", "changes": [
        {"code": "I1", "value_at_issue": 7, "value_now": 8, "events": [
            {"service": "training", "position": 40, "event_type": "CourseHeld", "stream_id": "course-9",
             "occurred_at": "2024-11-02T02:00:00Z", "recorded_at": "2025-01-10T08:00:00Z"}]}]}


def copy_of(answer: dict) -> dict:
    return copy.deepcopy(answer)
