"""Reading response bodies under the size cap, and giving their connections back."""

from __future__ import annotations

import contextlib
import tempfile

import urllib3
from urllib3.exceptions import HTTPError

from .failures import Refuse

_READ_BYTES = 1024 * 1024  # one read of the body (decoded bytes, when it is encoded)
# A body of unannounced length moves from memory to a temporary file past this size, so a
# body running over the cap never sits in memory whole.
_SPOOL_BYTES = 4 * 1024 * 1024
# An unused body (an error, a redirect) up to this size is read so the connection can be
# kept; a longer or unannounced one costs the connection instead.
_DRAIN_BYTES = 64 * 1024


def read_capped(response: urllib3.BaseHTTPResponse, cap: int) -> bytearray:
    """The body in one buffer. Of an announced length, it is read straight into a
    buffer of that size (a list of chunks joined at the end would need twice the
    memory); otherwise (chunked, or encoded: it grows when decoded) it is counted
    as it arrives and spooled to a temporary file past a few MiB, then read back."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise Refuse(f"response of {int(declared)} bytes exceeds the {cap}-byte cap")
    encoding = response.headers.get("content-encoding", "").strip().lower()
    encoded = encoding not in ("", "identity")
    if declared and declared.isdigit() and not encoded:
        return _read_exactly(response, int(declared))
    return _read_spooled(response, cap, decode=encoded)


def discard(response: urllib3.BaseHTTPResponse) -> None:
    """Done with an unused body: a small one is read so its connection can serve the next
    request."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) <= _DRAIN_BYTES:
        # On failure the connection is dropped below.
        with contextlib.suppress(HTTPError, OSError):
            response.read(decode_content=False)
    release(response)


def release(response: urllib3.BaseHTTPResponse) -> None:
    """Hand the connection back to its pool if the body was read to its end, else drop it
    (what is left of a body is not worth reading)."""
    if not response.closed:
        response.close()
    response.release_conn()


def _read_exactly(response: urllib3.BaseHTTPResponse, length: int) -> bytearray:
    body = bytearray(length)
    received = 0
    while received < length:
        # A body shorter than announced raises (urllib3 enforces Content-Length).
        chunk = response.read(min(length - received, _READ_BYTES), decode_content=False)
        if not chunk:  # pragma: no cover - see above
            break
        end = received + len(chunk)
        body[received:end] = chunk
        received = end
    del body[received:]
    return body


def _read_spooled(response: urllib3.BaseHTTPResponse, cap: int, *, decode: bool) -> bytearray:
    received = 0
    try:
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            # Each read returns at most _READ_BYTES decoded bytes, so a small body that
            # decodes to a huge one (a gzip bomb) is stopped at the cap too.
            while chunk := response.read(_READ_BYTES, decode_content=decode):
                received += len(chunk)
                if received > cap:
                    raise Refuse(f"response exceeds the {cap}-byte cap")
                spool.write(chunk)
            body = bytearray(received)
            spool.seek(0)
            spool.readinto(body)
    except OSError as exc:  # the temporary file's (urllib3 wraps the socket's)
        raise Refuse(f"cannot hold the response body ({exc})") from None
    return body
