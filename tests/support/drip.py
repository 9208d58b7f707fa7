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

Phase = Literal["headers", "body", "chunked"]


class DripServer(socketserver.ThreadingTCPServer):
    """Answers every request with a JSON body, dripping one ``phase`` of the answer:
    the status line and headers, a body of announced length, or a chunked body."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, phase: Phase, *, interval: float = 0.1, size: int = 11_000,
                 limit_seconds: float = 30.0) -> None:
        super().__init__(("127.0.0.1", 0), _DripHandler)
        self.phase, self.interval, self.size = phase, interval, size
        self.limit_seconds = limit_seconds
        self.stopping = threading.Event()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

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

    def __enter__(self) -> DripServer:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _DripHandler(socketserver.BaseRequestHandler):
    server: DripServer

    def handle(self) -> None:
        server, sock = self.server, self.request
        server.requests += 1
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                return
            received += chunk
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
