"""What reporting's API takes and returns (marshmallow), documented in its OpenAPI."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.reporting.evaluator import STRUCTURES
from shared.inputs import Input, Instant, QueryInput

PERIOD_HELP = "một năm (2023) hoặc một giai đoạn (2021-2025, 2026-2030)"


class IndicatorQuery(QueryInput):
    period = fields.String(required=True, metadata={"description": PERIOD_HELP})
    as_of = Instant(metadata={
        "description": "chỉ tính những gì hệ thống đã ghi nhận đến thời điểm này (ISO 8601); mặc định: bây giờ"})
    unit = fields.String(validate=validate.Length(min=1, max=40), metadata={"description": "mã đơn vị (huyện, sở)"})
    structure = fields.String(load_default="period", validate=validate.OneOf(STRUCTURES), metadata={
        "description": "period: đơn vị theo kỳ; current: quy về đơn vị kế thừa hiện nay"})


class ViewQuery(IndicatorQuery):
    period = fields.String(load_default="2021-2025", metadata={"description": PERIOD_HELP})


class ContributorsChoice(Schema):
    contributors = fields.Boolean(load_default=True, metadata={
        "description": "false: không kèm danh sách được tính; số liệu hôm nay khi đó lấy từ số đếm bộ chiếu "
                       "giữ sẵn, nhanh như nhau dù lịch sử dài bao nhiêu"})


class IndicatorsQuery(IndicatorQuery, ContributorsChoice):
    pass


class ViewPageQuery(ViewQuery, ContributorsChoice):
    pass


class YearValue(Schema):
    year = fields.Integer()
    value = fields.Integer()
    target_min = fields.Integer(allow_none=True)


class UnitValue(Schema):
    code = fields.String(allow_none=True)
    name = fields.String()
    value = fields.Integer()


class Contributor(Schema):
    id = fields.String()
    label = fields.String()
    date = fields.String()
    service = fields.String()
    stream_id = fields.String()
    unit = fields.String(allow_none=True)


class BaselineOut(Schema):
    period = fields.String()
    value = fields.Integer()
    note = fields.String()


class IndicatorOut(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    owner = fields.String()
    unit_label = fields.String()
    period = fields.String()
    as_of = fields.String()
    value = fields.Integer()
    target_min = fields.Integer(allow_none=True)
    target_max = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "on_track, at_risk, behind, achieved, not_achieved, "
                                                    "not_started, no_target"})
    expected_to_date = fields.Float(allow_none=True)
    percent_achieved = fields.Float(allow_none=True)
    baseline = fields.Nested(BaselineOut, allow_none=True)
    by_year = fields.List(fields.Nested(YearValue))
    by_unit = fields.List(fields.Nested(UnitValue))
    contributors = fields.List(fields.Nested(Contributor))


class IndicatorsOut(Schema):
    period = fields.String()
    as_of = fields.String()
    unit = fields.String(allow_none=True)
    structure = fields.String()
    complete = fields.Boolean(metadata={"description": "báo cáo đã nhận đủ mọi sự kiện, không thiếu vị trí nào"})
    positions = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "vị trí mà dưới đó đã nhận đủ sự kiện, theo dịch vụ"})
    items = fields.List(fields.Nested(IndicatorOut))


class IssueReport(Input):
    kind = fields.String(required=True, validate=validate.OneOf(("annual", "midterm")),
                         metadata={"description": "annual: sơ kết năm; midterm: sơ kết giai đoạn"})
    period = fields.String(required=True, metadata={"description": PERIOD_HELP})


class ReportSummary(Schema):
    id = fields.String()
    kind = fields.String()
    kind_name = fields.String()
    period = fields.String()
    issued_at = fields.String()
    issued_by = fields.String()
    department = fields.String()
    cut = fields.Dict(keys=fields.String(), values=fields.Integer())
    declarations_digest = fields.String()
    content_hash = fields.String()
    position = fields.Integer()
    event_hash = fields.String()


class ReportContent(Schema):
    period = fields.String()
    as_of = fields.String()
    cut = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(IndicatorOut))


class ReportOut(ReportSummary):
    reproduced = fields.Boolean(metadata={"description": "tính lại từ nhật ký tại lát cắt khớp hash đã lưu"})
    recomputed_hash = fields.String()
    declarations_current = fields.Boolean()
    content = fields.Nested(ReportContent)


class ChangedEvent(Schema):
    service = fields.String()
    position = fields.Integer()
    event_type = fields.String(allow_none=True)
    stream_id = fields.String()
    occurred_at = fields.String(allow_none=True)
    recorded_at = fields.String()


class IndicatorChange(Schema):
    code = fields.String()
    name = fields.String()
    value_at_issue = fields.Integer()
    value_now = fields.Integer()
    events = fields.List(fields.Nested(ChangedEvent))


class ReportChanges(Schema):
    report_id = fields.String()
    cut = fields.Dict(keys=fields.String(), values=fields.Integer())
    changes = fields.List(fields.Nested(IndicatorChange))


class HistoryItem(Schema):
    service = fields.String()
    position = fields.Integer()
    version = fields.Integer()
    event_type = fields.String()
    label = fields.String()
    occurred_at = fields.String()
    recorded_at = fields.String()
    actor = fields.String()
    department = fields.String()
    data = fields.Dict()


class ChainOut(Schema):
    service = fields.String()
    checked = fields.Integer()
    head_position = fields.Integer()
    head_hash = fields.String()
    ok = fields.Boolean()
    problems = fields.List(fields.Dict())


class UnitQuery(QueryInput):
    on = fields.Date(metadata={"description": "ngày (mặc định: hôm nay)"})


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    category = fields.String()
    status = fields.String()
    successor_code = fields.String(allow_none=True)
    parent_code = fields.String(allow_none=True)


class DistrictCount(Schema):
    code = fields.String()
    name = fields.String()
    count = fields.Integer()


class EnterprisesByDistrict(Schema):
    total = fields.Integer(metadata={"description": "tổng số doanh nghiệp đã đăng ký"})
    districts = fields.List(fields.Nested(DistrictCount))
    generated_at = fields.String()


class ViewName(Schema):
    code = fields.String()
    name = fields.String()


class ViewColumn(Schema):
    key = fields.String()
    label = fields.String()
    label_en = fields.String()
    type = fields.String(metadata={"description": "text, int, money, date"})


class ViewTable(Schema):
    key = fields.String()
    title = fields.String()
    title_en = fields.String()
    columns = fields.List(fields.Nested(ViewColumn))
    rows = fields.List(fields.Dict())


class ViewOut(Schema):
    department = fields.String()
    name = fields.String()
    period = fields.String()
    as_of = fields.String()
    indicators = fields.List(fields.Nested(IndicatorOut))
    tables = fields.List(fields.Nested(ViewTable))
