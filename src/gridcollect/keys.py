"""Object keys from a dataset's template, checked before anything is fetched.

A template may use two fields: ``{t:<strftime>}`` (the key's instant, UTC) and
``{suffix}`` (``_<value>`` per dataset parameter, lower case). Anything else, and any
key that could leave the prefix, is refused.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import datetime

from .errors import ConfigurationError

_ALLOWED_FIELDS = frozenset({"t", "suffix"})
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._=-]+$")
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_-]+$")


def check_template(template: str) -> None:
    """Refuse unknown placeholders, absolute paths and parent references."""
    for _literal, name, _spec, _conversion in string.Formatter().parse(template):
        if name is not None and name not in _ALLOWED_FIELDS:
            raise ConfigurationError(
                f"key template {template!r} uses unknown placeholder {{{name}}}; "
                f"allowed: {sorted(_ALLOWED_FIELDS)}"
            )
    if not template.endswith(".json.gz"):
        raise ConfigurationError(f"key template {template!r} must end with .json.gz")
    sample = render(template, datetime(2000, 1, 2, 3, 4, 5), {})
    _check_relative(sample, what="key template")


def check_prefix(prefix: str) -> str:
    """Return the prefix without surrounding slashes, refusing ones that escape the root."""
    cleaned = prefix.strip("/")
    if cleaned:
        _check_relative(cleaned, what="prefix")
    return cleaned


def render(template: str, at: datetime, params: Mapping[str, str]) -> str:
    """Fill a template for one instant and parameter set."""
    for value in params.values():
        if not _SAFE_VALUE.match(value):
            raise ConfigurationError(f"parameter value {value!r} cannot be used in a key")
    suffix = "".join(f"_{value.lower()}" for value in params.values())
    return template.format(t=at, suffix=suffix)


def join(prefix: str, key: str) -> str:
    """The full object key under a (checked) prefix."""
    return f"{prefix}/{key}" if prefix else key


def _check_relative(path: str, *, what: str) -> None:
    segments = path.split("/")
    if path.startswith("/") or any(seg in ("", ".", "..") for seg in segments):
        raise ConfigurationError(f"{what} {path!r} must be a relative path without '..'")
    for seg in segments:
        if not _SAFE_SEGMENT.match(seg):
            raise ConfigurationError(f"{what} {path!r} has an unsafe segment {seg!r}")
