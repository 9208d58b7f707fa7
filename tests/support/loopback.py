"""A raw TCP server on loopback for tests that speak HTTP by hand (a dripping server, a
CONNECT proxy): served from a thread inside a ``with`` block."""

from __future__ import annotations

import socket
import socketserver
import threading
from typing import Self


class LoopbackServer(socketserver.ThreadingTCPServer):
    """Binds a free port on 127.0.0.1; ``with`` serves it and then shuts it down."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> Self:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def read_head(sock: socket.socket) -> bytes:
    """What ``sock`` sends up to and including the blank line ending a request's head;
    empty when the client leaves before it."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(4096)
        if not chunk:
            return b""
        received += chunk
    return received
