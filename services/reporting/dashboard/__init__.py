"""The dashboard: a page shell and its script, served by reporting at / and /dashboard/….

The page holds no figures of its own: the script signs in with a bearer token (pasted, or from
``/#token=<jwt>``, kept in session storage) and renders what the reporting API answers for that token.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Blueprint, Flask, abort, render_template, request

from services.reporting.dashboard.catalogue import LANGUAGES, Translator, catalogue, language_of
from shared.auth import ROLES
from shared.http import service_context
from shared.reference import province_today

PHASES = ("2021-2025", "2026-2030")
FIRST_YEAR = 2021

LANGUAGE_COOKIE = "nscl_lang"
bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/dashboard/static")


def register_dashboard(app: Flask) -> None:
    app.register_blueprint(bp)


def phase_of(year: int) -> str:
    return next((phase for phase in PHASES if int(phase[:4]) <= year <= int(phase[5:])), PHASES[-1])


def request_language() -> str:
    return language_of(request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE))


def dev_tokens_file() -> Path | None:
    """Only the embedded stack lists its dev tokens: NSCL_DEV_TOKENS_FILE, or the state dir's file."""
    configured = os.environ.get("NSCL_DEV_TOKENS_FILE")
    path = Path(configured) if configured else service_context().settings.state_dir / "dev-tokens.json"
    return path if path.is_file() else None


@bp.get("/", endpoint="page")
@bp.get("/dashboard/")
@bp.get("/dashboard/<path:route>")
def page(route: str = ""):
    language = request_language()
    other = next(code for code in LANGUAGES if code != language)
    today = province_today()
    config = {"api": "/api/v1", "lang": language, "languageCookie": LANGUAGE_COOKIE, "base": "/dashboard/",
              "devTokens": dev_tokens_file() is not None, "today": today.isoformat(), "phases": list(PHASES),
              "defaultPeriod": phase_of(today.year), "firstYear": FIRST_YEAR, "currentYear": today.year}
    return render_template("dashboard.html", t=Translator(language), lang=language, other_lang=other,
                           catalogue=catalogue(language), config=config, dev_tokens=config["devTokens"])


@bp.get("/dashboard/dev-tokens")
def dev_tokens():
    path = dev_tokens_file()
    if path is None:
        abort(404)
    issued = json.loads(path.read_text(encoding="utf-8"))
    language = request_language()
    response = render_template("dev_tokens.html", t=Translator(language), lang=language, roles=ROLES,
                               departments=issued.get("departments", {}), tokens=issued.get("tokens", {}))
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
