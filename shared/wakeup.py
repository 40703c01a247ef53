"""Waking the relay and the service's own read-model projection when a command commits, instead of both polling
the store every few milliseconds.

A write service sends one UDP datagram to each listener's wake-up address after each commit (every gunicorn
worker and the demo alike); the listener waits on its socket between batches. A datagram is a hint, never a duty:
one that is lost, or a listener that is not there, only means the commit is found at the next regular look at
the store (``IDLE_LOOK_S`` later), so nothing depends on delivery. The addresses are ``NSCL_RELAY_WAKE_<SERVICE>``
and ``NSCL_PROJECTION_WAKE_<SERVICE>`` (``host:port``): the launcher gives each listener a free loopback port,
docker-compose the listening container's service name.
"""
from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading

log = logging.getLogger("nscl.wakeup")
WAKE = b"w"
IDLE_LOOK_S = 0.5  # how often a listener that was woken by nothing looks at the store anyway


def rest_after(applied: int, batch_size: int, wake: WakeListener | None, stop: threading.Event,
               idle_wait_s: float) -> bool:
    """Between two reads of a store: none after a full batch (more may be waiting), nor after any batch when
    polling; otherwise until a commit's wake-up (or ``IDLE_LOOK_S``), or ``idle_wait_s`` without a listener. A
    commit after the read sends its datagram after its insert, so a short batch was all there was to read.
    True when a batch is most likely there to read: after a full one, or when a commit woke the reader."""
    if applied == batch_size or (applied and wake is None):
        return applied == batch_size
    if wake is not None:
        return wake.wait(IDLE_LOOK_S)
    stop.wait(idle_wait_s)
    return False


def parse_address(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"a wake-up address is host:port, not {text!r}")
    return host, int(port)


class Waker:
    """The sending side: ``notify()`` never blocks and never fails a command. Addresses given as None are left
    out (a listener not configured)."""

    def __init__(self, *addresses: tuple[str, int] | None) -> None:
        self.addresses = [address for address in addresses if address is not None]
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def notify(self, *_: object) -> None:
        if not self.addresses:
            return
        with self._lock, contextlib.suppress(OSError):  # no socket to be had: the listeners look later anyway
            if self._socket is None:
                self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._socket.setblocking(False)
            for address in self.addresses:
                with contextlib.suppress(OSError):
                    self._socket.sendto(WAKE, address)


class WakeListener:
    """The listening side (a relay, a projection): ``wait(timeout)`` returns True as soon as a wake-up arrived (or
    ``interrupt()`` was called), False after ``timeout``; every datagram that arrived meanwhile is consumed."""

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


def listen(configured: str | None, who: str) -> WakeListener | None:
    """A listener on the ``configured`` address (``host:port``), or None (the caller then polls the store) when
    none is configured or the address cannot be bound."""
    address = parse_address(configured)
    if address is None:
        return None
    try:
        return WakeListener(address)
    except OSError as error:
        log.warning("%s: cannot listen for wake-ups on %s (%s); polling the store instead", who, address, error)
        return None
