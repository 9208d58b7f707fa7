"""The one HTTP client: timeouts, retries, size cap, and typed outcomes.

Every way a request can end maps to one of four outcomes, so the pipeline never
sees an exception from the network:

- :class:`Fetched`: a JSON payload arrived;
- :class:`NoData`: the endpoint says there is nothing for these parameters;
- :class:`Rejected`: the answer is unusable (bad status, not JSON, too large);
- :class:`Unavailable`: the service did not answer usefully after every retry.

Built on urllib3, one connection pool per server for the life of the :class:`Fetcher`.
Redirects, proxies from the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
``NO_PROXY``) and the credentials of the API URL are handled here.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import functools
import json
import logging
import math
import os
import random
import ssl
import tempfile
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode, urljoin

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    InsecureRequestWarning,
    LocationValueError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import Url, parse_url

from . import __version__, largejson
from .model import Dataset
from .secrets import mask_url
from .settings import HttpSettings

log = logging.getLogger(__name__)

USER_AGENT = f"gridcollect/{__version__} (+https://pypi.org/project/gridcollect/)"
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_REDIRECTS = 20
# gzip and deflate always; br and zstd when their decoders are installed (as urllib3 decodes).
_ACCEPT_ENCODING = urllib3.make_headers(accept_encoding=True)["accept-encoding"]
_READ_BYTES = 1024 * 1024  # one read of the body (decoded bytes, when it is encoded)
# A body of unannounced length moves from memory to a temporary file past this size, so a
# body running over the cap never sits in memory whole.
_SPOOL_BYTES = 4 * 1024 * 1024
# An unused body (an error, a redirect) up to this size is read so the connection can be
# kept; a longer or unannounced one costs the connection instead.
_DRAIN_BYTES = 64 * 1024
_KEPT_CONNECTIONS = 20  # kept alive per server, for a Fetcher shared by threads

Origin = tuple[str, str, int]  # scheme, host, port


@dataclass(frozen=True, slots=True)
class Fetched:
    payload: Any
    url: str
    size: int


@dataclass(frozen=True, slots=True)
class NoData:
    url: str
    status: int


@dataclass(frozen=True, slots=True)
class Rejected:
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class Unavailable:
    url: str
    reason: str


FetchOutcome = Fetched | NoData | Rejected | Unavailable


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class _Refuse(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Route:
    """How requests reach one server: its pool, and whether the request line names the
    whole URL (a plain-HTTP proxy) or only the path (direct, or tunnelled through one)."""

    pool: urllib3.HTTPConnectionPool
    absolute_form: bool


class Fetcher:
    """Fetches dataset endpoints with one reused connection pool per server."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        if settings.insecure:
            log.warning("TLS certificate verification is OFF (--insecure): use only for testing")
            # urllib3 would add a warning per request; the line above says it once.
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        base = parse_url(settings.api_base_url)
        if base.scheme not in ("http", "https") or not base.host:
            raise ValueError(f"not an http(s) URL: {mask_url(settings.api_base_url)}")
        self._base_origin = _origin(base)
        # What url_for() appends the endpoint to, without the scheme, host and credentials.
        self._base_rest = ((base.path or "") + (f"?{base.query}" if base.query else "")).rstrip("/")
        self._headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": _ACCEPT_ENCODING,
        }
        # Credentials in the URL are sent as Basic auth, to the API's server only.
        self._anonymous_headers = dict(self._headers)
        if base.auth:
            user, _, password = base.auth.partition(":")
            token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._timeout = urllib3.Timeout(
            connect=settings.timeout_seconds, read=settings.timeout_seconds
        )
        self._proxies = urllib.request.getproxies()  # read once, as httpx did
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        self._routes: dict[Origin, _Route] = {}
        self._lock = threading.Lock()

    def url_for(self, dataset: Dataset) -> str:
        return f"{self.settings.api_base_url.rstrip('/')}/{dataset.endpoint.lstrip('/')}"

    def fetch(self, dataset: Dataset, params: Mapping[str, str]) -> FetchOutcome:
        """Fetch one snapshot of ``dataset``, retrying transient failures."""
        url = self.url_for(dataset)
        # Outcomes name the URL without its password: it ends up in stored envelopes,
        # notifications and the summary.
        shown = mask_url(url)
        attempts = self.settings.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(dataset, params, shown)
            except _Retry as retry:
                if attempt == attempts:
                    return Unavailable(shown, f"{retry.reason} (gave up after {attempts} attempts)")
                wait = self._backoff(attempt, retry.wait)
                log.warning(
                    "%s: %s; retry %d/%d in %.1fs",
                    dataset.name, retry.reason, attempt, attempts - 1, wait,
                )
                self._sleep(wait)
            except _Refuse as refused:
                return Rejected(shown, str(refused))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            managers = list(self._managers.values())
            self._managers.clear()
            self._routes.clear()
        for manager in managers:
            manager.clear()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _attempt(
        self, dataset: Dataset, params: Mapping[str, str], shown: str
    ) -> FetchOutcome:
        target = f"{self._base_rest}/{dataset.endpoint.lstrip('/')}"
        query = {p.query_name: params[p.name] for p in dataset.parameters if p.name in params}
        if query:
            target += ("&" if "?" in target else "?") + urlencode(query)
        try:
            response = self._get(target)
            try:
                status = response.status
                if status in dataset.no_data_statuses:
                    _discard(response)
                    return NoData(shown, status)
                if status in _RETRYABLE_STATUSES:
                    _discard(response)
                    raise _Retry(f"HTTP {status}", _retry_after(response.headers))
                if status in dataset.status_reasons:
                    _discard(response)
                    raise _Refuse(f"{dataset.status_reasons[status]} (HTTP {status})")
                if not 200 <= status < 300:
                    _discard(response)
                    raise _Refuse(f"HTTP {status} {response.reason or ''}".strip())
                body = self._read_capped(response)
                content_type = response.headers.get("content-type", "")
            finally:
                _release(response)
        except HTTPError as exc:
            raise _failure(exc) from None
        size = len(body)
        return Fetched(payload=_decode_json(body, content_type), url=shown, size=size)

    def _get(self, target: str) -> urllib3.BaseHTTPResponse:
        """The response to ``GET target`` on the API's server, redirects followed; its
        body is still to be read."""
        origin, headers = self._base_origin, self._headers
        for redirects in range(_MAX_REDIRECTS + 1):
            route = self._route(origin)
            response = route.pool.urlopen(
                "GET", _site(origin) + target if route.absolute_form else target,
                headers=headers, retries=False, redirect=False, assert_same_host=False,
                preload_content=False, decode_content=False,
            )
            location = response.get_redirect_location()
            if not location:
                return response
            _discard(response)
            if redirects == _MAX_REDIRECTS:
                break
            try:
                url = parse_url(urljoin(_site(origin) + target, location))
            except ValueError:
                raise _Refuse("bad HTTP response (invalid redirect location)") from None
            if url.scheme not in ("http", "https") or not url.host:
                raise _Refuse("bad HTTP response (redirect to a URL that is not http(s))")
            hop = _origin(url)
            # Another port or scheme is another server too (and https -> http a downgrade).
            if hop != self._base_origin:
                log.warning("following a redirect to another host: %s://%s:%d", *hop)
            if hop != origin and not _is_https_upgrade(origin, hop):
                headers = self._anonymous_headers  # credentials stay with their server
            origin, target = hop, url.request_uri
        raise _Refuse(f"bad HTTP response (more than {_MAX_REDIRECTS} redirects)")

    def _route(self, origin: Origin) -> _Route:
        route = self._routes.get(origin)
        if route is None:
            with self._lock:
                route = self._routes.get(origin)
                if route is None:
                    route = self._routes[origin] = self._new_route(origin)
        return route

    def _new_route(self, origin: Origin) -> _Route:
        scheme, host, port = origin
        proxy = self._proxies.get(scheme) or self._proxies.get("all")
        if proxy and urllib.request.proxy_bypass(host.strip("[]")):
            proxy = None
        if proxy and "://" not in proxy:
            proxy = f"http://{proxy}"
        manager = self._managers.get(proxy)
        if manager is None:
            manager = self._managers[proxy] = self._new_manager(proxy)
        tls = {"ssl_context": self._tls_context()} if scheme == "https" else None
        pool = manager.connection_from_host(host, port, scheme, pool_kwargs=tls)
        assert isinstance(pool, urllib3.HTTPConnectionPool)
        return _Route(pool, absolute_form=proxy is not None and scheme == "http")

    def _new_manager(self, proxy: str | None) -> urllib3.PoolManager:
        options: dict[str, Any] = {
            "maxsize": _KEPT_CONNECTIONS, "timeout": self._timeout, "retries": False,
        }
        if proxy is None:
            return urllib3.PoolManager(**options)
        parsed = parse_url(proxy)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise _Refuse(f"unsupported proxy in the environment: {mask_url(proxy)}")
        if parsed.auth:
            user, _, password = parsed.auth.partition(":")
            token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
            options["proxy_headers"] = {"Proxy-Authorization": f"Basic {token}"}
        if parsed.scheme == "https":
            options["proxy_ssl_context"] = self._tls_context()
        return urllib3.ProxyManager(_without_path(parsed), **options)

    def _tls_context(self) -> ssl.SSLContext:
        return _no_verification() if self.settings.insecure else _trust_store()

    def _read_capped(self, response: urllib3.BaseHTTPResponse) -> bytearray:
        """The body in one buffer. Of an announced length, it is read straight into a
        buffer of that size (a list of chunks joined at the end would need twice the
        memory); otherwise (chunked, or encoded: it grows when decoded) it is counted
        as it arrives and spooled to a temporary file past a few MiB, then read back."""
        cap = self.settings.max_response_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise _Refuse(f"response of {int(declared)} bytes exceeds the {cap}-byte cap")
        encoding = response.headers.get("content-encoding", "").strip().lower()
        encoded = encoding not in ("", "identity")
        if declared and declared.isdigit() and not encoded:
            return _read_exactly(response, int(declared))
        return _read_spooled(response, cap, decode=encoded)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        ceiling = self.settings.backoff_max_seconds
        if retry_after is not None:
            return min(max(retry_after, 0.0), ceiling)
        exponential = self.settings.backoff_base_seconds * 2 ** (attempt - 1)
        # Full jitter keeps many workers from retrying in lock-step.
        return random.uniform(0, min(exponential, ceiling))


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
                    raise _Refuse(f"response exceeds the {cap}-byte cap")
                spool.write(chunk)
            body = bytearray(received)
            spool.seek(0)
            spool.readinto(body)
    except OSError as exc:  # the temporary file's (urllib3 wraps the socket's)
        raise _Refuse(f"cannot hold the response body ({exc})") from None
    return body


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Done with an unused body: a small one is read so its connection can serve the next
    request."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) <= _DRAIN_BYTES:
        # On failure the connection is dropped below.
        with contextlib.suppress(HTTPError, OSError):
            response.read(decode_content=False)
    _release(response)


