"""Configuration, read only from environment variables, with defaults that run the embedded stack."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

WRITE_SERVICES = ("registry", "support", "training")
SERVICES = WRITE_SERVICES + ("reporting",)
DEFAULT_PORTS = {"registry": 8101, "support": 8102, "training": 8103, "reporting": 8104}
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def topic_for(service: str) -> str:
    return f"nscl.{service}.events"


def dead_letter_topic_for(service: str) -> str:
    return f"nscl.{service}.dead-letters"


def database_for(service: str) -> str:
    return f"nscl_{service}"


@dataclass(frozen=True)
class Settings:
    mongo_url: str
    kafka_bootstrap: str
    jwt_secret: str | None
    state_dir: Path
    topic_partitions: int
    consumer_session_timeout_ms: int
    consumer_max_poll_interval_ms: int
    fetch_max_wait_ms: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        state_dir = Path(env.get("NSCL_STATE_DIR", PROJECT_ROOT / ".nscl"))
        return cls(
            mongo_url=env.get("MONGO_URL", "mongodb://127.0.0.1:27018"),
            kafka_bootstrap=env.get("KAFKA_BOOTSTRAP", "127.0.0.1:9093"),
            jwt_secret=env.get("NSCL_JWT_SECRET") or _read_secret_file(env, state_dir),
            state_dir=state_dir,
            topic_partitions=int(env.get("NSCL_TOPIC_PARTITIONS", "3")),
            consumer_session_timeout_ms=int(env.get("NSCL_CONSUMER_SESSION_TIMEOUT_MS", "6000")),
            consumer_max_poll_interval_ms=int(env.get("NSCL_CONSUMER_MAX_POLL_INTERVAL_MS", "10000")),
            fetch_max_wait_ms=int(env.get("NSCL_FETCH_MAX_WAIT_MS", "50")),
        )


def _read_secret_file(env, state_dir: Path) -> str | None:
    path = Path(env.get("NSCL_JWT_SECRET_FILE", state_dir / "dev-secret"))
    return path.read_text().strip() if path.exists() else None
