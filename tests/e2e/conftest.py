"""End-to-end helpers: each test's outcome is kept on its item, so a browser fixture can screenshot failures."""
from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
