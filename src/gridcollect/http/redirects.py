"""A GET with its redirects followed, the API's credentials kept with their server."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urljoin

import urllib3
from urllib3.util import parse_url

from .body import discard
from .failures import Refuse
from .routes import Origin, Routes, origin_of, site_of

# The package's name, as when it was one module: log lines and filters name it.
log = logging.getLogger(__package__)

_MAX_REDIRECTS = 20


def get_following_redirects(
    routes: Routes,
    origin: Origin,
    target: str,
    *,
    headers: Mapping[str, str],
    anonymous_headers: Mapping[str, str],
) -> urllib3.BaseHTTPResponse:
    """The response to ``GET target`` on ``origin``, redirects followed; its body is still
    to be read. ``headers`` go to ``origin`` only, ``anonymous_headers`` elsewhere."""
    start = origin
    for redirects in range(_MAX_REDIRECTS + 1):
        route = routes.to(origin)
        response = route.pool.urlopen(
            "GET", site_of(origin) + target if route.absolute_form else target,
            headers=headers, retries=False, redirect=False, assert_same_host=False,
            preload_content=False, decode_content=False,
        )
        location = response.get_redirect_location()
        if not location:
            return response
        discard(response)
        if redirects == _MAX_REDIRECTS:
            break
        try:
            url = parse_url(urljoin(site_of(origin) + target, location))
        except ValueError:
            raise Refuse("bad HTTP response (invalid redirect location)") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise Refuse("bad HTTP response (redirect to a URL that is not http(s))")
        hop = origin_of(url)
        # Another port or scheme is another server too (and https -> http a downgrade).
        if hop != start:
            log.warning("following a redirect to another host: %s://%s:%d", *hop)
        if hop != origin and not _is_https_upgrade(origin, hop):
            headers = anonymous_headers  # credentials stay with their server
        origin, target = hop, url.request_uri
    raise Refuse(f"bad HTTP response (more than {_MAX_REDIRECTS} redirects)")


def _is_https_upgrade(old: Origin, new: Origin) -> bool:
    """http://host -> https://host on the default ports, where httpx kept credentials."""
    return old[0] == "http" and old[2] == 80 and new == ("https", old[1], 443)
