"""Waking the relay when a command commits, instead of the relay polling the store every few milliseconds.

A write service sends one UDP datagram to its relay's wake-up address after each commit (every gunicorn worker
and the demo alike); the relay waits on that socket between batches. A datagram is a hint, never a duty: one that
is lost, or a relay that is not listening, only means the relay finds the commit at its next regular look at the
store (``IDLE_LOOK_S`` later), so nothing depends on delivery. The address is ``NSCL_RELAY_WAKE_<SERVICE>``
(``host:port``): the launcher gives each relay a free loopback port, docker-compose the relay's service name.
"""
from __future__ import annotations

import contextlib
import select
import socket
import threading

WAKE = b"w"
IDLE_LOOK_S = 0.5  # how often a relay that was woken by nothing looks at the store anyway


def parse_address(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"a wake-up address is host:port, not {text!r}")
    return host, int(port)


class Waker:
    """The sending side: ``notify()`` never blocks and never fails a command."""

    def __init__(self, address: tuple[str, int] | None) -> None:
        self.address = address
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def notify(self, *_: object) -> None:
        if self.address is None:
            return
        with self._lock, contextlib.suppress(OSError):
            if self._socket is None:
                self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._socket.setblocking(False)
            self._socket.sendto(WAKE, self.address)


class WakeListener:
    """The relay's side: ``wait(timeout)`` returns True as soon as a wake-up arrived (or ``interrupt()`` was
    called), False after ``timeout``; every datagram that arrived meanwhile is consumed."""

    def __init__(self, address: tuple[str, int]) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(address)
        self._socket.setblocking(False)
        self.address = self._socket.getsockname()

    def wait(self, timeout: float) -> bool:
        readable, _, _ = select.select([self._socket], [], [], timeout)
        if not readable:
            return False
        with contextlib.suppress(BlockingIOError):
            while True:
                self._socket.recv(64)
        return True

    def interrupt(self) -> None:
        """Ends a ``wait`` at once (a signal handler stopping the relay)."""
        Waker(self.address).notify()

    def close(self) -> None:
        self._socket.close()
