"""Long-running worker processes: logging and a clean stop on SIGTERM / SIGINT."""
from __future__ import annotations

import logging
import os
import signal
import threading


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
