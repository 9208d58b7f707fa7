"""The :class:`Fetcher`: one dataset request made into an outcome, with retries and
backoff."""

from __future__ import annotations

import logging
import random
import time
import warnings
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import HTTPError, InsecureRequestWarning
from urllib3.util import parse_url

from .. import __version__
from ..model import Dataset
from ..secrets import mask_url
from ..settings import HttpSettings
from .body import discard, read_capped, release
from .deadline import Deadline
from .failures import Refuse, Retry, Unreachable, failure_of, retry_after
from .outcomes import Fetched, FetchOutcome, NoData, Rejected, Unavailable
from .payload import decode_json
from .redirects import get_following_redirects
from .routes import Routes, basic_auth, origin_of

# The package's name, as when it was one module: log lines and filters name it.
log = logging.getLogger(__package__)

USER_AGENT = f"gridcollect/{__version__} (+https://pypi.org/project/gridcollect/)"
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# gzip and deflate always; br and zstd when their decoders are installed (as urllib3 decodes).
_ACCEPT_ENCODING = urllib3.make_headers(accept_encoding=True)["accept-encoding"]


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
        self._base_origin = origin_of(base)
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
            self._headers["Authorization"] = basic_auth(base.auth)
        timeout = urllib3.Timeout(connect=settings.timeout_seconds, read=settings.timeout_seconds)
        self._routes = Routes(timeout=timeout, insecure=settings.insecure)

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
            except Retry as retry:
                if attempt == attempts:
                    return Unavailable(shown, f"{retry.reason} (gave up after {attempts} attempts)")
                wait = self._backoff(attempt, retry.wait)
                log.warning(
                    "%s: %s; retry %d/%d in %.1fs",
                    dataset.name, retry.reason, attempt, attempts - 1, wait,
                )
                self._sleep(wait)
            except Refuse as refused:
                return Rejected(shown, str(refused))
            except Unreachable as unreachable:
                return Unavailable(shown, str(unreachable))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._routes.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _attempt(
        self, dataset: Dataset, params: Mapping[str, str], shown: str
    ) -> FetchOutcome:
        seconds = self.settings.timeout_seconds
        failure: Refuse | Retry | Unreachable | None = None
        with Deadline(seconds) as deadline:
            try:
                answer = self._exchange(dataset, params, shown)
            except HTTPError as exc:
                failure = failure_of(exc)
            except Refuse as refused:
                failure = refused
        # Checked first: a body cut short by the deadline may look complete (or broken).
        if deadline.expired:
            raise Retry(f"timed out (no complete answer within {seconds:g} s)")
        if failure is not None:
            raise failure
        if isinstance(answer, NoData):
            return answer
        body, content_type = answer
        size = len(body)
        return Fetched(payload=decode_json(body, content_type), url=shown, size=size)

    def _exchange(
        self, dataset: Dataset, params: Mapping[str, str], shown: str
    ) -> NoData | tuple[bytearray, str]:
        """One request, redirects followed: the body and its content type, unless the
        status says there is none to read."""
        target = f"{self._base_rest}/{dataset.endpoint.lstrip('/')}"
        query = {p.query_name: params[p.name] for p in dataset.parameters if p.name in params}
        if query:
            target += ("&" if "?" in target else "?") + urlencode(query)
        response = get_following_redirects(
            self._routes, self._base_origin, target,
            headers=self._headers, anonymous_headers=self._anonymous_headers,
        )
        try:
            status = response.status
            if status in dataset.no_data_statuses:
                discard(response)
                return NoData(shown, status)
            if status in _RETRYABLE_STATUSES:
                discard(response)
                raise Retry(f"HTTP {status}", retry_after(response.headers))
            if status in dataset.status_reasons:
                discard(response)
                raise Refuse(f"{dataset.status_reasons[status]} (HTTP {status})")
            if not 200 <= status < 300:
                discard(response)
                raise Refuse(f"HTTP {status} {response.reason or ''}".strip())
            body = read_capped(response, self.settings.max_response_bytes)
            return body, response.headers.get("content-type", "")
        finally:
            release(response)

    def _backoff(self, attempt: int, wait: float | None) -> float:
        ceiling = self.settings.backoff_max_seconds
        if wait is not None:
            return min(max(wait, 0.0), ceiling)
        exponential = self.settings.backoff_base_seconds * 2 ** (attempt - 1)
        # Full jitter keeps many workers from retrying in lock-step.
        return random.uniform(0, min(exponential, ceiling))

