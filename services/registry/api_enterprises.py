"""Routes for enterprises: thin — parse, run the domain decision, shape the answer."""
from __future__ import annotations

import uuid

from flask import current_app, url_for

from services.registry import domain
from services.registry.readmodel import ENTERPRISES, enterprise_filter, enterprise_sort, valid_standards
from services.registry.schemas import (
    ApplyPriorityGroup, CertificationIn, CloseEnterprise, District, EndPriorityGroup, EnterpriseOut,
    EnterpriseQuery, EnterpriseRow, HistoryItem, ProductChanges, ProductIn, RegisterEnterprise, SurveyIn,
    UpdateProfile, WithdrawCertification,
)
from shared.audit import store
from shared.commands import run_command
from shared.errors import DomainError, NotFound
from shared.http import (
    COMMAND_HEADERS, ETAG_HEADER, IDEMPOTENCY_KEY, ServiceBlueprint, command_context, require, service_context,
    versioned,
)
from shared.pagination import page_of, page_schema, skip_limit
from shared.readmodel import ReadModel
from shared.reference import DISTRICTS, province_today

blp = ServiceBlueprint("enterprises", __name__, url_prefix="/api/v1",
                       description="Doanh nghiệp, tổ chức tham gia chương trình NSCL")


class TaxCodeTaken(DomainError):
    slug = "tax-code-taken"
    title = "Mã số thuế đã thuộc một doanh nghiệp đang hoạt động"


def view(enterprise: domain.Enterprise) -> dict:
    today = province_today()
    return EnterpriseOut().dump({
        "id": enterprise.id, "tax_code": enterprise.tax_code, "name": enterprise.name,
        "district": {"code": enterprise.district_code, "name": enterprise.district_name},
        "address": enterprise.address, "commune": enterprise.commune, "ownership": enterprise.ownership,
        "size_class": enterprise.size_class, "industry_code": enterprise.industry_code,
        "contact": enterprise.contact, "registered_on": enterprise.registered_on, "status": enterprise.status,
        "closed_on": enterprise.closed_on,
        "priority_groups": [{"group": group, "name": domain.PRIORITY_GROUPS[group], **entry}
                            for group, entry in sorted(enterprise.priority_groups.items())],
        "products": list(enterprise.products.values()),
        "certifications": [{**c, "standard_name": domain.STANDARDS.get(c["standard"], c["standard"]),
                            "status": domain.certification_status(c, today)}
                           for c in enterprise.certifications.values()],
        "surveys": list(enterprise.surveys), "version": enterprise.version})


def at_version(enterprise_id: str, version: int | None = None) -> domain.Enterprise:
    enterprise = domain.current_state(store().read_stream(enterprise_id, to_version=version))
    if enterprise is None:
        raise NotFound(f"Không có doanh nghiệp '{enterprise_id}'.")
    return enterprise


def _claims():
    return current_app.extensions["registry"]["claims"]


def _is_live(enterprise_id: str) -> bool:
    enterprise = domain.current_state(store().read_stream(enterprise_id))
    return enterprise is not None and enterprise.is_open


def _command(enterprise_id: str, decide, status: int = 200):
    outcome = run_command(store(), enterprise_id, decide, command_context())
    enterprise = at_version(enterprise_id, outcome.version)
    return versioned(view(enterprise), enterprise.version, status, outcome)


@blp.post("/enterprises")
@require("write")
@blp.arguments(RegisterEnterprise)
@blp.response(201, EnterpriseOut, headers=ETAG_HEADER)
@blp.alt_response(409, description="mã số thuế đã thuộc một doanh nghiệp đang hoạt động")
@blp.doc(parameters=[IDEMPOTENCY_KEY])
def register_enterprise(body):
    enterprise_id = str(uuid.uuid4())
    tax_code = body.pop("tax_code")
    registered_on = body.pop("registered_on") or province_today()

    def claim_tax_code():
        holder = _claims().claim(tax_code, enterprise_id, _is_live)
        if holder is not None:
            raise TaxCodeTaken(f"Mã số thuế {tax_code} đã thuộc doanh nghiệp đang hoạt động '{holder}'.",
                               existing_id=holder, errors={"tax_code": ["đã được dùng"]})
        return lambda: _claims().release(tax_code, enterprise_id)

    outcome = run_command(store(), enterprise_id, lambda history: domain.register(
        history, tax_code=tax_code, registered_on=registered_on, **body), command_context(), reserve=claim_tax_code)
    enterprise = at_version(outcome.stream_id, outcome.version)
    return versioned(view(enterprise), enterprise.version, 201, outcome,
                     location=url_for("enterprises.get_enterprise", enterprise_id=enterprise.id))


