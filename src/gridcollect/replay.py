"""A local HTTP server that replays scripted answers, for tests, the demo and benchmarks.

Routes map a path (query strings ignored) to a script of :class:`Reply` values served
in order, the last one repeating, or to a producer called for every request. Every
request is recorded. Delays and stalls wait on the server's stop signal, so stopping
the server ends them at once and no thread outlives it for long.

``python -m gridcollect.replay`` is ``gridcollect demo --serve``: MISO-shaped samples on
loopback, for trying ``watch`` offline.
"""

from __future__ import annotations

import contextlib
import gzip as gzip_module
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

Framing = Literal["length", "chunked", "close"]

_CHUNK_BYTES = 16 * 1024
_JOIN_SECONDS = 2.0


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    ``body`` that is neither bytes nor str is sent as JSON. ``framing`` says how the
    body's end is marked: ``"length"`` (Content-Length), ``"chunked"``, or ``"close"``
    (no length; the connection closes after the body). ``stall_after_bytes`` sends that
    many body bytes, then waits up to ``stall_seconds`` (or until the server stops)
    and closes the connection. A ``Content-Length`` in ``headers`` is sent as given
    (to announce a size the body does not have) and the connection then closes.
    """

    status: int = 200
    body: bytes | str | Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    content_type: str = "application/json"
    stall_after_bytes: int | None = None
    stall_seconds: float = 60.0
    gzip: bool = False
    framing: Framing = "length"

    def encoded_body(self) -> bytes:
        """The body as it goes on the wire (before any gzip)."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received. Header names are lower-cased;
    ``received_at`` is ``time.monotonic()`` on arrival (to measure retry pacing)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    received_at: float = 0.0


class _Script:
    """Replies served in order; the last one repeats."""

    def __init__(self, replies: Sequence[Reply]) -> None:
        if not replies:
            raise ValueError("a script needs at least one reply")
        self._replies = tuple(replies)
        self._next = 0
        self._lock = threading.Lock()

    def __call__(self) -> Reply:
        with self._lock:
            reply = self._replies[min(self._next, len(self._replies) - 1)]
            self._next += 1
        return reply


class ReplayServer:
    """A threaded HTTP server on ``host:port`` (an ephemeral port by default).

    Use as a context manager, or call :meth:`start` and :meth:`stop`. Unknown paths
    get a 404 JSON answer.
    """

    def __init__(
        self,
        routes: Mapping[str, Reply | Sequence[Reply]] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._routes: dict[str, Callable[[], Reply]] = {}
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        for path, replies in (routes or {}).items():
            if isinstance(replies, Reply):
                self.set(path, replies)
            else:
                self.set(path, *replies)

    # -- routes ---------------------------------------------------------------------

    def set(self, path: str, *replies: Reply) -> None:
        """Serve ``replies`` at ``path`` in order, repeating the last; replaces any route."""
        script = _Script(replies)
        with self._lock:
            self._routes[_normalise(path)] = script

    def set_publisher(self, path: str, producer: Callable[[], Reply]) -> None:
        """Serve whatever ``producer()`` returns at the time of each request."""
        with self._lock:
            self._routes[_normalise(path)] = producer

    def remove(self, path: str) -> None:
        """Stop serving ``path`` (it answers 404 again)."""
        with self._lock:
            self._routes.pop(_normalise(path), None)

    # -- recorded requests ----------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """The requests received for ``path`` (query strings ignored)."""
        wanted = _normalise(path)
        return [r for r in self.requests if r.path == wanted]

    # -- life cycle -----------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("the replay server is not running")
        return f"http://{self._host}:{self._httpd.server_port}"

    def start(self) -> ReplayServer:
        """Bind and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("the replay server is already running")
        self._stopping.clear()
        self._httpd = _Server((self._host, self._port), _Handler, owner=self)
        # A short poll interval keeps stop() quick; the cost is a few idle wake-ups.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"replay-server:{self._httpd.server_port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """End delays and stalls, close every connection and join the threads."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        deadline = time.monotonic() + _JOIN_SECONDS
        for worker in [thread, *httpd.workers()]:
            if worker is not None and worker is not threading.current_thread():
                worker.join(max(0.0, deadline - time.monotonic()))
        self._httpd = self._thread = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler --------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _reply_for(self, path: str) -> Reply:
        with self._lock:
            route = self._routes.get(path)
        if route is None:
            return Reply(status=404, body={"error": "no route", "path": path})
        try:
            reply = route()  # outside the lock: a slow producer must not hold up others
        except Exception as exc:  # a broken producer must not kill the handler
            log.exception("producer for %s failed", path)
            return Reply(status=500, body={"error": f"producer failed: {exc!r}"})
        if not isinstance(reply, Reply):
            return Reply(status=500, body={"error": f"producer returned {type(reply).__name__}"})
        return reply

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``; return False if the server is stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)
        return not self._stopping.is_set()


