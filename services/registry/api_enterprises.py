"""Routes for enterprises: parse, call the handler, render."""
from __future__ import annotations

from services.registry import domain, handlers
from services.registry.bootstrap import RegistryService
from services.registry.readmodel import ENTERPRISES, enterprise_filter, enterprise_sort, valid_standards
from services.registry.schemas import (
    ApplyPriorityGroup,
    CertificationIn,
    CloseEnterprise,
    CorrectCertification,
    Correction,
    District,
    EndPriorityGroup,
    EnterpriseOut,
    EnterpriseQuery,
    EnterpriseRow,
    MoveEnterprise,
    ProductChanges,
    ProductIn,
    RegisterEnterprise,
    SurveyIn,
    UpdateProfile,
    WithdrawCertification,
)
from shared.endpoints import HistoryItem, history
from shared.http import (
    COMMAND_HEADERS,
    CREATE_HEADERS,
    ETAG_HEADER,
    Resource,
    ServiceBlueprint,
    dependencies,
    dispatch,
    require,
    without_personal_data,
)
from shared.pagination import page_of, page_schema, skip_limit
from shared.reference import DISTRICTS, province_today

blp = ServiceBlueprint("enterprises", __name__, url_prefix="/api/v1",
                       description="Doanh nghiệp, tổ chức tham gia chương trình NSCL")


PERSONAL = ("contact",)  # the contact person, phone and email: omitted unless the reader may see them


ENTERPRISE_OUT = EnterpriseOut()


def view(enterprise: domain.Enterprise) -> dict:
    today = province_today()
    return ENTERPRISE_OUT.dump(without_personal_data({
        "id": enterprise.id, "tax_code": enterprise.tax_code, "name": enterprise.name,
        "district": {"code": enterprise.district_code, "name": enterprise.district_name},
        "address": enterprise.address, "commune": enterprise.commune, "ownership": enterprise.ownership,
        "size_class": enterprise.size_class, "industry_code": enterprise.industry_code,
        "contact": enterprise.contact, "registered_on": enterprise.registered_on,
        "registered_by": enterprise.registered_by, "status": enterprise.status, "closed_on": enterprise.closed_on,
        "priority_groups": [{"group": group, "name": domain.PRIORITY_GROUPS[group], **entry}
                            for group, entry in sorted(enterprise.priority_groups.items())],
        "products": list(enterprise.products.values()),
        "certifications": [{**c, "standard_name": domain.STANDARDS.get(c["standard"], c["standard"]),
                            "status": domain.certification_status(c, today)}
                           for c in enterprise.certifications.values()],
        "surveys": list(enterprise.surveys), "version": enterprise.version}, PERSONAL))


ENTERPRISE = Resource(domain.current_state, view, "Không có doanh nghiệp '{}'.", "enterprises.get_enterprise",
                      "enterprise_id")


def _registry() -> RegistryService:
    return dependencies(RegistryService)


@blp.post("/enterprises")
@require("write")
@blp.arguments(RegisterEnterprise)
@blp.response(201, EnterpriseOut, headers=ETAG_HEADER)
@blp.alt_response(409, description="mã số thuế đã thuộc một doanh nghiệp đang hoạt động")
@blp.doc(**CREATE_HEADERS)
def register_enterprise(body):
    command = handlers.RegisterEnterprise(tax_code=body.pop("tax_code"), name=body.pop("name"),
                                          district_code=body.pop("district_code"),
                                          registered_on=body.pop("registered_on"), profile=body)
    return ENTERPRISE.answer(dispatch(handlers.register_enterprise, command), 201, created=True)


@blp.get("/enterprises")
@require("read")
@blp.arguments(EnterpriseQuery, location="query")
@blp.response(200, page_schema(EnterpriseRow, "EnterprisePage"))
def list_enterprises(query):
    today = province_today()
    rows, total = _registry().read_model.page(
        ENTERPRISES, enterprise_filter(query, today), enterprise_sort(query["sort"]), *skip_limit(query))
    return page_of([{**row, "standards": valid_standards(row, today)} for row in rows], total, query)


@blp.get("/enterprises/<enterprise_id>")
@require("read")
@blp.response(200, EnterpriseOut)
def get_enterprise(enterprise_id):
    return ENTERPRISE.get(_registry().store, enterprise_id)


@blp.get("/enterprises/<enterprise_id>/history")
@require("read")
@blp.response(200, HistoryItem(many=True))
def enterprise_history(enterprise_id):
    return history(_registry().store, enterprise_id, domain.EVENT_LABELS, "Không có doanh nghiệp '{}'.",
                   personal=PERSONAL)


@blp.patch("/enterprises/<enterprise_id>")
@require("write")
@blp.arguments(UpdateProfile)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def update_enterprise(changes, enterprise_id):
    return ENTERPRISE.answer(dispatch(handlers.update_profile, handlers.UpdateProfile(enterprise_id, changes)))


