"""Registry service: enterprises and organisations, conformity-assessment bodies, units and departments."""
from __future__ import annotations

from flask import Flask

from services.registry import api_conformity, api_enterprises, api_local_standards, api_units
from services.registry.bootstrap import RegistryService, bootstrap
from shared.config import Settings
from shared.endpoints import create_write_app


def create_app(settings: Settings | None = None, service: RegistryService | None = None) -> Flask:
    return create_write_app(service or bootstrap(settings), "NSCL — Đăng ký doanh nghiệp (registry)",
                            "Doanh nghiệp, tổ chức, sản phẩm, chứng nhận, khảo sát; tổ chức đánh giá sự phù hợp "
                            "và lĩnh vực; tiêu chuẩn cơ sở, quy chuẩn kỹ thuật địa phương; đơn vị hành chính và sở "
                            "ngành theo thời gian.",
                            api_enterprises.blp, api_conformity.blp, api_local_standards.blp, api_units.blp)
