"""``GET /api/v1/views/DOST/plan?year=``: the annual plan versus what was done (services.reporting.plans_view)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.reporting import plans_view, schemas
from services.reporting.live import reporting
from shared.http import ServiceBlueprint, current_principal, require
from shared.inputs import Instant, Int, QueryInput

blp = ServiceBlueprint("plan_view", __name__, url_prefix="/api/v1",
                       description="Kế hoạch năm so với thực hiện, theo nhóm nhiệm vụ và nguồn kinh phí")


class PlanViewQuery(QueryInput):
    year = Int(required=True, validate=validate.Range(min=2021, max=2030),
                          metadata={"description": "năm kế hoạch (2021–2030)"})
    as_of = Instant(metadata={
        "description": "chỉ tính những gì hệ thống đã ghi nhận đến thời điểm này (ISO 8601); mặc định: bây giờ"})


class PlanState(Schema):
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()


class PlanViewOut(Schema):
    department = fields.String()
    name = fields.String()
    period = fields.String(metadata={"description": "năm kế hoạch, như trong các báo cáo khác"})
    as_of = fields.String()
    year = fields.Integer()
    plan = fields.Nested(PlanState, allow_none=True, metadata={"description": "null khi năm chưa có kế hoạch"})
    tables = fields.List(fields.Nested(schemas.ViewTable))


@blp.get("/views/DOST/plan")
@require("read")
@blp.arguments(PlanViewQuery, location="query")
@blp.response(200, PlanViewOut)
def plan_versus_actual(query):
    """Kế hoạch năm và thực hiện: số lượng kế hoạch và đã thực hiện theo nhóm nhiệm vụ, kinh phí dự trù, được
    duyệt, đã duyệt cho hồ sơ và đã giải ngân (Sở KH&CN, Sở Tài chính)."""
    principal = current_principal()
    plans_view.authorize(principal.department, principal.role)
    return plans_view.plan_view(reporting(), query["year"], query.get("as_of"))
