"""The consumer loop notices a topic created anew (a broker that lost its data) and reads it from its start."""
from kafka import KafkaConsumer, TopicPartition

from shared.bus import Topics
from shared.consumer import TopicWatch


class TopicsAsTheBrokerSaysNow(Topics):
    def __init__(self, ids: dict[str, str]) -> None:
        super().__init__("127.0.0.1:1")
        self.ids = ids

    def topic_ids(self, topics):
        return {topic: self.ids[topic] for topic in topics if topic in self.ids}


class AssignedConsumer(KafkaConsumer):
    """Only what the watch asks of a consumer: its assignment, and seeking to the beginning."""

    def __init__(self, *assigned: TopicPartition) -> None:  # noqa: D107 - no connection is made
        self.assigned = set(assigned)
        self.sought: list[TopicPartition] = []

    def assignment(self):
        return self.assigned

    def seek_to_beginning(self, *partitions):
        self.sought.extend(partitions)


REGISTRY = [TopicPartition("nscl.registry.events", p) for p in range(3)]
SUPPORT = [TopicPartition("nscl.support.events", 0)]


def watch_of(topics: Topics, seen: dict[str, str]) -> TopicWatch:
    watch = TopicWatch("group", topics, seen)
    watch.CHECK_INTERVAL_S = 0
    return watch


def test_the_first_sight_of_a_topic_only_records_its_id():
    seen: dict[str, str] = {}
    consumer = AssignedConsumer(*REGISTRY)
    watch_of(TopicsAsTheBrokerSaysNow({"nscl.registry.events": "id-1"}), seen).replay_renewed_topics(consumer)
    assert consumer.sought == [] and seen == {"nscl.registry.events": "id-1"}


def test_a_topic_with_a_new_id_is_read_again_from_the_beginning_and_only_that_topic():
    seen = {"nscl.registry.events": "id-1", "nscl.support.events": "id-9"}
    broker = TopicsAsTheBrokerSaysNow({"nscl.registry.events": "id-2", "nscl.support.events": "id-9"})
    consumer = AssignedConsumer(*REGISTRY, *SUPPORT)
    watch = watch_of(broker, seen)
    watch.replay_renewed_topics(consumer)
    assert sorted(consumer.sought) == sorted(REGISTRY) and seen["nscl.registry.events"] == "id-2"
    watch.replay_renewed_topics(consumer)  # seen once: not replayed again
    assert len(consumer.sought) == 3


def test_a_topic_missing_for_now_is_not_replayed_until_it_is_back():
    seen = {"nscl.registry.events": "id-1"}
    broker = TopicsAsTheBrokerSaysNow({})
    consumer = AssignedConsumer(*REGISTRY)
    watch = watch_of(broker, seen)
    watch.replay_renewed_topics(consumer)
    assert consumer.sought == [] and seen == {"nscl.registry.events": "id-1"}
    broker.ids["nscl.registry.events"] = "id-2"
    watch.replay_renewed_topics(consumer)
    assert sorted(consumer.sought) == sorted(REGISTRY)


def test_without_an_assignment_nothing_is_asked_of_the_broker():
    class Unreachable(Topics):
        def topic_ids(self, topics):
            raise AssertionError("the broker was asked")

    watch_of(Unreachable("127.0.0.1:1"), {"t": "id"}).replay_renewed_topics(AssignedConsumer())
