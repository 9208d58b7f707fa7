"""A loopback HTTP server that answers a byte at a time: slow enough to hold a request for
hours, never slow enough to trip a read timeout. Bounded: it stops dripping when stopped,
and after ``limit_seconds`` whatever happens."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from typing import Literal

from .loopback import LoopbackServer, read_head

Phase = Literal["headers", "body", "chunked"]


class DripServer(LoopbackServer):
    """Answers every request with a JSON body, dripping one ``phase`` of the answer:
    the status line and headers, a body of announced length, or a chunked body."""

    def __init__(self, phase: Phase, *, interval: float = 0.1, size: int = 11_000,
                 limit_seconds: float = 30.0) -> None:
        super().__init__(_DripHandler)
        self.phase, self.interval, self.size = phase, interval, size
        self.limit_seconds = limit_seconds
        self.stopping = threading.Event()
        self.requests = 0

    def answer(self) -> tuple[bytes, bytes]:
        """What is sent at once, and what is dripped after it."""
        body = b'{"value": 1, "pad": "' + b"x" * self.size + b'"}'
        if self.phase == "chunked":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
                   b"Transfer-Encoding: chunked\r\n\r\n"
            return head, b"".join(b"1\r\n" + bytes([c]) + b"\r\n" for c in body) + b"0\r\n\r\n"
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        if self.phase == "headers":
            return b"", head + body
        return head, body

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        super().__exit__(*exc)


class _DripHandler(socketserver.BaseRequestHandler):
    server: DripServer

    def handle(self) -> None:
        server, sock = self.server, self.request
        server.requests += 1
        if not read_head(sock):
            return
        at_once, dripped = server.answer()
        give_up = time.monotonic() + server.limit_seconds
        try:
            sock.sendall(at_once)
            for index in range(len(dripped)):
                if server.stopping.wait(server.interval) or time.monotonic() > give_up:
                    return
                sock.sendall(dripped[index:index + 1])
        except OSError:
            return  # the client gave up: what the tests want
        finally:
            with contextlib.suppress(OSError):  # already gone
                sock.shutdown(socket.SHUT_RDWR)
