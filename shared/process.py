"""Long-running processes: logging, a clean stop on SIGTERM / SIGINT, and dying with the parent."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def configure_logging() -> None:
    logging.basicConfig(level=os.environ.get("NSCL_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.CRITICAL)  # outages are reported by our own loggers


def stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def request_stop(signum, frame):  # noqa: ARG001 - the signal handler's signature
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def parent_death_signal(parent_pid: int, sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A function to run in a freshly forked child (before exec): the kernel sends `sig` to the child when the
    thread that forked it ends, even if the parent was killed with SIGKILL. None where Linux's prctl is missing.

    The setting survives exec but not fork: gunicorn's workers (our grandchildren) set it again in post_fork.
    Everything the function calls is resolved here, before the fork."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    getppid, kill, getpid = os.getppid, os.kill, os.getpid

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if getppid() != parent_pid:  # the parent died before the setting took effect
            kill(getpid(), sig)
    return die_with_parent
