"""MongoDB round trips per command: how many database commands one HTTP command costs, by kind.

    .venv/bin/python bench/command_round_trips.py

Starts the embedded MongoDB-protocol server on a free port, builds the registry app in this process on it
(no gunicorn: Flask's test client), and counts with a pymongo CommandListener every command the driver sends
while one request runs. The first write of a fresh store (index creation) is done before counting.
Counts do not depend on the machine's load; the figure is exact for this code.
"""
from __future__ import annotations

import tempfile
import uuid
from collections import Counter
from pathlib import Path

import _common as common
from pymongo import monitoring

from deploy.processes import free_port
from deploy.stack import EmbeddedServers
from services.registry.app import create_app
from shared.config import Settings


class Counting(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def main() -> None:
    common.parser(__doc__.splitlines()[0]).parse_args()
    listener = Counting()
    monitoring.register(listener)
    secret = common.new_secret()
    headers = common.bearer(secret, "bench-clerk", "DOST", "clerk")
    with tempfile.TemporaryDirectory(prefix="nscl-bench-") as state_dir:
        servers = EmbeddedServers(Path(state_dir), free_port(), free_port())
        servers.start_mongo()
        try:
            settings = Settings.from_env({"MONGO_URL": servers.mongo_url, "KAFKA_BOOTSTRAP": "127.0.0.1:1",
                                          "NSCL_JWT_SECRET": secret, "NSCL_STATE_DIR": state_dir})
            client = create_app(settings).test_client()
            rows = []

            def measure(label: str, method: str, path: str, body: dict, **extra: str) -> dict:
                listener.commands.clear()
                response = client.open(path, method=method, json=body, headers={**headers, **extra})
                assert response.status_code < 300, response.get_data(as_text=True)
                counted = dict(listener.commands)
                rows.append([label, response.status_code, sum(counted.values()),
                             ", ".join(f"{name} {count}" for name, count in sorted(counted.items()))])
                return response.get_json()

            def register() -> dict:
                return {"tax_code": f"{uuid.uuid4().int % 10**10:010d}", "name": "Công ty TNHH Đo lường",
                        "district_code": "866"}

            client.post("/api/v1/enterprises", json=register(), headers=headers)  # indexes created here
            created = measure("register (Idempotency-Key)", "POST", "/api/v1/enterprises", register(),
                              **{"Idempotency-Key": str(uuid.uuid4())})
            path = f"/api/v1/enterprises/{created['id']}"
            measure("update profile (If-Match)", "PATCH", path, {"name": "Tên mới 1"}, **{"If-Match": '"1"'})
            key = str(uuid.uuid4())
            measure("update profile (Idempotency-Key)", "PATCH", path, {"name": "Tên mới 2"},
                    **{"Idempotency-Key": key})
            measure("same request again (replayed)", "PATCH", path, {"name": "Tên mới 2"}, **{"Idempotency-Key": key})
            measure("add product (no headers)", "POST", f"{path}/products", {"name": "Gạo thơm", "category": "food"})
            measure("close (releases the tax code)", "POST", f"{path}/close", {"reason": "Giải thể"})
            common.print_table("MongoDB commands per HTTP command (registry, in-process app)",
                               ["command", "status", "round trips", "by command"], rows)
        finally:
            servers.stop()


if __name__ == "__main__":
    main()
