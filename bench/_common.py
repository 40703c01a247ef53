"""What every benchmark script shares: real servers on free loopback ports, timing, statistics, tables.

The scripts import it as ``_common`` (they run as ``.venv/bin/python bench/<name>.py``, so this folder is
first on ``sys.path``). Nothing here holds a figure: every number a script prints is measured in its run.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from deploy.processes import free_port
from deploy.stack import EmbeddedServers, Services
from shared.auth import Principal, TokenService
from shared.config import SERVICES

REPETITIONS = 3


# ---- command line ------------------------------------------------------------------------------------
def parser(description: str, time_limit_s: float = 300.0) -> argparse.ArgumentParser:
    """An argument parser with the options every script has; defaults are the quick run."""
    found = argparse.ArgumentParser(description=description,
                                    formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    found.add_argument("--reps", type=int, default=REPETITIONS, help="repetitions (medians are over these)")
    found.add_argument("--time-limit", type=float, default=time_limit_s,
                       help="abort (and stop the servers) after this many seconds")
    return found


# ---- statistics --------------------------------------------------------------------------------------
def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between the closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else math.inf


def ratio(measured: float, baseline: float) -> float:
    return measured / baseline if baseline else math.nan


# ---- timing ------------------------------------------------------------------------------------------
def timed(operation: Callable[[], Any]) -> tuple[Any, float]:
    """Runs ``operation`` and returns (its result, seconds it took)."""
    started = time.perf_counter()
    result = operation()
    return result, time.perf_counter() - started


class Runs:
    """Figures per name, one per repetition; reports the median of each."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return median(self.values.get(name, []))

    def spread(self, name: str) -> str:
        found = self.values.get(name, [])
        return f"{min(found):,.0f}–{max(found):,.0f}" if found else "-"


class TimeLimitExceeded(BaseException):
    """Not an Exception (nor an OSError, as TimeoutError is): drivers that retry on errors do not swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raises TimeLimitExceeded in the main thread after ``seconds``; ``finally`` blocks still stop servers."""
    def expire(*_):
        raise TimeLimitExceeded(f"benchmark exceeded its time limit of {seconds:.0f} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(interval_s)


# ---- servers -----------------------------------------------------------------------------------------
@contextlib.contextmanager
def embedded_servers() -> Iterator[EmbeddedServers]:
    """nx-27017 and Tansu on free loopback ports, state in a temporary directory; always stopped."""
    with tempfile.TemporaryDirectory(prefix="nscl-bench-") as state_dir:
        servers = EmbeddedServers(Path(state_dir), free_port(), free_port())
        note(f"load average before starting: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
             "(other work on the machine skews every figure)")
        try:
            started = time.perf_counter()
            servers.start()
            note(f"servers up in {time.perf_counter() - started:.1f} s "
                 f"(MongoDB-protocol {servers.mongo_url}, Kafka-protocol {servers.kafka_bootstrap})")
            yield servers
        finally:
            note(f"load average at the end: {os.getloadavg()[0]:.2f}")
            servers.stop()
            note("servers stopped")


@contextlib.contextmanager
def embedded_stack(servers: EmbeddedServers, jwt_secret: str, workers: int = 2) -> Iterator[Services]:
    """The four services (``workers`` gunicorn workers each), the relays and the projector on top of ``servers``,
    on free ports; always stopped."""
    services = Services(servers, servers.state_dir, {service: free_port() for service in SERVICES}, jwt_secret,
                        workers)
    try:
        started = time.perf_counter()
        services.start()
        note(f"services up in {time.perf_counter() - started:.1f} s "
             f"({', '.join(f'{name} {services.url(name)}' for name in SERVICES)})")
        yield services
    finally:
        services.stop()
        note("services stopped")


def new_secret() -> str:
    return secrets.token_hex(32)


def bearer(secret: str, subject: str, department: str, role: str) -> dict[str, str]:
    token = TokenService(secret).issue(Principal(subject, department, role))
    return {"Authorization": f"Bearer {token}"}


def unique_name(prefix: str) -> str:
    """A fresh database or topic name."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# ---- CPU of the stack's processes --------------------------------------------------------------------
def process_groups(servers: EmbeddedServers, stack: Services) -> dict[str, int]:
    """Each stack process's name and process group (the launcher starts each in its own group)."""
    processes = {**stack.processes, "nx-27017 (MongoDB)": servers.mongo, "tansu (Kafka)": servers.kafka}
    return {name: pid for name, process in processes.items() if process and (pid := process.pid) is not None}


def cpu_by_group(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) of every live process in each named process group."""
    tick = os.sysconf("SC_CLK_TCK")
    by_pgid = {pgid: name for name, pgid in groups.items()}
    found = dict.fromkeys(groups, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        name = by_pgid.get(int(fields[2]))
        if name is not None:
            found[name] += (int(fields[11]) + int(fields[12])) / tick
    return found


def cpu_delta(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Percent of one core per group over the window."""
    return {name: 100 * (after[name] - before[name]) / seconds for name in before}


# ---- output ------------------------------------------------------------------------------------------
def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


def fmt(value: float, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def fmt_ratio(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(header)), *(len(row[i]) for row in cells)) for i, header in enumerate(headers)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))

    print()
    print(title)
    print(line([str(header) for header in headers]))
    print("  ".join("-" * width for width in widths))
    for row in cells:
        print(line(row))
    sys.stdout.flush()