def _release(response: urllib3.BaseHTTPResponse) -> None:
    """Hand the connection back to its pool if the body was read to its end, else drop it
    (what is left of a body is not worth reading)."""
    if not response.closed:
        response.close()
    response.release_conn()


def _failure(exc: HTTPError) -> _Retry | _Refuse:
    """What a urllib3 error means for the fetch."""
    unverified = _cause(exc, ssl.SSLCertVerificationError)
    if unverified is not None:
        # A certificate that does not verify now will not verify on a retry.
        return _Refuse(f"TLS certificate verification failed ({unverified})")
    if isinstance(exc, NewConnectionError | ProtocolError | ProxyError | SSLError):
        return _Retry(f"connection failed ({_root_text(exc)})")
    if isinstance(exc, ConnectTimeoutError):
        return _Retry("timed out (ConnectTimeout)")
    if isinstance(exc, ReadTimeoutError):
        return _Retry("timed out (ReadTimeout)")
    if isinstance(exc, Urllib3Timeout):
        return _Retry(f"timed out ({type(exc).__name__})")
    if isinstance(exc, DecodeError):  # e.g. "Content-Encoding: gzip" on a body that is not
        detail = str(_innermost(exc))
        return _Refuse(f"bad HTTP response (DecodeError: {str(exc.args[0]).rstrip('.')}"
                       + (f" ({detail}))" if detail else ")"))
    if isinstance(exc, LocationValueError):
        return _Refuse("bad HTTP response (invalid URL)")
    return _Refuse(f"bad HTTP response ({type(exc).__name__}: {exc})")


