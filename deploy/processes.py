"""Child processes of the embedded stack: each in its own process group, dying with the launcher (even one killed
with SIGKILL), stopped together by process id, and restarted with backoff when one crashes."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shared.process import parent_death_signal

VENV_BIN = Path(sys.executable).parent
# Everything the stack writes (state, logs, the database's files) is its owner's alone: files 0600, directories 0700.
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """``path`` (and missing parents) as a directory only its owner may enter or read, even if it existed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def open_private_log(path: Path):
    """The log file for appending, readable by its owner only (also when an older run left it wider)."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "ab")


class Stopping(Exception):
    """The launcher was asked to stop while it waited for something."""


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    popen: subprocess.Popen | None = None
    before_start: Callable[[ManagedProcess], None] | None = None

    def start(self) -> ManagedProcess:
        """Starts (or restarts) the process. Call it from a thread that lives as long as the launcher: the kernel
        kills the child when the thread that forked it ends."""
        if self.before_start:
            self.before_start(self)
        with open_private_log(self.log_path) as log:
            self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          env={**os.environ, **self.env}, cwd=self.cwd, start_new_session=True,
                                          preexec_fn=parent_death_signal(os.getpid()), umask=PRIVATE_UMASK)
        return self

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    @property
    def returncode(self) -> int | None:
        return self.popen.poll() if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        """To the whole process group, so gunicorn's workers (and anything a child left behind) get it too."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 8.0) -> None:
        stop_all([self], timeout)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def stop_all(processes: Iterable[ManagedProcess], grace: float = 5.0, kill_wait: float = 2.0) -> list[str]:
    """SIGTERM to every process group at once; SIGKILL to the groups still there after `grace` seconds.
    Returns within grace + kill_wait seconds (plus a little), whatever the children do, with the names of those
    that had to be killed."""
    started = [process for process in processes if process.popen is not None]
    for process in started:
        process.signal_group(signal.SIGTERM)
    _wait_all(started, grace)
    killed = [process.name for process in started if process.alive()]
    for process in started:
        process.signal_group(signal.SIGKILL)  # the group's leftovers too, even when its leader has left
    _wait_all(started, kill_wait)
    return killed


def _wait_all(processes: list[ManagedProcess], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        if process.popen is None:
            continue
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))


@dataclass
class RestartPolicy:
    """Backoff between restarts of one process; too many crashes within a window means it cannot run."""
    max_crashes: int = 5
    window_s: float = 60.0
    first_delay_s: float = 0.5
    max_delay_s: float = 10.0
    crashes: list[float] = field(default_factory=list)

    def delay_after_crash(self, now: float) -> float | None:
        """Seconds to wait before the restart, or None when the process crashed too often to go on."""
        self.crashes = [at for at in self.crashes if now - at < self.window_s] + [now]
        if len(self.crashes) >= self.max_crashes:
            return None
        return min(self.max_delay_s, self.first_delay_s * 2 ** (len(self.crashes) - 1))


class CrashLoop(Exception):
    def __init__(self, process: ManagedProcess, policy: RestartPolicy) -> None:
        self.process = process
        super().__init__(
            f"Tiến trình {process.name} đã dừng bất thường {len(policy.crashes)} lần trong "
            f"{policy.window_s:.0f} giây (lần cuối: mã thoát {process.returncode}); dừng toàn bộ hệ thống. "
            f"Xem nhật ký {process.log_path}:\n{process.log_tail(15)}")


class Supervisor:
    """Watches the launcher's children; restarts a crashed one with backoff and says so.

    `check()` does not block: call it often from the launcher's main thread (the thread that starts a child must
    outlive it). It raises CrashLoop when one process crashed too often."""

    def __init__(self, processes: dict[str, ManagedProcess], say: Callable[[str], None],
                 policy: Callable[[], RestartPolicy] = RestartPolicy,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.processes, self.say, self.clock = processes, say, clock
        self.policies = {name: policy() for name in processes}
        self.due: dict[str, float] = {}  # restart time of each crashed process
        self.restarts: dict[str, int] = dict.fromkeys(processes, 0)

    def check(self) -> None:
        now = self.clock()
        for name, process in self.processes.items():
            if name in self.due:
                if now >= self.due[name]:
                    del self.due[name]
                    process.start()
                    self.restarts[name] += 1
                    self.say(f"Đã khởi động lại {name} (pid {process.pid}, lần thứ {self.restarts[name]}).")
                continue
            if process.alive():
                continue
            process.signal_group(signal.SIGKILL)  # e.g. gunicorn workers still holding the port
            delay = self.policies[name].delay_after_crash(now)
            if delay is None:
                raise CrashLoop(process, self.policies[name])
            self.due[name] = now + delay
            self.say(f"Tiến trình {name} đã dừng bất thường (mã thoát {process.returncode}); khởi động lại sau "
                     f"{delay:.1f} giây. Nhật ký: {process.log_path}")


def proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, parent pid, …); None when there is no
    such process (or no /proc)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def running(pid: int) -> bool:
    """The process exists and has not ended: a zombie (ended, not yet reaped) is not running."""
    fields = proc_stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1,
               process: ManagedProcess | None = None, stop: threading.Event | None = None) -> None:
    """Polls `condition` until it holds; raises TimeoutError after `timeout`, RuntimeError when `process` exits,
    Stopping as soon as `stop` is set."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stop is not None and stop.is_set():
            raise Stopping(what)
        if condition():
            return
        if process is not None and not process.alive():
            raise RuntimeError(f"{what}: {process.name} exited.\n{process.log_tail()}")
        if stop is not None:
            stop.wait(interval)
        else:
            time.sleep(interval)
    tail = f"\n{process.log_tail()}" if process else ""
    raise TimeoutError(f"{what}: not ready within {timeout:.0f} s{tail}")


def healthy(url: str) -> bool:
    try:
        response = requests.get(url, timeout=2)
        return response.status_code == 200 and response.json().get("status") == "ok"
    except (requests.RequestException, ValueError):
        return False
