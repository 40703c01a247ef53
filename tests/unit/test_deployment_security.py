"""The docker-compose deployment's security, read from the files themselves (no Docker engine here): secrets
only from the environment, a database user and a broker principal per role, only relays writing event topics,
nothing published beyond the host's loopback."""
from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
import yaml
from kafka.admin import ACLOperation, ACLResourcePatternType, KafkaAdminClient, ResourceType

from deploy import compose_env, relay_keys
from deploy.acls import SERVICES_PRINCIPAL, apply_grants, planned_grants, relay_principal
from shared.config import (
    PROJECT_ROOT,
    SERVICES,
    WRITE_SERVICES,
    Settings,
    dead_letter_topic_for,
    kafka_client_security,
    topic_for,
)
from shared.provenance import EnvelopeSigner, EnvelopeVerifier

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES_OF_COMPOSE = COMPOSE["services"]
NSCL_PROCESSES = {name: service for name, service in SERVICES_OF_COMPOSE.items()
                  if service.get("image") == "nscl:local" and name != "relay-keys"}
# relay-keys only writes key files into volumes: no database, no broker (tested on its own below).


def owner_of(process: str) -> str:
    """The NSCL service whose database a compose service uses."""
    if process == "projector":
        return "reporting"
    return process.removeprefix("relay-").removesuffix("-worker")


