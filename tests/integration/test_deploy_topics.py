import uuid

from kafka import KafkaConsumer

from deploy.topics import main
from shared.bus import ConsumerSettings, Topics, make_consumer


def test_deploy_topics_creates_every_event_topic_and_the_dead_letters(embedded_servers, monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP", embedded_servers.kafka_bootstrap)
    monkeypatch.setenv("NSCL_TOPIC_PARTITIONS", "3")
    assert main(attempts=3, wait_s=0.5) == 0
    assert main(attempts=3, wait_s=0.5) == 0  # a second run leaves them as they are
    consumer = KafkaConsumer(bootstrap_servers=embedded_servers.kafka_bootstrap)
    topics = consumer.topics()
    consumer.close()
    assert {"nscl.registry.events", "nscl.support.events", "nscl.training.events",
            "nscl.reporting.dead-letters", "nscl.audit.digests"} <= topics


def test_a_consumer_never_creates_the_topic_it_waits_for(embedded_servers):
    """Had it asked the broker to create it, the topic would have the broker's default partitions (4 on Tansu)."""
    missing = f"nscl.test-{uuid.uuid4().hex[:8]}.events"
    consumer = make_consumer(ConsumerSettings(embedded_servers.kafka_bootstrap, f"g-{uuid.uuid4().hex[:6]}", 3000, 20),
                             [missing])
    try:
        for _ in range(15):  # each poll asks the broker for the topic's metadata
            assert consumer.poll(timeout_ms=200) == {}
    finally:
        consumer.close()
    topics = Topics(embedded_servers.kafka_bootstrap)
    try:
        assert topics.topic_id(missing) is None
    finally:
        topics.close()
