"""A service's background worker: its loops (projections, consumers) in threads, stopped on SIGTERM."""
from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from shared.process import configure_logging, stop_on_signals

log = logging.getLogger("nscl.worker")
Loop = Callable[[threading.Event], None]


def run_loops(name: str, loops: dict[str, Loop]) -> None:
    configure_logging()
    stop = stop_on_signals()
    failed: list[str] = []
    threads = [threading.Thread(target=_guarded, args=(label, loop, stop, failed), name=label, daemon=True)
               for label, loop in loops.items()]
    for thread in threads:
        thread.start()
    log.info("%s worker running: %s", name, ", ".join(loops))
    stop.wait()
    for thread in threads:
        thread.join(timeout=15)
    if failed:
        sys.exit(f"{name} worker stopped: loop {', '.join(failed)} failed")


def _guarded(label: str, loop: Loop, stop: threading.Event, failed: list[str]) -> None:
    try:
        loop(stop)
    except Exception:  # noqa: BLE001 - a dead loop must stop the worker, so the launcher sees it
        log.exception("loop %s failed; stopping the worker", label)
        failed.append(label)
        stop.set()
