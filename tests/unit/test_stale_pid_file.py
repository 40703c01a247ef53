"""The embedded MongoDB-protocol server refuses to start while its pid file names a process that exists. After the
launcher was killed, that file names a dead server: a zombie nobody reaps, or a pid the system gave to another
program. The launcher forgets such a file, and keeps it only while a running server of that name holds it."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from deploy.processes import ManagedProcess, proc_stat, wait_until
from deploy.stack import forget_stale_pid_file

pytestmark = pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads /proc")


def server(tmp_path: Path, program: str) -> ManagedProcess:
    return ManagedProcess("nx-27017", [program, "--pid-file", str(tmp_path / "server.pid")], tmp_path / "log")


def test_a_pid_file_naming_a_zombie_is_forgotten(tmp_path):
    child = subprocess.Popen(["true"])  # not waited for: it stays a zombie until reaped
    try:
        wait_until(lambda: (proc_stat(child.pid) or ["?"])[0] == "Z", 10, "the child became a zombie")
        (tmp_path / "server.pid").write_text(str(child.pid))
        forget_stale_pid_file(server(tmp_path, "/usr/bin/true"))
        assert not (tmp_path / "server.pid").exists()
    finally:
        child.wait()


def test_a_pid_file_naming_another_program_is_forgotten(tmp_path):
    (tmp_path / "server.pid").write_text(str(os.getpid()))  # alive, but it is this test, not a server
    forget_stale_pid_file(server(tmp_path, "/venv/bin/nx-27017"))
    assert not (tmp_path / "server.pid").exists()


def test_a_pid_file_of_a_running_server_is_kept(tmp_path):
    running = subprocess.Popen(["sleep", "60"])
    try:
        wait_until(lambda: Path(f"/proc/{running.pid}/cmdline").read_bytes().startswith(b"sleep"), 10,
                   "the child runs sleep")
        (tmp_path / "server.pid").write_text(str(running.pid))
        forget_stale_pid_file(server(tmp_path, "/usr/bin/sleep"))
        assert (tmp_path / "server.pid").read_text() == str(running.pid)
    finally:
        running.kill()
        running.wait()


def test_an_unreadable_or_absent_pid_file_is_no_obstacle(tmp_path):
    (tmp_path / "server.pid").write_text("not a pid")
    forget_stale_pid_file(server(tmp_path, "/venv/bin/nx-27017"))
    assert not (tmp_path / "server.pid").exists()
    forget_stale_pid_file(server(tmp_path, "/venv/bin/nx-27017"))  # nothing to forget: no error