@blp.get("/enterprises")
@require("read")
@blp.arguments(EnterpriseQuery, location="query")
@blp.response(200, page_schema(EnterpriseRow, "EnterprisePage"))
def list_enterprises(query):
    today = province_today()
    rows, total = ReadModel(service_context().database).page(
        ENTERPRISES, enterprise_filter(query, today), enterprise_sort(query["sort"]), *skip_limit(query))
    return page_of([{**row, "standards": valid_standards(row, today)} for row in rows], total, query)


@blp.get("/enterprises/<enterprise_id>")
@require("read")
@blp.response(200, EnterpriseOut)
def get_enterprise(enterprise_id):
    enterprise = at_version(enterprise_id)
    return versioned(view(enterprise), enterprise.version)


@blp.get("/enterprises/<enterprise_id>/history")
@require("read")
@blp.response(200, HistoryItem(many=True))
def enterprise_history(enterprise_id):
    events = store().read_stream(enterprise_id)
    if not events:
        raise NotFound(f"Không có doanh nghiệp '{enterprise_id}'.")
    return [{**event.to_dict(), "label": domain.EVENT_LABELS.get(event.event_type, event.event_type)}
            for event in events]


@blp.patch("/enterprises/<enterprise_id>")
@require("write")
@blp.arguments(UpdateProfile)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def update_enterprise(changes, enterprise_id):
    return _command(enterprise_id, lambda history: domain.update_profile(history, changes))


@blp.post("/enterprises/<enterprise_id>/close")
@require("write")
@blp.arguments(CloseEnterprise)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def close_enterprise(body, enterprise_id):
    response = _command(enterprise_id, lambda history: domain.close(
        history, reason=body["reason"], closed_on=body["closed_on"] or province_today()))
    _claims().release(response.json["tax_code"], enterprise_id)
    return response


@blp.post("/enterprises/<enterprise_id>/priority-groups")
@require("write")
@blp.arguments(ApplyPriorityGroup)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def apply_priority_group(body, enterprise_id):
    return _command(enterprise_id, lambda history: domain.apply_priority_group(history, **body))


@blp.post("/enterprises/<enterprise_id>/priority-groups/<group>/end")
@require("write")
@blp.arguments(EndPriorityGroup)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def end_priority_group(body, enterprise_id, group):
    return _command(enterprise_id, lambda history: domain.end_priority_group(
        history, group=group, until=body["until"] or province_today()))


@blp.post("/enterprises/<enterprise_id>/products")
@require("write")
@blp.arguments(ProductIn)
@blp.response(201, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def add_product(body, enterprise_id):
    return _command(enterprise_id, lambda history: domain.add_product(history, body), 201)


@blp.patch("/enterprises/<enterprise_id>/products/<product_id>")
@require("write")
@blp.arguments(ProductChanges)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def update_product(body, enterprise_id, product_id):
    return _command(enterprise_id, lambda history: domain.update_product(history, product_id, body))


@blp.delete("/enterprises/<enterprise_id>/products/<product_id>")
@require("write")
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def remove_product(enterprise_id, product_id):
    return _command(enterprise_id, lambda history: domain.remove_product(history, product_id))


@blp.post("/enterprises/<enterprise_id>/certifications")
@require("write")
@blp.arguments(CertificationIn)
@blp.response(201, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def record_certification(body, enterprise_id):
    return _command(enterprise_id, lambda history: domain.record_certification(history, body), 201)


@blp.post("/enterprises/<enterprise_id>/certifications/<certification_id>/withdraw")
@require("write")
@blp.arguments(WithdrawCertification)
@blp.response(200, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def withdraw_certification(body, enterprise_id, certification_id):
    return _command(enterprise_id, lambda history: domain.withdraw_certification(
        history, certification_id, withdrawn_on=body["withdrawn_on"] or province_today(), reason=body["reason"]))


@blp.post("/enterprises/<enterprise_id>/surveys")
@require("write")
@blp.arguments(SurveyIn)
@blp.response(201, EnterpriseOut)
@blp.doc(**COMMAND_HEADERS)
def record_survey(body, enterprise_id):
    return _command(enterprise_id, lambda history: domain.record_survey(history, body), 201)


@blp.get("/districts")
@require("read")
@blp.response(200, District(many=True))
def list_districts():
    return [{"code": code, "name": name} for code, name in DISTRICTS.items()]
