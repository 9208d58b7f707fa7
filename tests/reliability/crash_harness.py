"""Run the real ``gridcollect`` command and SIGKILL it at one stage of the pipeline.

    python -m tests.reliability.crash_harness STAGE -- GRIDCOLLECT-ARGS...

Run from the repository root. The stage's method is wrapped so the process kills itself
with SIGKILL (no cleanup, no ``finally``, no flush), exactly as an OOM kill or a power
cut would stop it. Production code carries no test hook: only this module patches it.
"""

from __future__ import annotations

import functools
import os
import signal
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

from gridcollect import cli
from gridcollect.notifiers.jsonl import JsonLinesPublisher
from gridcollect.notifiers.kafka import KafkaPublisher
from gridcollect.notifiers.outbox import Outbox
from gridcollect.pipeline import Pipeline
from gridcollect.registries.redis import RedisRegistry
from gridcollect.registries.sqlite import SqliteRegistry
from gridcollect.stores.local import LocalStore
from gridcollect.stores.s3 import S3Store


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def die_after(owner: type, name: str) -> None:
    """Replace ``owner.name`` by a version that runs the original, then dies."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        die()

    setattr(owner, name, wrapper)


def _write_half_then_die() -> None:
    original = LocalStore._write_temp

    def half(self: LocalStore, path: Any, body: bytes) -> Any:
        # The temp file holds half the object, under this process's pid, when the kill lands.
        original(self, path, body[: len(body) // 2])
        die()

    LocalStore._write_temp = half  # type: ignore[method-assign]


def _upload_half_then_die() -> None:
    """S3: send the signed PUT with half its body on a raw socket, then die mid-upload."""
    make_client = S3Store._make_client

    def with_hook(self: S3Store, *args: Any, **kwargs: Any) -> Any:
        client = make_client(self, *args, **kwargs)
        client.meta.events.register("before-send.s3.PutObject", _send_half)
        return client

    S3Store._make_client = with_hook  # type: ignore[method-assign]


def _send_half(request: Any, **_kwargs: Any) -> None:
    url = urlsplit(request.url)
    body = request.body if isinstance(request.body, bytes) else request.body.read()
    headers = {_text(k): _text(v) for k, v in request.headers.items()}
    headers.pop("Expect", None)  # no 100-continue dance: the body starts at once
    headers.setdefault("Host", url.netloc)
    headers["Content-Length"] = str(len(body))
    target = url.path + (f"?{url.query}" if url.query else "")
    head = [f"PUT {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    sock = socket.create_connection((url.hostname, url.port or 80))
    sock.sendall("\r\n".join(head).encode() + b"\r\n\r\n" + body[: len(body) // 2])
    die()  # the kernel closes the socket: the server sees the upload end halfway


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


# Each stage: the methods after which the process dies (whichever backend is in use).
_DIE_AFTER: dict[str, list[tuple[type, str]]] = {
    "after-fetch": [(Pipeline, "_fetch")],
    "after-store": [(LocalStore, "put"), (S3Store, "put")],
    "after-enqueue": [(Outbox, "enqueue")],
    "after-register": [(SqliteRegistry, "register"), (RedisRegistry, "register")],
    "after-deliver": [(JsonLinesPublisher, "publish"), (KafkaPublisher, "publish")],
}
STAGES = ("after-fetch", "mid-store", "after-store", "after-enqueue", "after-register",
          "after-deliver")


def arm(stage: str) -> None:
    """Patch the methods of ``stage`` so that reaching it kills the process."""
    if stage == "mid-store":
        _write_half_then_die()
        _upload_half_then_die()
    for owner, name in _DIE_AFTER.get(stage, []):
        die_after(owner, name)


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] not in STAGES or argv[1] != "--":
        raise SystemExit(f"usage: crash_harness {{{','.join(STAGES)}}} -- GRIDCOLLECT-ARGS...")
    arm(argv[0])
    sys.argv = ["gridcollect", *argv[2:]]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