def routes_from_directory(root: Path, *, prefix: str = "") -> dict[str, Reply]:
    """Serve every ``*.json`` under ``root`` at ``<prefix>/<relative path without .json>``,
    bytes exactly as on disk."""
    routes: dict[str, Reply] = {}
    for file in sorted(Path(root).rglob("*.json")):
        if file.is_file():
            relative = file.relative_to(root).with_suffix("").as_posix()
            routes[_normalise(f"{prefix}/{relative}")] = Reply(body=file.read_bytes())
    return routes


def _normalise(path: str) -> str:
    """One spelling per route: a leading slash, no trailing slash, no query."""
    return "/" + path.split("?", 1)[0].split("#", 1)[0].strip("/")


class _Server(ThreadingHTTPServer):
    """Tracks open connections and worker threads so stop() can end them."""

    # socketserver's default backlog of 5 drops bursts of connections (the client then
    # waits a second for a SYN retry), which would distort concurrency tests and benchmarks.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type, *, owner: ReplayServer):
        self.owner = owner
        self._open: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._track = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Like ThreadingMixIn's, but each worker is known before it runs, so stop() can
        # wake and join every one of them.
        worker = threading.Thread(
            target=self._work, args=(request, client_address),
            name=f"replay-handler:{self.server_port}", daemon=True,
        )
        with self._track:
            self._open.add(request)
            self._workers.add(worker)
        worker.start()

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._track:
                self._workers.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        with self._track:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut every open socket down, waking handlers blocked on a kept-alive connection."""
        with self._track:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)

    def workers(self) -> list[threading.Thread]:
        with self._track:
            return list(self._workers)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (and our own stop()) are expected; anything else is a bug.
        if isinstance(sys.exc_info()[1], OSError):
            return
        log.exception("replay server: error while handling %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked replies
    timeout = 60  # an idle kept-alive connection is dropped eventually
    # Headers and body go out in separate writes; with Nagle's algorithm the body then
    # waits for the client's delayed ACK (40 ms on Linux) on every kept-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("replay %s - %s", self.address_string(), format % args)

    def _serve(self) -> None:
        owner = self.server.owner
        received_at = time.monotonic()
        raw_path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path = _normalise(raw_path)
        owner._record(RecordedRequest(
            method=self.command,
            path=path,
            query=parse_qs(query.split("#", 1)[0], keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            received_at=received_at,
        ))
        reply = owner._reply_for(path)
        if not owner._pause(reply.delay_seconds):
            self.close_connection = True
            return
        self._send(reply, owner)

    def _send(self, reply: Reply, owner: ReplayServer) -> None:
        payload = reply.encoded_body()
        if reply.gzip:
            payload = gzip_module.compress(payload, mtime=0)
        given = {name.lower() for name in reply.headers}
        self.send_response(reply.status)
        if "content-type" not in given:
            self.send_header("Content-Type", reply.content_type)
        if reply.gzip and "content-encoding" not in given:
            self.send_header("Content-Encoding", "gzip")
        chunked = reply.framing == "chunked"
        if "content-length" in given or reply.framing == "close":
            self.close_connection = True
            self.send_header("Connection", "close")
        elif chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        cut = len(payload) if reply.stall_after_bytes is None else reply.stall_after_bytes
        self._write(payload[:cut], chunked=chunked)
        if reply.stall_after_bytes is not None:
            self.wfile.flush()
            owner._pause(reply.stall_seconds)
            self.close_connection = True  # the rest of the body never comes
            return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _write(self, data: bytes, *, chunked: bool) -> None:
        if not chunked:
            self.wfile.write(data)
            return
        for start in range(0, len(data), _CHUNK_BYTES):
            chunk = data[start:start + _CHUNK_BYTES]
            self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))


__all__ = ["Framing", "RecordedRequest", "Reply", "ReplayServer", "routes_from_directory"]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m gridcollect.replay [--port N]``: the same as ``gridcollect demo --serve``."""
    from .cli import cli

    cli.main(["demo", "--serve", *(sys.argv[1:] if argv is None else argv)],
             prog_name="gridcollect")


if __name__ == "__main__":
    main()
