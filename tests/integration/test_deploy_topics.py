from kafka import KafkaConsumer

from deploy.topics import main


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
