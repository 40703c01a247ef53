"""Create the product's Kafka topics (events, dead letters, audit digests), waiting for the broker if needed.

    python -m deploy.topics

The launcher (deploy/stack.py) runs it before any relay, worker or projector starts, and so does docker-compose:
every topic has its configured partitions before a client asks (consumers never create one; relays and
dead-letter writers create theirs only if it is still missing).
With NSCL_KAFKA_ACLS=1 (docker-compose, whose broker authenticates clients) it then creates the ACLs of
deploy/acls.py, as the broker's administrator.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from deploy.acls import apply_grants, planned_grants
from shared.bus import TRANSIENT_KAFKA_ERRORS, Topics, ensure_topic
from shared.config import SERVICES, WRITE_SERVICES, Settings, dead_letter_topic_for, topic_for
from shared.digests import DIGEST_TOPIC


def planned_topics(settings: Settings) -> dict[str, int]:
    """Every topic of the product with its partitions."""
    topics = {topic_for(service): settings.topic_partitions for service in WRITE_SERVICES}
    topics |= {dead_letter_topic_for(service): settings.topic_partitions for service in SERVICES}
    topics[DIGEST_TOPIC] = 1  # every service's digests in the order they were signed
    return topics


def create_topics(settings: Settings, attempts: int = 30, wait_s: float = 2.0,
                  say: Callable[[str], None] = lambda line: print(line, flush=True)) -> bool:
    """Creates the missing ones (existing topics are left as they are); False if the broker never answered."""
    for topic, partitions in planned_topics(settings).items():
        for attempt in range(1, attempts + 1):
            try:
                say(f"topic {topic}: id {ensure_topic(settings.kafka_bootstrap, topic, partitions)}")
                break
            except TRANSIENT_KAFKA_ERRORS as error:
                say(f"topic {topic}: broker not ready ({error!r}), attempt {attempt}/{attempts}")
                time.sleep(wait_s)
        else:
            print(f"could not create topic {topic}", file=sys.stderr)
            return False
    return True


def main(attempts: int = 30, wait_s: float = 2.0) -> int:
    settings = Settings.from_env()
    if not create_topics(settings, attempts, wait_s):
        return 1
    if os.environ.get("NSCL_KAFKA_ACLS") == "1":
        return create_acls(settings.kafka_bootstrap)
    return 0


def create_acls(bootstrap: str) -> int:
    grants = planned_grants()
    topics = Topics(bootstrap)
    try:
        refused = apply_grants(topics.admin(), grants)
    finally:
        topics.close()
    if refused:
        print(f"the broker refused {len(refused)} of {len(grants)} ACLs: {', '.join(refused)}", file=sys.stderr)
        return 1
    print(f"{len(grants)} ACLs in place (only each relay writes its service's event topic)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
