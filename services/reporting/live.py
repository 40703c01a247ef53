"""The reporting dependencies a request uses: those of the live projection database, which a rebuild may
switch at any time (the API's routes and the export routes alike)."""
from __future__ import annotations

from flask import current_app

from services.reporting import queries
from services.reporting.bootstrap import Dependencies, active_projection, bootstrap


def deps() -> Dependencies:
    """The dependencies on the live projection database (a rebuild may have switched it meanwhile)."""
    current: Dependencies = current_app.extensions["reporting"]
    if active_projection(current.database) != current.projection_name:
        current = bootstrap(current.settings, current.client, reports=current.reporting.reports)
        current_app.extensions["reporting"] = current
    return current


def reporting() -> queries.Reporting:
    return deps().reporting
