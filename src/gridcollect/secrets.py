"""Keeping credentials out of messages: mask passwords in connection URLs.

Every backend builds its error messages and ``describe()`` strings through
:func:`mask_url`, so a ``redis://user:pass@host`` or ``kafka://user:pass@host``
given on the command line never reaches a log line.
"""

from __future__ import annotations

import json
import os
import re

MASK = "***"

# Query parameters whose values are secrets (redis-py, for one, accepts ?password=).
_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key)[\w.-]*)=)([^&;#]*)"
)


def split_userinfo(authority_and_rest: str) -> tuple[str | None, str]:
    """Split ``user:pass@host...`` (what follows ``scheme://``) at its user info.

    The user info ends at the *last* ``@``: a password with a raw ``@``, ``/``, ``?`` or
    ``#`` is then still taken whole as the password (and masked whole). An ``@`` in a
    query value must be written ``%40``.
    """
    userinfo, at, rest = authority_and_rest.rpartition("@")
    return (userinfo, rest) if at else (None, authority_and_rest)


def split_url(url: str) -> tuple[str, str | None, str]:
    """``url`` as ``(scheme://, user info, rest)``; the scheme part is empty for a URL
    without one (``user:pass@host:port``), the user info ``None`` for one without."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", *split_userinfo(url)
    return f"{scheme}{sep}", *split_userinfo(rest)


def mask_url(url: str) -> str:
    """``url`` with the password of its user info and any secret query value replaced.

    Works with or without a scheme (``user:pass@host:port``) and with several hosts
    (``kafka://u:p@h1:9092,h2:9092/topic``).
    """
    scheme, userinfo, rest = split_url(url)
    rest = _SECRET_PARAM.sub(lambda m: m.group(1) + MASK if m.group(2) else m.group(0), rest)
    if userinfo is not None:
        user, colon, _password = userinfo.partition(":")
        rest = f"{user}:{MASK}@{rest}" if colon else f"{userinfo}@{rest}"
    return f"{scheme}{rest}"


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with every occurrence of the given secret values replaced by ``***``.

    For messages that come from client libraries and might echo what they were given.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


# The password runs to the *last* ``@`` before white space (as in :func:`split_userinfo`):
# a password may hold ``/``, ``:``, ``?``, ``#`` or ``@``, and masking too much is harmless.
# Bounded, so that a long run of text without spaces costs linear time.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)\S{1,512}@")
_SHORT_FORM_PASSWORD = re.compile(
    r"(?P<head>(?<![/\w])[\w.-]+:)(?!//)\S{1,512}@(?=[\w.-]+:\d)"
)
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Make ``value`` appear as ``***`` in every log line from now on.

    Its JSON-escaped forms are registered too, for text redacted after it was encoded.
    """
    if value and len(value) >= 3:
        _secrets.add(value)
        for ascii_only in (False, True):
            _secrets.add(json.dumps(value, ensure_ascii=ascii_only)[1:-1])


def registered_secrets() -> frozenset[str]:
    """What :func:`redact` masks now (a spawned worker process registers them again)."""
    return frozenset(_secrets)


def register_environment_secrets() -> None:
    """Register the credentials that client libraries read from the environment."""
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SASL_PASSWORD"):
        register_secret(os.environ.get(name))


def password_of(url: str) -> str | None:
    """The password of ``url``'s user info (split at the last ``@``), if it has one."""
    _scheme, userinfo, _rest = split_url(url)
    if userinfo is None:
        return None
    _user, colon, password = userinfo.partition(":")
    return password if colon else None


def redact(text: str) -> str:
    """Mask URL passwords, ``user:pass@host`` pairs and every registered secret.

    Run it on text before it is encoded (JSON, SQL, a repr): a secret holding ``"`` or
    ``\\`` no longer appears verbatim once escaped.
    """
    text = _URL_PASSWORD.sub(rf"\g<head>{MASK}@", text)
    text = _SHORT_FORM_PASSWORD.sub(rf"\g<head>{MASK}@", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
