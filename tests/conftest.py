"""One place starts the real servers for the whole session and stops them by process id.

- ``embedded_servers``: nx-27017 (MongoDB wire protocol) and Tansu (Kafka protocol) on free ports;
- ``stack``: the four services under gunicorn, the relays and the projector, on top of them.
Unit tests use neither, so ``pytest tests/unit`` starts nothing.
"""
from __future__ import annotations

import secrets
import uuid

import pytest

from deploy.processes import free_port
from deploy.stack import EmbeddedServers, Services
from shared.auth import Principal, TokenService, ensure_dev_relay_keys
from shared.config import SERVICES, Settings
from shared.mongo import connect


@pytest.fixture(scope="session")
def embedded_servers(tmp_path_factory):
    servers = EmbeddedServers(tmp_path_factory.mktemp("nscl-state"), free_port(), free_port())
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session")
def mongo_client(embedded_servers):
    client = connect(embedded_servers.mongo_url)
    yield client
    client.close()


@pytest.fixture
def fresh_database(mongo_client):
    """A database of its own for one test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


@pytest.fixture(scope="session")
def jwt_secret() -> str:
    return secrets.token_hex(32)


@pytest.fixture(scope="session")
def stack(embedded_servers, jwt_secret):
    services = Services(embedded_servers, embedded_servers.state_dir,
                        {service: free_port() for service in SERVICES}, jwt_secret)
    try:
        services.start()
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="session")
def tokens(jwt_secret):
    service = TokenService(jwt_secret)

    def token(department: str = "DOST", role: str = "clerk") -> dict[str, str]:
        issued = service.issue(Principal(f"test-{department.lower()}-{role}", department, role))
        return {"Authorization": f"Bearer {issued}"}
    return token


@pytest.fixture
def settings(embedded_servers, jwt_secret, tmp_path) -> Settings:
    ensure_dev_relay_keys(tmp_path)  # the relays' keys, as the launcher makes them (read back from the state dir)
    return Settings.from_env({"MONGO_URL": embedded_servers.mongo_url,
                              "KAFKA_BOOTSTRAP": embedded_servers.kafka_bootstrap,
                              "NSCL_JWT_SECRET": jwt_secret, "NSCL_STATE_DIR": str(tmp_path),
                              "NSCL_PERSON_KEY_SECRET": secrets.token_hex(32)})


@pytest.fixture(scope="session")
def api(stack, tokens):
    """``api("support", "DOF", "clerk")``: a client of one service of the running stack, as a department."""
    from tests.e2e.client import ServiceClient

    def client(service: str, department: str = "DOST", role: str = "clerk") -> ServiceClient:
        return ServiceClient(stack.url(service), tokens(department, role))
    return client


@pytest.fixture(scope="session")
def register_enterprise(api):
    """Registers an enterprise on the real registry (unique tax code) and returns its JSON."""
    import random

    rng = random.Random()

    def register(district_code: str = "866", name: str = "Công ty TNHH Thử nghiệm", **fields) -> dict:
        """Dated before the district level ended (1 July 2025) unless told: tests of the shared stack record that
        reorganisation, after which a district places nothing new."""
        body = {"tax_code": f"{rng.randrange(10**9, 10**10)}", "name": name, "district_code": district_code,
                "registered_on": "2024-06-03", **fields}
        return api("registry").command("/enterprises", body, 201)
    return register
