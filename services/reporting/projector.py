"""The reporting projector: consumes every write service's topic into reporting's database."""
from __future__ import annotations

from shared.bus import ConsumerSettings
from shared.config import WRITE_SERVICES, Settings, database_for, dead_letter_topic_for, topic_for
from shared.consumer import ConsumerLoop, MongoDeadLetters
from shared.mongo import connect
from shared.process import configure_logging, stop_on_signals
from shared.readmodel import ReadModel
from services.reporting.projections import Projector

GROUP_ID = "nscl-reporting-projector"
DEAD_LETTER_TOPIC = dead_letter_topic_for("reporting")
DEAD_LETTERS = "dead_letters"


def build_loop(settings: Settings) -> ConsumerLoop:
    database = connect(settings.mongo_url)[database_for("reporting")]
    projector = Projector(ReadModel(database))
    return ConsumerLoop(projector.handle, MongoDeadLetters(database[DEAD_LETTERS], settings.kafka_bootstrap,
                                                           DEAD_LETTER_TOPIC))


def main() -> None:
    configure_logging()
    settings = Settings.from_env()
    stop = stop_on_signals()
    consumer_settings = ConsumerSettings.of(settings, GROUP_ID)
    build_loop(settings).run(consumer_settings, [topic_for(service) for service in WRITE_SERVICES], stop)


if __name__ == "__main__":
    main()
