"""Waking the relay and the service's own read-model projection when a command commits, instead of both polling
the store every few milliseconds.

Where the database server has change streams that wait for changes (a MongoDB replica set or sharded cluster, as in
docker-compose), the listener watches the store's ``commits`` collection: any writer's commit wakes it, with nothing
to configure. Elsewhere (the embedded server answers a change stream's wait at once) a write service sends one UDP
datagram to each listener's wake-up address after each commit (every gunicorn worker and the demo alike); the
listener waits on its socket between batches. The addresses are ``NSCL_RELAY_WAKE_<SERVICE>`` and
``NSCL_PROJECTION_WAKE_<SERVICE>`` (``host:port``): the launcher gives each listener a free loopback port,
docker-compose the listening container's service name.

Either way a wake-up is a hint, never a duty: one that is lost, or a listener that is not there, only means the
commit is found at the next regular look at the store (``IDLE_LOOK_S`` later), so nothing depends on delivery.
"""
from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from abc import ABC, abstractmethod
from typing import Any

from pymongo.errors import PyMongoError

log = logging.getLogger("nscl.wakeup")
WAKE = b"w"
IDLE_LOOK_S = 0.5  # how often a listener that was woken by nothing looks at the store anyway
INSERTS = [{"$match": {"operationType": "insert"}}, {"$project": {"operationType": 1}}]  # the resume token stays


def rest_after(applied: int, batch_size: int, wake: Wake | None, stop: threading.Event,
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


class Wake(ABC):
    """The listening side (a relay, a projection): ``wait(timeout)`` returns True as soon as a wake-up arrived (or
    ``interrupt()`` was called), False after ``timeout``; every wake-up that arrived meanwhile is consumed."""

    @abstractmethod
    def wait(self, timeout: float) -> bool: ...

    @abstractmethod
    def interrupt(self) -> None:
        """Ends a ``wait`` at once (a signal handler stopping the relay)."""

    @abstractmethod
    def close(self) -> None: ...


class WakeListener(Wake):
    """Wakes on the datagrams of the service's Waker."""

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
        Waker(self.address).notify()

    def close(self) -> None:
        self._socket.close()


class ChangeStreamWake(Wake):
    """Wakes on every insert into ``commits`` (the store's collection), from the server's change stream, watched
    on a thread of its own. A server whose change stream answers at once instead of waiting is asked twice a
    second at most. When the stream fails (the server is down), it is opened again a second later and the next
    ``wait`` returns True: what was committed meanwhile is looked for."""

    AWAIT_MS = 500
    RETRY_S = 1.0

    def __init__(self, commits: Any, who: str) -> None:
        self.commits, self.who = commits, who
        self._changed, self._closed = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"wake-{who}", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        failing = False
        while not self._closed.is_set():
            try:
                with self.commits.watch(INSERTS, max_await_time_ms=self.AWAIT_MS) as stream:
                    if failing:
                        log.info("%s: watching the change stream of %s again", self.who, self.commits.full_name)
                    failing = False
                    self._changed.set()
                    while not self._closed.is_set():
                        asked = time.monotonic()
                        if stream.try_next() is not None:
                            self._changed.set()
                        elif (left := self.AWAIT_MS / 1000 - (time.monotonic() - asked)) > 0:
                            self._closed.wait(left)
            except PyMongoError as error:
                (log.debug if failing else log.warning)(
                    "%s: the change stream of %s failed (%s); watching it again every %.0f s, the store is looked "
                    "at every %.1f s meanwhile", self.who, self.commits.full_name, error, self.RETRY_S, IDLE_LOOK_S)
                failing = True
                self._closed.wait(self.RETRY_S)

    def wait(self, timeout: float) -> bool:
        woken = self._changed.wait(timeout)
        self._changed.clear()  # before the caller reads the store: a commit after this sets it again
        return woken

    def interrupt(self) -> None:
        self._changed.set()

    def close(self) -> None:
        self._closed.set()
        self._changed.set()
        self._thread.join(timeout=self.AWAIT_MS / 1000 + 5)


def awaits_changes(client: Any) -> bool:
    """Whether the server's change streams wait for changes: a replica set member or a sharded cluster's router.
    Not the embedded server, nor a standalone MongoDB (which has no change streams)."""
    hello = client.admin.command("hello")
    return "setName" in hello or hello.get("msg") == "isdbgrid"


def wake_for(commits: Any, configured: str | None, who: str) -> Wake | None:
    """How ``who`` learns of the commits in ``commits`` (a store's collection): its change stream where the server
    waits for changes, else datagrams on the ``configured`` address (see ``listen``)."""
    try:
        watch = awaits_changes(commits.database.client)
    except PyMongoError as error:
        log.warning("%s: cannot ask the database whether it has change streams (%s); using datagrams", who, error)
        watch = False
    if watch:
        log.info("%s: woken by the change stream of %s", who, commits.full_name)
        return ChangeStreamWake(commits, who)
    return listen(configured, who)


def listen(configured: str | None, who: str) -> Wake | None:
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