@blp.post("/enterprises/<enterprise_id>/moves")
@require("write")
@blp.arguments(MoveEnterprise)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def move_enterprise(body, enterprise_id):
    """Places the enterprise in another administrative unit from a date (it moved, or the 2025 reorganisation
    re-assigned it to a commune or ward); figures of before stay where they were then."""
    return ENTERPRISE.answer(dispatch(handlers.move_enterprise, handlers.MoveEnterprise(enterprise_id, **body)))


@blp.post("/enterprises/<enterprise_id>/close")
@require("write")
@blp.arguments(CloseEnterprise)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def close_enterprise(body, enterprise_id):
    return ENTERPRISE.answer(dispatch(handlers.close_enterprise, handlers.CloseEnterprise(enterprise_id, **body)))


@blp.post("/enterprises/<enterprise_id>/priority-groups")
@require("write")
@blp.arguments(ApplyPriorityGroup)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def apply_priority_group(body, enterprise_id):
    return ENTERPRISE.answer(dispatch(handlers.apply_priority_group,
                                      handlers.ApplyPriorityGroup(enterprise_id, **body)))


@blp.post("/enterprises/<enterprise_id>/priority-groups/<group>/end")
@require("write")
@blp.arguments(EndPriorityGroup)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def end_priority_group(body, enterprise_id, group):
    return ENTERPRISE.answer(dispatch(handlers.end_priority_group,
                                      handlers.EndPriorityGroup(enterprise_id, group, body["until"])))


@blp.post("/enterprises/<enterprise_id>/products")
@require("write")
@blp.arguments(ProductIn)
@blp.response(201, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def add_product(body, enterprise_id):
    return ENTERPRISE.answer(dispatch(handlers.add_product, handlers.AddProduct(enterprise_id, body)), 201)


@blp.patch("/enterprises/<enterprise_id>/products/<product_id>")
@require("write")
@blp.arguments(ProductChanges)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def update_product(body, enterprise_id, product_id):
    return ENTERPRISE.answer(dispatch(handlers.update_product, handlers.UpdateProduct(enterprise_id, product_id, body)))


@blp.delete("/enterprises/<enterprise_id>/products/<product_id>")
@require("write")
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def remove_product(enterprise_id, product_id):
    return ENTERPRISE.answer(dispatch(handlers.remove_product, handlers.RemoveProduct(enterprise_id, product_id)))


@blp.post("/enterprises/<enterprise_id>/certifications")
@require("write")
@blp.arguments(CertificationIn)
@blp.response(201, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def record_certification(body, enterprise_id):
    return ENTERPRISE.answer(dispatch(handlers.record_certification,
                                      handlers.RecordCertification(enterprise_id, body)), 201)


@blp.post("/enterprises/<enterprise_id>/certifications/<certification_id>/withdraw")
@require("write")
@blp.arguments(WithdrawCertification)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def withdraw_certification(body, enterprise_id, certification_id):
    return ENTERPRISE.answer(dispatch(handlers.withdraw_certification,
                                      handlers.WithdrawCertification(enterprise_id, certification_id, **body)))


@blp.post("/enterprises/<enterprise_id>/certifications/<certification_id>/correction")
@require("write")
@blp.arguments(CorrectCertification)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def correct_certification(body, enterprise_id, certification_id):
    """Đính chính chứng nhận nhập sai (ngày, số, tổ chức chứng nhận, ...), có lý do"""
    reason = body.pop("reason")
    return ENTERPRISE.answer(dispatch(handlers.correct_certification, handlers.CorrectCertification(
        enterprise_id, certification_id, body, reason)))


@blp.post("/enterprises/<enterprise_id>/certifications/<certification_id>/annulment")
@require("write")
@blp.arguments(Correction)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def annul_certification(body, enterprise_id, certification_id):
    """Huỷ bản ghi chứng nhận ghi nhầm (khác với việc tổ chức chứng nhận thu hồi chứng nhận)"""
    return ENTERPRISE.answer(dispatch(handlers.annul_certification, handlers.AnnulCertification(
        enterprise_id, certification_id, body["reason"])))


@blp.post("/enterprises/<enterprise_id>/surveys/<survey_id>/withdrawal")
@require("write")
@blp.arguments(Correction)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def withdraw_survey(body, enterprise_id, survey_id):
    """Rút khảo sát ghi nhầm (ví dụ ghi vào nhầm doanh nghiệp; ghi lại vào doanh nghiệp đúng)"""
    return ENTERPRISE.answer(dispatch(handlers.withdraw_survey, handlers.WithdrawSurvey(
        enterprise_id, survey_id, body["reason"])))


@blp.post("/enterprises/<enterprise_id>/surveys")
@require("write")
@blp.arguments(SurveyIn)
@blp.response(201, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def record_survey(body, enterprise_id):
    return ENTERPRISE.answer(dispatch(handlers.record_survey, handlers.RecordSurvey(enterprise_id, body)), 201)


@blp.get("/districts")
@require("read")
@blp.response(200, District(many=True))
def list_districts():
    return [{"code": code, "name": name} for code, name in DISTRICTS.items()]
