"""The launcher as a person runs it (`python -m deploy.stack`, what `./dev run` execs), on free ports and a state
directory of its own: the demo resumes after the launcher and its processes were killed in the middle of it and
ends with the same events as an uninterrupted load; a crashed child or server is restarted; SIGTERM stops
everything within 10 s, during the demo load too; SIGKILL of the launcher leaves no process behind."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from deploy.processes import free_port, proc_stat, running, wait_until
from deploy.topics import planned_topics
from shared.bus import Topics
from shared.config import PROJECT_ROOT, SERVICES, WRITE_SERVICES, Settings

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
DEMO_SIZE = "16"
READY = "NSCL đang chạy"


class Launcher:
    def __init__(self, state_dir: Path, *args: str) -> None:
        self.state_dir, self.args = state_dir, args
        self.ports = {service: free_port() for service in SERVICES}
        self.env = {**os.environ, "NSCL_STATE_DIR": str(state_dir), "NSCL_DEMO_SIZE": DEMO_SIZE,
                    "NSCL_MONGO_PORT": str(free_port()), "NSCL_KAFKA_PORT": str(free_port()),
                    **{f"NSCL_{service.upper()}_PORT": str(port) for service, port in self.ports.items()}}
        self.env.pop("NSCL_JWT_SECRET", None)
        self.runs = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> Launcher:
        self.runs += 1
        self.output = self.state_dir.parent / f"{self.state_dir.name}-launcher-{self.runs}.out"
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "deploy.stack", *self.args], cwd=PROJECT_ROOT,
                                            env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    @property
    def launched(self) -> subprocess.Popen:
        assert self.process is not None, "the launcher was not started"
        return self.process

    def text(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def wait_for(self, text: str, timeout: float = 300) -> None:
        def seen() -> bool:
            if text in self.text():
                return True
            assert self.launched.poll() is None, f"the launcher exited:\n{self.text()[-3000:]}"
            return False
        wait_until(seen, timeout, f"the launcher printed {text!r}", interval=0.2)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def token(self, role: str = "auditor") -> dict[str, str]:
        tokens = json.loads((self.state_dir / "dev-tokens.json").read_text())["tokens"]
        return {"Authorization": f"Bearer {tokens['DOST'][role]}"}

    def head(self, service: str) -> int:
        try:
            return requests.get(f"{self.url(service)}/api/v1/events/", params={"limit": 1}, headers=self.token(),
                                timeout=10).json()["head_position"]
        except (requests.RequestException, ValueError, KeyError):
            return 0

    def event_counts(self) -> dict[str, Counter]:
        """Events per type in each write service's log (what a doubled command would show)."""
        counts: dict[str, Counter] = {}
        for service in WRITE_SERVICES:
            counted: Counter = Counter()
            position = 1
            while position is not None:
                page = requests.get(f"{self.url(service)}/api/v1/events/", params={"from_position": position,
                                                                                   "limit": 1000},
                                    headers=self.token(), timeout=30).json()
                counted.update(event["event_type"] for event in page["events"])
                position = page["next_from_position"]
            counts[service] = counted
        return counts

    def descendants(self) -> dict[int, str]:
        return descendants(self.launched.pid)

    def child(self, needle: str) -> int:
        """The pid of the launcher's child whose command line contains `needle`."""
        found = [pid for pid, line in self.descendants().items()
                 if needle in line and parent_of(pid) == self.launched.pid]
        assert len(found) == 1, (needle, self.descendants())
        return found[0]

    def stop(self, sig: int = signal.SIGTERM) -> float:
        """Sends `sig`; returns the seconds the launcher took to exit."""
        began = time.monotonic()
        self.launched.send_signal(sig)
        self.launched.wait(timeout=30)
        return time.monotonic() - began

    def kill_if_running(self) -> None:
        if self.process is not None and self.launched.poll() is None:
            self.process.kill()
            self.launched.wait()


def parent_of(pid: int) -> int | None:
    fields = proc_stat(pid)
    return int(fields[1]) if fields else None