@functools.cache
def _trust_store() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle takes about 20 ms,
    which every worker of a burst or a watch would otherwise pay again. The CA bundle is
    certifi's unless SSL_CERT_FILE or SSL_CERT_DIR names another (as with httpx)."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


@functools.cache
def _no_verification() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _origin(url: Url) -> Origin:
    scheme = url.scheme or "http"
    return scheme, url.host or "", url.port or (443 if scheme == "https" else 80)


def _site(origin: Origin) -> str:
    scheme, host, port = origin
    default = port == (443 if scheme == "https" else 80)
    return f"{scheme}://{host}" if default else f"{scheme}://{host}:{port}"


def _without_path(url: Url) -> str:
    return Url(scheme=url.scheme, host=url.host, port=url.port).url


def _is_https_upgrade(old: Origin, new: Origin) -> bool:
    """http://host -> https://host on the default ports, where httpx kept credentials."""
    return old[0] == "http" and old[2] == 80 and new == ("https", old[1], 443)


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


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    parsed = email.utils.parsedate_to_datetime(value) if "," in value else None
    if parsed is None:
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _reject_constant(name: str) -> Any:
    raise _Refuse(f"invalid JSON: non-finite number {name}")


def _finite_float(text: str) -> float:
    # 1e999 is Infinity in disguise: it would pass validation where no rule looks and then
    # fail the canonical JSON of the digest, so it is refused like the literal.
    value = float(text)
    if not math.isfinite(value):
        raise _Refuse(f"invalid JSON: non-finite number {text[:40]}")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _decode_json(body: bytearray, content_type: str) -> Any:
    """The JSON value of ``body``; a very large body is emptied once decoded to text, and
    its large arrays are parsed on demand (:mod:`gridcollect.largejson`)."""
    if "html" in content_type.lower():
        raise _Refuse(f"expected JSON, got {content_type.split(';')[0]} ({_preview(body)})")
    if not body or body.isspace():
        raise _Refuse("empty response body")
    preview = _preview(body)  # taken now: a large body is emptied below
    try:
        if len(body) <= largejson.LARGE_BODY_BYTES:
            return json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
        text = body.decode(json.detect_encoding(body), "surrogatepass")
        body.clear()  # the text holds it all now: release the raw bytes early
        return largejson.loads(text, _DECODER)
    except RecursionError:
        raise _Refuse("invalid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Refuse(f"invalid JSON: {exc} ({preview})") from None


def _preview(body: bytes | bytearray, limit: int = 60) -> str:
    text = body[:limit].decode("utf-8", "replace").replace("\n", " ")
    return repr(text + ("..." if len(body) > limit else ""))
