"""Writes the secrets docker-compose needs into .env beside docker-compose.yml, once.

    python3 deploy/compose_env.py

Only the standard library, so it runs before anything is installed. A secret already in .env is kept (tokens,
users and the broker's principals stay valid); missing ones are added. The file is readable by its owner only
and ignored by git.
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"
SECRETS = (
    "NSCL_JWT_SECRET",  # signs the tokens the services accept (HS256)
    "NSCL_PERSON_KEY_SECRET",  # keys the hash that stands for a person's national id
    "NSCL_MONGO_ROOT_PASSWORD",  # MongoDB's administrator
    "NSCL_MONGO_REGISTRY_PASSWORD", "NSCL_MONGO_SUPPORT_PASSWORD", "NSCL_MONGO_TRAINING_PASSWORD",
    "NSCL_MONGO_REPORTING_PASSWORD",  # one database user per service
    "NSCL_KAFKA_ADMIN_PASSWORD",  # the broker's super user: creates topics and ACLs
    "NSCL_KAFKA_NSCL_PASSWORD",  # every NSCL process but the relays: reads events, writes dead letters
    "NSCL_KAFKA_RELAY_REGISTRY_PASSWORD", "NSCL_KAFKA_RELAY_SUPPORT_PASSWORD",
    "NSCL_KAFKA_RELAY_TRAINING_PASSWORD",  # each relay: the only writer of its service's event topic
)


def existing(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if "=" in line and not line.lstrip().startswith("#"))
    return {name.strip(): value for name, value in pairs}


def main(path: Path = ENV_FILE) -> int:
    have = existing(path)
    missing = [name for name in SECRETS if not have.get(name)]
    if missing:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.writelines(f"{name}={secrets.token_hex(32)}\n" for name in missing)
    os.chmod(path, 0o600)
    print(f"{path}: {len(missing)} secrets added, {len(SECRETS) - len(missing)} kept", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
