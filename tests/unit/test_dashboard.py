"""The dashboard's page shell, its catalogue and the dev-token page (no server: Flask's test client)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import services.reporting.dashboard as dashboard_package
from services.reporting.app import create_app
from services.reporting.dashboard.catalogue import Translator, catalogue
from shared.auth import ROLES
from tests.unit.http_helpers import offline_settings

DASHBOARD = Path(dashboard_package.__file__).resolve().parent
SOURCES = [*DASHBOARD.glob("templates/*.html"), DASHBOARD / "static" / "dashboard.js",
           DASHBOARD.parent / "exports.py"]
# Labels built from the API's enumerations: every value must have a label.
DYNAMIC = {"status.": ["on_track", "at_risk", "behind", "achieved", "not_achieved", "not_started", "no_target"],
           "role.": ["clerk", "viewer", "auditor", "admin"], "report.kind.": ["annual", "midterm"],
           "structure.": ["period", "current"]}


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.delenv("NSCL_DEV_TOKENS_FILE", raising=False)
    app = create_app(offline_settings(tmp_path))
    yield app
    app.extensions["nscl"].mongo.close()


@pytest.fixture
def client(app):
    return app.test_client()


# ---- one catalogue -------------------------------------------------------------------------------------
def test_both_languages_have_the_same_labels_and_none_is_empty():
    vi, en = catalogue("vi"), catalogue("en")
    assert vi.keys() == en.keys()
    assert all(value.strip() for value in [*vi.values(), *en.values()])
    placeholders = re.compile(r"\{(\w+)\}")
    for key in vi:
        assert set(placeholders.findall(vi[key])) == set(placeholders.findall(en[key])), key


def test_every_label_the_code_asks_for_exists():
    used = set()
    for source in SOURCES:
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']""", source.read_text(encoding="utf-8")))
    used |= {prefix + value for prefix, values in DYNAMIC.items() for value in values}
    used = {key for key in used if not key.endswith(".")}
    missing = used - catalogue("vi").keys()
    assert not missing
    unused = catalogue("vi").keys() - used
    assert not unused, f"labels no code uses: {sorted(unused)}"


def test_no_label_is_written_in_the_templates_or_the_script():
    """Text people read comes from the catalogue: the page's files are plain ASCII, with no web address."""
    for source in [*DASHBOARD.glob("templates/*.html"), *DASHBOARD.glob("static/*")]:
        text = source.read_text(encoding="utf-8")
        assert text.isascii(), source.name
        assert not re.findall(r"https?://(?!www\.w3\.org/2000/svg)", text), source.name


def test_a_missing_label_is_an_error_not_a_blank():
    with pytest.raises(KeyError):
        Translator("vi")("no.such.label")
    assert Translator("xx").language == "vi"
    assert Translator("en").pick({"name": "Sở Tài chính", "name_en": "Finance"}, "name") == "Finance"
    assert Translator("vi").pick({"name": "Sở Tài chính", "name_en": "Finance"}, "name") == "Sở Tài chính"


# ---- the page shell -------------------------------------------------------------------------------------
def page_config(response) -> tuple[dict, dict]:
    html = response.get_data(as_text=True)
    catalogue = re.search(r'<script type="application/json" id="catalogue">(.*?)</script>', html, re.S)
    config_json = re.search(r'<script type="application/json" id="config">(.*?)</script>', html, re.S)
    assert catalogue and config_json, "the page embeds its catalogue and configuration"
    labels, config = json.loads(catalogue[1]), json.loads(config_json[1])
    return labels, config


@pytest.mark.parametrize("path", ["/", "/dashboard/", "/dashboard/overview", "/dashboard/views/DOST",
                                  "/dashboard/history/course-1"])
def test_every_dashboard_address_serves_the_shell_in_vietnamese_by_default(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html and "<title>Bảng điều khiển NSCL Đồng Tháp</title>" in html
    labels, config = page_config(response)
    assert labels == catalogue("vi") and config["lang"] == "vi" and config["api"] == "/api/v1"
    assert config["devTokens"] is False and "dev-tokens" not in html


def test_english_is_chosen_by_cookie_or_query(client):
    client.set_cookie("nscl_lang", "en")
    response = client.get("/dashboard/overview")
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert page_config(response)[0] == catalogue("en")
    assert 'data-lang="vi"' in response.get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/?lang=vi").get_data(as_text=True)


def test_the_page_assets_are_served_by_the_service(client):
    html = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert {"/dashboard/static/dashboard.css", "/dashboard/static/dashboard.js"} <= set(assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_the_api_keeps_its_own_routes_beside_the_dashboard(client):
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/api/v1/dead-letters").status_code == 401


# ---- dev tokens: only in the embedded stack ---------------------------------------------------------------
def write_tokens(path: Path) -> Path:
    path.write_text(json.dumps({"departments": {"DOST": "Sở Khoa học và Công nghệ", "DOF": "Sở Tài chính"},
                                "tokens": {"DOST": {role: f"tok-dost-{role}" for role in ROLES},
                                           "DOF": {"viewer": "tok-dof-viewer"}}}, ensure_ascii=False))
    return path


def test_dev_tokens_page_is_absent_outside_the_embedded_stack(client):
    response = client.get("/dashboard/dev-tokens")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_dev_tokens_page_lists_sign_in_links_from_the_state_dirs_file(app, client, tmp_path):
    write_tokens(app.extensions["nscl"].settings.state_dir / "dev-tokens.json")
    html = client.get("/dashboard/dev-tokens").get_data(as_text=True)
    assert 'href="/dashboard/#token=tok-dof-viewer"' in html and "Sở Tài chính" in html
    assert page_config(client.get("/"))[1]["devTokens"] is True


def test_dev_tokens_page_follows_the_environment_flag(client, tmp_path, monkeypatch):
    monkeypatch.setenv("NSCL_DEV_TOKENS_FILE", str(write_tokens(tmp_path / "elsewhere.json")))
    response = client.get("/dashboard/dev-tokens")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'href="/dashboard/#token=tok-dost-viewer"' in response.get_data(as_text=True)
