"""Logging set-up, called by the CLI only; every line passes :func:`secrets.redact`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from .secrets import redact


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Masked before encoding: JSON escapes a secret's '"' or '\\', and the escaped
        # form would no longer match it.
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": redact(record.name),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


_configured: tuple[str, str] | None = None


def configured() -> tuple[str, str] | None:
    """The level and format :func:`configure` last set, or ``None`` if it never ran."""
    return _configured


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Send logs to stderr as plain text or JSON lines, replacing earlier set-up."""
    global _configured
    _configured = (level, fmt)
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
    for noisy in ("urllib3", "botocore", "boto3", "s3transfer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
