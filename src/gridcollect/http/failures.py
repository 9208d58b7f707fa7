"""What a failed attempt means for the fetch: try again (:class:`Retry`) or give up
(:class:`Refuse`), from a status, a urllib3 error or a ``Retry-After`` header."""

from __future__ import annotations

import email.utils
import socket
import ssl
import time
from collections.abc import Mapping
from datetime import UTC

from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationValueError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import parse_url

from ..settings import DEFAULT_API_BASE_URL

_MISO_HOST = parse_url(DEFAULT_API_BASE_URL).host


class Retry(Exception):
    """A transient failure: the attempt is worth repeating, after ``wait`` seconds if the
    server said how long."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class Refuse(Exception):
    """A final failure: the answer is unusable, and trying again would not change it."""


class Unreachable(Exception):
    """The server cannot be reached from this machine at all (its name does not resolve):
    no answer, and retrying within seconds would not change that."""


def failure_of(exc: HTTPError) -> Retry | Refuse | Unreachable:
    """What a urllib3 error means for the fetch."""
    unresolved = _cause(exc, NameResolutionError)
    if unresolved is not None or _cause(exc, socket.gaierror) is not None:
        return _unresolved(unresolved, via_proxy=isinstance(exc, ProxyError))
    unverified = _cause(exc, ssl.SSLCertVerificationError)
    if unverified is not None:
        # A certificate that does not verify now will not verify on a retry.
        return Refuse(f"TLS certificate verification failed ({unverified})")
    if isinstance(exc, NewConnectionError | ProtocolError | ProxyError | SSLError):
        return Retry(f"connection failed ({_root_text(exc)})")
    if isinstance(exc, ConnectTimeoutError):
        return Retry("timed out (ConnectTimeout)")
    if isinstance(exc, ReadTimeoutError):
        return Retry("timed out (ReadTimeout)")
    if isinstance(exc, Urllib3Timeout):
        return Retry(f"timed out ({type(exc).__name__})")
    if isinstance(exc, DecodeError):  # e.g. "Content-Encoding: gzip" on a body that is not
        detail = str(_innermost(exc))
        return Refuse(f"bad HTTP response (DecodeError: {str(exc.args[0]).rstrip('.')}"
                      + (f" ({detail}))" if detail else ")"))
    if isinstance(exc, LocationValueError):
        return Refuse("bad HTTP response (invalid URL)")
    return Refuse(f"bad HTTP response ({type(exc).__name__}: {exc})")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (delay seconds or an HTTP date), if given.

    A value that is neither (a malformed date, digits outside ASCII such as ``²``) counts
    as absent: the backoff applies, and a server's typo never ends a run. An HTTP date is
    always GMT, so one without a usable zone (``-0000``) is read as UTC, never local time.
    """
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return max(0.0, parsed.timestamp() - time.time())


def _unresolved(exc: BaseException | None, *, via_proxy: bool) -> Unreachable:
    """A name that does not resolve: offline, or DNS blocked. Said plainly, with the ways
    to go on, since this is what a first run on a machine without network meets."""
    conn = getattr(exc, "conn", None)
    host = getattr(conn, "host", None) or "the API's host"
    what = "the proxy" if via_proxy else "MISO's API" if host == _MISO_HOST else "the API server"
    return Unreachable(
        f"cannot resolve {host}: {what} is unreachable from this machine (no network, or no "
        "DNS); `gridcollect demo` runs offline, and --api-base-url sets another server"
    )


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of ``kind`` in the chain of ``exc`` (urllib3 wraps what it
    catches, as an argument or as the cause)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        pending += [a for a in current.args if isinstance(a, BaseException)]
        pending += [c for c in (current.__cause__, current.__context__) if c is not None]
    return None


def _innermost(exc: BaseException) -> BaseException:
    root, seen = exc, {id(exc)}
    while (inner := root.__cause__ or root.__context__) is not None and id(inner) not in seen:
        root = inner
        seen.add(id(inner))
    return root


def _root_text(exc: BaseException) -> str:
    """``Name: message`` of the innermost cause: the socket's or the parser's words,
    without urllib3's pool description."""
    root = _innermost(exc)
    name, text = type(root).__name__, str(root)
    if not text:
        return name
    return text if text.startswith(name) else f"{name}: {text}"
