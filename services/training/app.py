"""Training service: courses and participants, outreach and honours, NSCL experts and their certificates.

Lists and filters read the read models (eventually consistent, kept by the worker); a single record and
certificate verification read the stream itself.
"""
from __future__ import annotations

from flask import Flask

from services.training import api_courses, api_experts, api_outreach
from services.training.bootstrap import TrainingService, bootstrap
from services.training.people import MIN_SECRET_LENGTH
from shared.config import Settings
from shared.endpoints import create_write_app, known_enterprises_blueprint
from shared.http import dependencies


def create_app(settings: Settings | None = None, service: TrainingService | None = None) -> Flask:
    service = service or bootstrap(settings)
    if len(service.settings.person_key_secret or "") < MIN_SECRET_LENGTH:
        raise RuntimeError("training needs the person key secret: set NSCL_PERSON_KEY_SECRET (at least "
                           f"{MIN_SECRET_LENGTH} characters; the embedded launcher generates one)")
    return create_write_app(service, "NSCL — Đào tạo, truyền thông, chuyên gia (training)",
                            "Khoá đào tạo, học viên, truyền thông về NSCL, chuyên gia NSCL và chứng chỉ.",
                            api_courses.blp, api_outreach.blp, api_experts.blp, api_experts.public,
                            known_enterprises_blueprint(
                                "đào tạo", lambda: dependencies(TrainingService).known_enterprises))
