"""The one HTTP client: timeouts, retries, size cap, and typed outcomes.

Every way a request can end maps to one of four outcomes, so the pipeline never
sees an exception from the network:

- :class:`Fetched`: a JSON payload arrived;
- :class:`NoData`: the endpoint says there is nothing for these parameters;
- :class:`Rejected`: the answer is unusable (bad status, not JSON, too large);
- :class:`Unavailable`: the service did not answer usefully after every retry.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import math
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from . import __version__, largejson
from .model import Dataset
from .secrets import mask_url
from .settings import HttpSettings

log = logging.getLogger(__name__)

USER_AGENT = f"gridcollect/{__version__} (+https://pypi.org/project/gridcollect/)"
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


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


class Fetcher:
    """Fetches dataset endpoints with one reused connection pool."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        if settings.insecure:
            log.warning("TLS certificate verification is OFF (--insecure): use only for testing")
        self._base_origin = _origin(httpx.URL(settings.api_base_url))
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout_seconds),
            verify=False if settings.insecure else _trust_store(),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
            event_hooks={"request": [self._announce_foreign_redirect]},
            transport=transport,
        )

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
                return self._attempt(dataset, url, params, shown)
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
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _attempt(
        self, dataset: Dataset, url: str, params: Mapping[str, str], shown: str
    ) -> FetchOutcome:
        query = {p.query_name: params[p.name] for p in dataset.parameters if p.name in params}
        try:
            with self._client.stream("GET", url, params=query) as response:
                status = response.status_code
                if status in dataset.no_data_statuses:
                    return NoData(shown, status)
                if status in _RETRYABLE_STATUSES:
                    raise _Retry(f"HTTP {status}", _retry_after(response.headers))
                if status in dataset.status_reasons:
                    raise _Refuse(f"{dataset.status_reasons[status]} (HTTP {status})")
                if not 200 <= status < 300:
                    raise _Refuse(f"HTTP {status} {response.reason_phrase}".strip())
                body = self._read_capped(response)
                content_type = response.headers.get("content-type", "")
        except httpx.TimeoutException as exc:
            raise _Retry(f"timed out ({type(exc).__name__})") from None
        except httpx.ConnectError as exc:
            if _caused_by(exc, ssl.SSLCertVerificationError):
                # A certificate that does not verify now will not verify on a retry.
                raise _Refuse(f"TLS certificate verification failed ({exc})") from None
            raise _Retry(f"connection failed ({type(exc).__name__}: {exc})") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed ({type(exc).__name__}: {exc})") from None
        except httpx.HTTPError as exc:  # e.g. undecodable Content-Encoding, too many redirects
            raise _Refuse(f"bad HTTP response ({type(exc).__name__}: {exc})") from None
        size = len(body)
        return Fetched(payload=_decode_json(body, content_type), url=shown, size=size)

    def _read_capped(self, response: httpx.Response) -> bytearray:
        """The body in one buffer, sized up front when the length is announced (a list
        of chunks joined at the end would need twice the memory)."""
        cap = self.settings.max_response_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise _Refuse(f"response of {int(declared)} bytes exceeds the {cap}-byte cap")
        expected = int(declared) if declared and declared.isdigit() else 0
        # A Content-Encoding body grows when decoded; then the buffer grows as it must.
        body = bytearray(expected if "content-encoding" not in response.headers else 0)
        received = 0
        for chunk in response.iter_bytes():
            end = received + len(chunk)
            if end > cap:
                raise _Refuse(f"response exceeds the {cap}-byte cap")
            body[received:end] = chunk
            received = end
        del body[received:]  # a body shorter than announced
        return body

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        ceiling = self.settings.backoff_max_seconds
        if retry_after is not None:
            return min(max(retry_after, 0.0), ceiling)
        exponential = self.settings.backoff_base_seconds * 2 ** (attempt - 1)
        # Full jitter keeps many workers from retrying in lock-step.
        return random.uniform(0, min(exponential, ceiling))

    def _announce_foreign_redirect(self, request: httpx.Request) -> None:
        # Another port or scheme is another server too (and https -> http a downgrade).
        origin = _origin(request.url)
        if origin != self._base_origin:
            scheme, host, port = origin
            log.warning("following a redirect to another host: %s://%s:%d", scheme, host, port)


@functools.cache
def _trust_store() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle takes about 20 ms,
    which every worker of a burst or a watch would otherwise pay again."""
    return httpx.create_ssl_context()


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    default_port = 443 if url.scheme == "https" else 80
    return url.scheme, url.host, url.port or default_port


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _retry_after(headers: httpx.Headers) -> float | None:
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
