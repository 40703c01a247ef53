"""The demo never goes into a store that holds data it did not put there (here: an enterprise registered by a
clerk), and leaves no record of itself there."""
from __future__ import annotations

import pytest
import requests

from deploy.demo import DemoClient, DemoRecord, DemoSize, load_demo
from shared.config import SERVICES, WRITE_SERVICES
from shared.reference import DEPARTMENTS

pytestmark = pytest.mark.e2e


def raw_tokens(tokens) -> dict[str, dict[str, str]]:
    """The shape of .nscl/dev-tokens.json's "tokens"."""
    return {department: {role: tokens(department, role)["Authorization"].split()[1]
                         for role in ("clerk", "viewer", "auditor")} for department in DEPARTMENTS}


def test_a_store_holding_other_data_is_never_given_demo_data(stack, embedded_servers, tokens, register_enterprise):
    register_enterprise(name="Công ty TNHH Dữ liệu thật")
    demo = DemoClient({service: stack.url(service) for service in SERVICES}, raw_tokens(tokens))
    record = DemoRecord(embedded_servers.mongo_url)

    def heads() -> dict[str, int]:
        return {service: requests.get(f"{stack.url(service)}/api/v1/events/", params={"limit": 1}, timeout=10,
                                      headers=tokens("DOST", "auditor")).json()["head_position"]
                for service in WRITE_SERVICES}

    try:
        before = heads()
        said = load_demo(demo, record, DemoSize.from_env({"NSCL_DEMO_SIZE": "16"}), say=pytest.fail)
        assert said == "Kho dữ liệu đã có dữ liệu không phải dữ liệu mẫu: không nạp dữ liệu mẫu."
        assert record.read() is None
        assert heads() == before and not demo.created
    finally:
        record.close()
