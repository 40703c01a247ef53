"""Static files every service serves itself (no CDN at run time): the vendored Swagger UI of /docs."""
from __future__ import annotations

from flask import Blueprint, Flask

STATIC_URL_PATH = "/static/shared"
SWAGGER_UI_URL = f"{STATIC_URL_PATH}/swagger-ui/"


def register_shared_assets(app: Flask) -> None:
    app.register_blueprint(Blueprint("nscl_shared_assets", __name__, static_folder="static",
                                     static_url_path=STATIC_URL_PATH))
