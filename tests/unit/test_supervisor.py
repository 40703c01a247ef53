"""The launcher's supervisor: a crashed child is restarted with growing delays and said so; only a crash loop
(5 crashes within 60 s) stops the stack, with the process named."""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from deploy.processes import CrashLoop, ManagedProcess, RestartPolicy, Supervisor
from shared.process import parent_death_signal


class FakeProcess(ManagedProcess):
    def __init__(self, name: str) -> None:
        super().__init__(name, ["true"], Path("/nonexistent") / f"{name}.log")
        self.running, self.code, self.starts, self.signals = True, None, 0, []

    def start(self) -> FakeProcess:
        self.starts += 1
        self.running, self.code = True, None
        return self

    def alive(self) -> bool:
        return self.running

    @property
    def returncode(self) -> int | None:
        return self.code

    def signal_group(self, sig: int) -> None:
        self.signals.append(sig)

    def crash(self, code: int = -9) -> None:
        self.running, self.code = False, code


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup():
    clock, said = Clock(), []
    processes = {"projector": FakeProcess("projector"), "relay-registry": FakeProcess("relay-registry")}
    return Supervisor(processes, said.append, clock=clock), processes, clock, said


def test_a_crashed_process_is_restarted_after_a_delay_and_the_restart_is_said(setup):
    supervisor, processes, clock, said = setup
    processes["projector"].crash()
    supervisor.check()
    assert processes["projector"].signals == [signal.SIGKILL]  # what it left in its group goes too
    assert "projector đã dừng bất thường (mã thoát -9); khởi động lại sau 0.5 giây" in said[-1]
    supervisor.check()
    assert processes["projector"].starts == 0  # not before its delay
    clock.now += 0.5
    supervisor.check()
    assert processes["projector"].starts == 1 and said[-1].startswith("Đã khởi động lại projector")
    assert processes["relay-registry"].starts == 0


def test_the_delay_doubles_and_the_fifth_crash_within_a_minute_stops_the_stack(setup):
    supervisor, processes, clock, said = setup
    delays = []
    for _ in range(4):
        processes["projector"].crash(1)
        supervisor.check()
        delays.append(supervisor.due["projector"] - clock.now)
        clock.now += delays[-1]
        supervisor.check()
    assert delays == [0.5, 1.0, 2.0, 4.0]
    processes["projector"].crash(1)
    with pytest.raises(CrashLoop, match="projector đã dừng bất thường 5 lần trong 60 giây"):
        supervisor.check()


def test_crashes_far_apart_never_stop_the_stack(setup):
    supervisor, processes, clock, said = setup
    for _ in range(10):
        processes["projector"].crash()
        supervisor.check()
        clock.now += 61
        supervisor.check()
    assert processes["projector"].starts == 10
    assert all("0.5 giây" in line for line in said if "dừng bất thường" in line)


def test_the_policy_forgets_crashes_older_than_its_window():
    policy = RestartPolicy(max_crashes=3, window_s=10, first_delay_s=1, max_delay_s=3)
    assert [policy.delay_after_crash(t) for t in (0, 1)] == [1, 2]
    assert policy.delay_after_crash(2) is None
    assert policy.delay_after_crash(30) == 1


def test_the_parent_death_setting_is_a_function_to_run_in_the_child():
    die_with_parent = parent_death_signal(12345)
    assert callable(die_with_parent)  # Linux: prctl found in the C library
