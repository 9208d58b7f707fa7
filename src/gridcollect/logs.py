"""Logging set-up (called by the CLI only) and the redaction every log line passes."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@")
_SHORT_FORM_PASSWORD = re.compile(r"(?P<head>(?<![/\w])[\w.-]+:)[^@\s:/]+@(?=[\w.-]+:\d)")
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Make ``value`` appear as ``***`` in every log line from now on."""
    if value and len(value) >= 3:
        _secrets.add(value)


def redact(text: str) -> str:
    """Mask URL passwords, ``user:pass@host`` pairs and every registered secret."""
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    text = _SHORT_FORM_PASSWORD.sub(r"\g<head>***@", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Send logs to stderr as plain text or JSON lines, replacing earlier set-up."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Client libraries are chatty at DEBUG and may echo request details.
    for noisy in ("httpx", "httpcore", "botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