def descendants(root: int) -> dict[int, str]:
    parents = {int(entry): parent_of(int(entry)) for entry in os.listdir("/proc") if entry.isdigit()}
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found and running(pid):
                found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                frontier.append(pid)
    return found


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def assert_all_gone(pids: dict[int, str], within: float = 10) -> None:
    wait_until(lambda: not [pid for pid in pids if running(pid)], within,
               "every process of the launcher has gone")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A whole demo of the test size, loaded in one go: the events it leaves are the reference."""
    launcher = Launcher(tmp_path_factory.mktemp("demo-whole") / "state").start()
    try:
        launcher.wait_for(READY)
        assert "Đã nạp xong dữ liệu mẫu trong" in launcher.text()
        yield launcher, launcher.event_counts()
    finally:
        launcher.kill_if_running()


def test_a_demo_killed_midway_is_completed_on_the_next_start_with_nothing_doubled(uninterrupted, tmp_path):
    _, reference = uninterrupted
    launcher = Launcher(tmp_path / "state").start()
    try:
        launcher.wait_for("Hỗ trợ: hồ sơ")  # the registry part is done, support has begun
        wait_until(lambda: launcher.head("support") >= 5, 120, "some support cases recorded", interval=0.2)
        family = launcher.descendants()
        assert sum("gunicorn" in line for line in family.values()) >= 8  # masters and their workers
        launcher.stop(signal.SIGKILL)
        assert_all_gone(family)

        launcher.start()
        launcher.wait_for("chưa xong (đã xong: registry)")
        wait_until(lambda: "Hỗ trợ: hồ sơ" in launcher.text(), 120, "the resumed load reached support")
        family = launcher.descendants()
        assert launcher.stop(signal.SIGTERM) < 10  # during the demo load
        assert_all_gone(family, within=1)
        assert "Đã dừng giữa chừng khi nạp dữ liệu mẫu" in launcher.text()

        launcher.start()
        launcher.wait_for(READY)
        assert "Đã nạp xong dữ liệu mẫu (nạp tiếp phần dang dở của lần trước)" in launcher.text()
        assert launcher.event_counts() == reference
        assert launcher.stop() < 10
    finally:
        launcher.kill_if_running()


def test_the_launcher_creates_every_topic_with_its_partitions_before_any_client_asks(uninterrupted):
    """The registry's dead-letter topic has no writer and no reader: only the launcher's deploy step makes it."""
    launcher, _ = uninterrupted
    settings = Settings.from_env({"KAFKA_BOOTSTRAP": f"127.0.0.1:{launcher.env['NSCL_KAFKA_PORT']}"})
    planned = planned_topics(settings)
    topics = Topics(settings.kafka_bootstrap)
    try:
        described = topics.admin().describe_topics(sorted(planned))
    finally:
        topics.close()
    assert {topic["name"]: len(topic["partitions"]) for topic in described} == planned
    assert planned["nscl.registry.dead-letters"] == planned["nscl.registry.events"] == 3


def test_a_crashed_process_or_server_is_restarted_and_sigterm_stops_everything(uninterrupted):
    launcher, reference = uninterrupted
    projector = launcher.child("services.reporting.projector")
    os.kill(projector, signal.SIGKILL)
    launcher.wait_for("Đã khởi động lại projector", timeout=30)
    assert launcher.child("services.reporting.projector") != projector
    assert "Tiến trình projector đã dừng bất thường (mã thoát -9)" in launcher.text()

    registry = launcher.child("services.registry.app")
    os.kill(registry, signal.SIGKILL)  # the gunicorn master: its workers must not keep the port
    launcher.wait_for("Đã khởi động lại registry", timeout=30)
    os.kill(launcher.child("nx-27017"), signal.SIGKILL)
    launcher.wait_for("Đã khởi động lại nx-27017", timeout=30)
    wait_until(lambda: answers(f"{launcher.url('registry')}/health"), 90,
               "registry answers again once its database is back", interval=0.5)
    assert launcher.event_counts() == reference  # the data survived the database server's crash

    family = launcher.descendants()
    assert launcher.stop(signal.SIGTERM) < 10
    assert_all_gone(family, within=1)
    assert launcher.process.returncode == 0


def test_a_second_start_of_a_complete_demo_adds_nothing(uninterrupted):
    launcher, reference = uninterrupted
    if launcher.process.poll() is None:
        launcher.stop()
    launcher.start().wait_for(READY)
    assert "Dữ liệu mẫu đã nạp đầy đủ từ trước." in launcher.text()
    assert launcher.event_counts() == reference
    family = launcher.descendants()
    launcher.stop(signal.SIGKILL)
    assert_all_gone(family)


def test_fresh_moves_the_state_aside_and_refuses_while_the_stack_runs(tmp_path):
    state = tmp_path / "state"
    launcher = Launcher(state, "--no-demo", "--fresh").start()
    try:
        launcher.wait_for(READY)
        busy = subprocess.run([sys.executable, "-m", "deploy.stack", "--fresh"], cwd=PROJECT_ROOT, env=launcher.env,
                              capture_output=True, text=True, timeout=60)
        assert busy.returncode == 2 and "chưa di chuyển gì" in busy.stderr
        assert launcher.stop() < 10
        secret = (state / "dev-secret").read_text()
        launcher.start().wait_for(READY)
        aside = [path for path in tmp_path.iterdir() if path.name.startswith("state-") and path.is_dir()]
        assert len(aside) == 1 and (aside[0] / "dev-secret").read_text() == secret
        assert (state / "dev-secret").read_text() != secret
        assert f"dữ liệu cũ đã chuyển sang {aside[0]}" in launcher.text()
        assert launcher.stop() < 10
    finally:
        launcher.kill_if_running()
