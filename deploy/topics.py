"""Create the product's Kafka topics (events, dead letters, audit digests), waiting for the broker if needed.

    python -m deploy.topics

Relays and dead-letter writers also create their topic when missing; this makes it explicit at deploy time.
"""
from __future__ import annotations

import sys
import time

from shared.bus import TRANSIENT_KAFKA_ERRORS, ensure_topic
from shared.config import SERVICES, WRITE_SERVICES, Settings, dead_letter_topic_for, topic_for
from shared.digests import DIGEST_TOPIC


def main(attempts: int = 30, wait_s: float = 2.0) -> int:
    settings = Settings.from_env()
    topics = {topic_for(service): settings.topic_partitions for service in WRITE_SERVICES}
    topics |= {dead_letter_topic_for(service): settings.topic_partitions for service in SERVICES}
    topics[DIGEST_TOPIC] = 1  # every service's digests in the order they were signed
    for topic, partitions in topics.items():
        for attempt in range(1, attempts + 1):
            try:
                print(f"topic {topic}: id {ensure_topic(settings.kafka_bootstrap, topic, partitions)}",
                      flush=True)
                break
            except TRANSIENT_KAFKA_ERRORS as error:
                print(f"topic {topic}: broker not ready ({error!r}), attempt {attempt}/{attempts}", flush=True)
                time.sleep(wait_s)
        else:
            print(f"could not create topic {topic}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
