"""How requests reach each server: one urllib3 pool per origin, through the proxy the
environment names for it, with a TLS context shared by the process."""

from __future__ import annotations

import base64
import functools
import os
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import urllib3
from urllib3.util import Url, parse_url

from ..secrets import mask_url
from .deadline import POOL_CLASSES
from .failures import Refuse

_KEPT_CONNECTIONS = 20  # kept alive per server, for a Fetcher shared by threads

Origin = tuple[str, str, int]  # scheme, host, port


@dataclass(frozen=True, slots=True)
class Route:
    """How requests reach one server: its pool, and whether the request line names the
    whole URL (a plain-HTTP proxy) or only the path (direct, or tunnelled through one)."""

    pool: urllib3.HTTPConnectionPool
    absolute_form: bool


class Routes:
    """The route to each server, made on first use and kept until :meth:`close`; safe to
    share between threads."""

    def __init__(self, *, timeout: urllib3.Timeout, insecure: bool) -> None:
        self._timeout = timeout
        self._insecure = insecure
        self._proxies = urllib.request.getproxies()  # read once, as httpx did
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        self._by_origin: dict[Origin, Route] = {}
        self._lock = threading.Lock()

    def to(self, origin: Origin) -> Route:
        """The route to ``origin``; refuses a proxy it cannot use."""
        route = self._by_origin.get(origin)
        if route is None:
            with self._lock:
                route = self._by_origin.get(origin)
                if route is None:
                    route = self._by_origin[origin] = self._new_route(origin)
        return route

    def __iter__(self) -> Iterator[Route]:
        with self._lock:
            return iter(list(self._by_origin.values()))

    def close(self) -> None:
        """Close every pool; routes made afterwards start afresh."""
        with self._lock:
            managers = list(self._managers.values())
            self._managers.clear()
            self._by_origin.clear()
        for manager in managers:
            manager.clear()

    def _new_route(self, origin: Origin) -> Route:
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
        return Route(pool, absolute_form=proxy is not None and scheme == "http")

    def _new_manager(self, proxy: str | None) -> urllib3.PoolManager:
        manager = self._new_plain_manager(proxy)
        # Pools whose connections a Deadline can watch.
        manager.pool_classes_by_scheme = POOL_CLASSES
        return manager

    def _new_plain_manager(self, proxy: str | None) -> urllib3.PoolManager:
        options: dict[str, Any] = {
            "maxsize": _KEPT_CONNECTIONS, "timeout": self._timeout, "retries": False,
        }
        if proxy is None:
            return urllib3.PoolManager(**options)
        parsed = parse_url(proxy)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise Refuse(f"unsupported proxy in the environment: {mask_url(proxy)}")
        if parsed.auth:
            options["proxy_headers"] = {"Proxy-Authorization": basic_auth(parsed.auth)}
        if parsed.scheme == "https":
            options["proxy_ssl_context"] = self._tls_context()
        return urllib3.ProxyManager(_without_path(parsed), **options)

    def _tls_context(self) -> ssl.SSLContext:
        return _no_verification() if self._insecure else _trust_store()


def origin_of(url: Url) -> Origin:
    """The scheme, host and port of ``url``, the port filled in from the scheme."""
    scheme = url.scheme or "http"
    return scheme, url.host or "", url.port or (443 if scheme == "https" else 80)


def site_of(origin: Origin) -> str:
    """``scheme://host[:port]``, the port left out where it is the scheme's default."""
    scheme, host, port = origin
    default = port == (443 if scheme == "https" else 80)
    return f"{scheme}://{host}" if default else f"{scheme}://{host}:{port}"


def basic_auth(userinfo: str) -> str:
    """The ``Basic`` credentials of a URL's ``user:password`` (percent-encoded)."""
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return f"Basic {token}"


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


def _without_path(url: Url) -> str:
    return Url(scheme=url.scheme, host=url.host, port=url.port).url
