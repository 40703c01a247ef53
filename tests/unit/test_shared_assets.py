"""/docs loads Swagger UI from the service itself: no CDN, no online validator."""
from __future__ import annotations

import re

import pytest

from services.registry.app import create_app as create_registry
from services.reporting.app import create_app as create_reporting
from tests.unit.http_helpers import offline_settings


@pytest.mark.parametrize("factory", [create_registry, create_reporting])
def test_docs_page_loads_only_local_assets_and_they_are_served(factory, tmp_path):
    app = factory(offline_settings(tmp_path))
    try:
        client = app.test_client()
        page = client.get("/docs").get_data(as_text=True)
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert len(assets) == 3
        for asset in assets:
            assert asset.startswith("/static/shared/swagger-ui/"), asset
            response = client.get(asset)
            assert response.status_code == 200 and len(response.data) > 10_000, asset
            response.close()
        assert '"validatorUrl": null' in page
        assert "http://" not in page and "https://" not in page
    finally:
        app.extensions["nscl"].mongo.close()


def test_the_vendored_files_keep_their_licence():
    from pathlib import Path

    from shared.assets import __file__ as assets_module

    folder = Path(assets_module).parent / "static" / "swagger-ui"
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "swagger-ui-dist" in (folder / "SOURCE.md").read_text()
