"""Who may do what on the broker, for a deployment whose Kafka authenticates clients (docker-compose: SASL).

Only a service's relay writes that service's event topic: an event on it is one the service's store committed.
Every other NSCL process (web services, workers, the projector) uses the one principal ``nscl``: it reads the
event topics in its consumer groups and writes dead letters and audit digests. The administrator (a broker super
user) creates the topics and these ACLs, at deploy time (``python -m deploy.topics`` with NSCL_KAFKA_ACLS=1).
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.config import SERVICES, WRITE_SERVICES, dead_letter_topic_for, topic_for
from shared.digests import DIGEST_TOPIC

SERVICES_PRINCIPAL = "User:nscl"
GROUP_PREFIX = "nscl-"  # every consumer group of the product (shared/directory.py, services/reporting)


def relay_principal(service: str) -> str:
    return f"User:relay-{service}"


@dataclass(frozen=True, order=True)
class Grant:
    principal: str
    resource_type: str  # TOPIC, GROUP or CLUSTER (kafka.admin.ResourceType names)
    resource_name: str
    operation: str  # READ, WRITE, DESCRIBE (kafka.admin.ACLOperation names)
    prefixed: bool = False


def planned_grants() -> list[Grant]:
    grants = []
    for service in WRITE_SERVICES:
        relay = relay_principal(service)
        grants += [Grant(relay, "TOPIC", topic_for(service), "WRITE"),
                   Grant(relay, "TOPIC", topic_for(service), "DESCRIBE"),
                   Grant(relay, "TOPIC", DIGEST_TOPIC, "WRITE"),  # the lease holder signs the log's head
                   Grant(relay, "TOPIC", DIGEST_TOPIC, "DESCRIBE"),
                   Grant(SERVICES_PRINCIPAL, "TOPIC", topic_for(service), "READ"),
                   Grant(SERVICES_PRINCIPAL, "TOPIC", topic_for(service), "DESCRIBE")]
    for service in SERVICES:
        grants += [Grant(SERVICES_PRINCIPAL, "TOPIC", dead_letter_topic_for(service), operation)
                   for operation in ("WRITE", "DESCRIBE")]
    grants += [Grant(SERVICES_PRINCIPAL, "TOPIC", DIGEST_TOPIC, operation) for operation in ("WRITE", "DESCRIBE")]
    grants += [Grant(SERVICES_PRINCIPAL, "GROUP", GROUP_PREFIX, "READ", prefixed=True),
               Grant(SERVICES_PRINCIPAL, "CLUSTER", "kafka-cluster", "DESCRIBE")]  # health asks for metadata
    return sorted(grants)


def apply_grants(admin, grants: list[Grant]) -> list[str]:
    """Creates the ACLs through a kafka-python admin client; returns the broker's errors for those it refused
    (empty when all were created; creating an existing ACL again is not an error)."""
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern, ResourceType

    acls = [ACL(grant.principal, "*", ACLOperation[grant.operation], ACLPermissionType.ALLOW,
                ResourcePattern(ResourceType[grant.resource_type], grant.resource_name,
                                ACLResourcePatternType.PREFIXED if grant.prefixed else ACLResourcePatternType.LITERAL))
            for grant in grants]
    result = admin.create_acls(acls)
    return [getattr(error, "__name__", repr(error)) for error in result.get("failed", [])]