def test_every_variable_the_compose_file_uses_is_a_generated_secret_or_has_a_default():
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{(\w+)(:[-?])?", text))
    required = {name for name, kind in used if kind != ":-"}
    assert required == set(compose_env.SECRETS)
    assert not re.search(r"(PASSWORD|SECRET)\w*:\s*[\"']?[0-9a-f]{16,}", text), "a secret written into the file"


def test_the_database_and_the_broker_are_not_published_and_the_services_only_on_loopback():
    assert "ports" not in SERVICES_OF_COMPOSE["mongo"] and "ports" not in SERVICES_OF_COMPOSE["kafka"]
    web = [name for name in NSCL_PROCESSES if "ports" in NSCL_PROCESSES[name]]
    assert sorted(web) == sorted(SERVICES)
    for name in web:
        [mapping] = NSCL_PROCESSES[name]["ports"]
        assert mapping.startswith("${NSCL_BIND_ADDRESS:-127.0.0.1}:"), mapping


def test_each_process_uses_its_own_services_database_user():
    for name, process in NSCL_PROCESSES.items():
        environment = process["environment"]
        if name == "kafka-topics":
            assert "MONGO_URL" not in environment
            continue
        user = re.match(r"mongodb://(\w+):\$\{(\w+):\?", environment["MONGO_URL"])
        assert user and user.group(1) == owner_of(name), (name, environment["MONGO_URL"])
        assert user.group(2) == f"NSCL_MONGO_{owner_of(name).upper()}_PASSWORD"
        assert "authSource=admin" in environment["MONGO_URL"]


def test_the_database_users_reach_only_their_own_database_but_reporting():
    script = (PROJECT_ROOT / "deploy/mongo/initdb/create-users.js").read_text(encoding="utf-8")
    for service in WRITE_SERVICES:
        assert f'{service}: own("{service}")' in script
    assert "reporting: [" in script and "process.env[`NSCL_MONGO_" in script
    mongo = SERVICES_OF_COMPOSE["mongo"]
    assert "--keyFile" in (PROJECT_ROOT / "deploy/mongo/entrypoint.sh").read_text(encoding="utf-8")
    assert {f"NSCL_MONGO_{service.upper()}_PASSWORD" for service in SERVICES} <= set(mongo["environment"])


def test_every_process_authenticates_to_the_broker_as_its_principal_and_the_broker_knows_exactly_those():
    kafka = SERVICES_OF_COMPOSE["kafka"]["environment"]
    users = set(re.findall(r"user_([\w-]+)=", kafka["KAFKA_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG"]))
    expected = {"admin", SERVICES_PRINCIPAL.removeprefix("User:")} | \
        {relay_principal(service).removeprefix("User:") for service in WRITE_SERVICES}
    assert users == expected
    assert kafka["KAFKA_SUPER_USERS"] == "User:admin" and kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "PLAINTEXT://" not in kafka["KAFKA_LISTENERS"].replace("SASL_PLAINTEXT://", "")
    for name, process in NSCL_PROCESSES.items():
        environment = process["environment"]
        assert environment["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT", name
        principal = "admin" if name == "kafka-topics" else \
            relay_principal(owner_of(name)).removeprefix("User:") if name.startswith("relay-") else "nscl"
        assert environment["KAFKA_SASL_USERNAME"] == principal, name
    assert NSCL_PROCESSES["kafka-topics"]["environment"]["NSCL_KAFKA_ACLS"] == "1"


def test_only_a_services_relay_may_write_its_event_topic():
    grants = planned_grants()
    for service in WRITE_SERVICES:
        writers = {grant.principal for grant in grants
                   if grant.resource_name == topic_for(service) and grant.operation == "WRITE"}
        assert writers == {relay_principal(service)}
        readers = {grant.principal for grant in grants
                   if grant.resource_name == topic_for(service) and grant.operation == "READ"}
        assert readers == {SERVICES_PRINCIPAL}
    assert {grant.resource_name for grant in grants if grant.principal == SERVICES_PRINCIPAL
            and grant.operation == "WRITE"} == {dead_letter_topic_for(s) for s in SERVICES} | {"nscl.audit.digests"}


class RecordingAdmin(KafkaAdminClient):
    """The admin client's interface, recording the ACLs instead of sending them."""

    def __init__(self, refuse: int = 0) -> None:  # no connection
        self.created: list = []
        self.refuse = refuse

    def create_acls(self, acls):
        self.created += acls
        return {"succeeded": acls[self.refuse:], "failed": [type("ClusterAuthorizationFailedError", (), {})]
                * self.refuse}


def test_the_grants_become_acls_the_broker_understands():
    admin = RecordingAdmin()
    assert apply_grants(admin, planned_grants()) == []
    groups = [acl for acl in admin.created if acl.resource_pattern.resource_type == ResourceType.GROUP]
    assert [(acl.principal, acl.operation, acl.resource_pattern.pattern_type, acl.resource_pattern.resource_name)
            for acl in groups] == [(SERVICES_PRINCIPAL, ACLOperation.READ, ACLResourcePatternType.PREFIXED, "nscl-")]
    assert len(admin.created) == len(planned_grants())
    assert apply_grants(RecordingAdmin(refuse=2), planned_grants()) == ["ClusterAuthorizationFailedError"] * 2


def test_client_security_is_plaintext_by_default_and_sasl_needs_a_principal(tmp_path):
    assert kafka_client_security({}) == {"security_protocol": "PLAINTEXT"}
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    assert kafka_client_security({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "relay-support",
                                  "KAFKA_SASL_PASSWORD_FILE": str(secret)}) == {
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "sasl_plain_username": "relay-support",
        "sasl_plain_password": "s3cret"}
    for broken in ({"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "nscl"},
                   {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "GSSAPI",
                    "KAFKA_SASL_USERNAME": "nscl", "KAFKA_SASL_PASSWORD": "x"},
                   {"KAFKA_SECURITY_PROTOCOL": "plaintext"}):
        with pytest.raises(ValueError):
            kafka_client_security(broken)


def test_compose_secrets_are_generated_once_owner_readable_and_kept(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("NSCL_JWT_SECRET=kept-from-before\nOTHER=1\n")
    compose_env.main(env_file)
    first = compose_env.existing(env_file)
    assert first["NSCL_JWT_SECRET"] == "kept-from-before" and first["OTHER"] == "1"
    assert set(compose_env.SECRETS) <= set(first)
    assert all(len(first[name]) == 64 for name in compose_env.SECRETS if name != "NSCL_JWT_SECRET")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    compose_env.main(env_file)
    assert compose_env.existing(env_file) == first


def test_the_compose_env_generator_needs_only_the_standard_library():
    source = Path(compose_env.__file__).read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:from|import) (\w+)", source, re.MULTILINE))
    assert imported <= {"__future__", "os", "secrets", "sys", "pathlib"}


def test_each_relay_alone_holds_its_signing_key_and_every_process_reads_the_public_keys():
    public_volume = "nscl-relay-public:/var/lib/nscl-relay-public:ro"
    for name, process in NSCL_PROCESSES.items():
        if name == "kafka-topics":
            continue
        environment, volumes = process["environment"], process["volumes"]
        assert public_volume in volumes, name
        for service in WRITE_SERVICES:
            assert environment[f"NSCL_RELAY_PUBLIC_KEY_{service.upper()}_FILE"] == \
                str(relay_keys.public_key_file(relay_keys.PUBLIC_DIR, service))
        private = [volume for volume in volumes if volume.startswith("nscl-relay-key-")]
        signing = {variable for variable in environment if variable.startswith("NSCL_RELAY_SIGNING_KEY")}
        if name.startswith("relay-"):
            service = owner_of(name)
            key_file = relay_keys.private_key_file(relay_keys.PRIVATE_ROOT, service)
            assert private == [f"nscl-relay-key-{service}:{key_file.parent}:ro"], name
            assert signing == {f"NSCL_RELAY_SIGNING_KEY_{service.upper()}_FILE"}
            assert environment[f"NSCL_RELAY_SIGNING_KEY_{service.upper()}_FILE"] == str(key_file)
        else:
            assert private == [] and signing == set(), name
    assert "relay-keys" in NSCL_PROCESSES["projector"]["depends_on"]
    assert "environment" not in SERVICES_OF_COMPOSE["relay-keys"]


def test_relay_keys_are_generated_once_and_the_consumers_settings_verify_what_the_relay_signs(tmp_path):
    private_root, public_dir = tmp_path / "keys", tmp_path / "public"
    arguments = ["--private-root", str(private_root), "--public-dir", str(public_dir)]
    assert relay_keys.main(arguments) == 0
    first = {service: relay_keys.private_key_file(private_root, service).read_text() for service in WRITE_SERVICES}
    assert relay_keys.main(arguments) == 0
    assert {service: relay_keys.private_key_file(private_root, service).read_text()
            for service in WRITE_SERVICES} == first
    assert len(set(first.values())) == len(WRITE_SERVICES)
    for service in WRITE_SERVICES:
        assert stat.S_IMODE(relay_keys.private_key_file(private_root, service).stat().st_mode) == 0o600
    environment = {f"NSCL_RELAY_PUBLIC_KEY_{service.upper()}_FILE": str(relay_keys.public_key_file(public_dir, service))
                   for service in WRITE_SERVICES} | {"NSCL_STATE_DIR": str(tmp_path / "state")}
    verifier = EnvelopeVerifier.from_settings(Settings.from_env(environment))
    value = b'{"event_type": "EnterpriseRegistered"}'
    verifier.check(topic_for("support"), value, EnvelopeSigner(first["support"]).headers(value))
    with pytest.raises(Exception, match="chữ ký không hợp lệ"):
        verifier.check(topic_for("registry"), value, EnvelopeSigner(first["support"]).headers(value))
