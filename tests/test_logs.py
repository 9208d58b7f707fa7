"""Log lines mask registered secrets, in text and in JSON."""

from __future__ import annotations

import json
import logging

import pytest

from gridcollect import logs
from gridcollect.secrets import register_secret


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("secret", ['pa"ss-word-1', "pa\\ss-word-2", 'q"u\\o"te-3', "tab\tpw-4"])
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_secret_with_quotes_or_backslashes_is_masked(capfd, restore_logging, secret, fmt):
    """Masking runs before JSON escapes '"' and '\\', so such secrets are still found."""
    register_secret(secret)
    logs.configure("INFO", fmt)
    try:
        raise RuntimeError(f"refused password {secret}")
    except RuntimeError:
        logging.getLogger("gridcollect.test").exception("login with %s failed", secret)
    err = capfd.readouterr().err
    assert err.count("***") >= 2, err
    assert secret not in err
    assert json.dumps(secret)[1:-1] not in err
    if fmt == "json":
        entry = json.loads(err.splitlines()[0])
        assert entry["message"] == "login with *** failed"
        assert "refused password ***" in entry["exception"]
