"""One time limit for a whole attempt: connecting, the headers and the body.

urllib3's timeouts bound each socket operation, so a server that sends a byte a second
never trips them and can hold a request for hours. Within ``with Deadline(seconds):``
every connection the thread uses is watched; when time is up its socket is shut, which
ends the read in progress at once. The attempt then checks :attr:`Deadline.expired`:
a body that ended because its socket was shut must not pass for a whole one.

Connections come from the pool classes :data:`POOL_CLASSES`, which the routes give
every pool manager.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Deadline:
    """The instant by which the attempt run inside this context must be over."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self.done = False
        self._connections: list[HTTPConnection] = []

    def __enter__(self) -> Deadline:
        _current.deadline = self
        _watchdog.watch(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _current.deadline = None
        with _owners:
            self.done = True
            for connection in self._connections:
                if getattr(connection, "_gridcollect_deadline", None) is self:
                    connection._gridcollect_deadline = None  # type: ignore[attr-defined]
            self._connections.clear()

    def enlist(self, connection: HTTPConnection, sock: socket.socket | None = None) -> None:
        """Watch ``connection`` (its socket is shut at the deadline) until the attempt ends
        or another attempt takes the connection from the pool. ``sock``: its socket, when
        just made and not yet its ``sock``."""
        with _owners:
            connection._gridcollect_deadline = self  # type: ignore[attr-defined]
            self._connections.append(connection)
            if self.expired:
                _shut(sock or connection.sock)

    def expire(self) -> None:
        """Time is up: shut every socket this attempt still holds."""
        with _owners:
            if self.done:
                return
            self.expired = True
            for connection in self._connections:
                if getattr(connection, "_gridcollect_deadline", None) is self:
                    _shut(connection.sock)


def _shut(sock: socket.socket | None) -> None:
    if sock is not None:
        # The plain socket's shutdown, even under TLS: SSLSocket.shutdown would unwrap the
        # TLS layer under the feet of the thread reading it.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _enlist_current(connection: HTTPConnection, sock: socket.socket | None = None) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.enlist(connection, sock)


class _Watchdog:
    """One thread for the process that expires deadlines in time order."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._due, (deadline.at, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-deadlines",
                                                daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:  # sooner than what the thread waits for
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    while self._due and self._due[0][2].done:
                        heapq.heappop(self._due)
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    if wait is not None and wait <= 0:
                        _, _, due = heapq.heappop(self._due)
                        break
                    self._wake.wait(wait)
            due.expire()


_owners = threading.Lock()  # who holds each connection, and expiring, are one step
_watchdog = _Watchdog()


def _after_fork() -> None:
    # The child has no watchdog thread, and a lock held at the fork stays held.
    global _owners, _watchdog
    _owners = threading.Lock()
    _watchdog = _Watchdog()


os.register_at_fork(after_in_child=_after_fork)


class _Watched(HTTPConnection):
    """Enlists its socket, and each request on it, with the attempt that uses it."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _enlist_current(self, sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _enlist_current(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _Watched


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": _WatchedHTTPPool,
    "https": _WatchedHTTPSPool,
}
