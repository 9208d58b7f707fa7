"""Passwords in URLs are masked whole, whatever characters they hold."""

from __future__ import annotations

import json

import pytest

from gridcollect.secrets import mask_url, redact, register_secret

from .e2e.cli import run_cli

LOAD = ["miso", "realtime-total-load", "--start-date", "2025-12-05", "--end-date", "2025-12-05"]
PASSWORD = "Ab/Cd+Ef9="


@pytest.mark.parametrize(
    ("option", "url"),
    [
        ("--redis-url", f"redis://user:{PASSWORD}@127.0.0.1:1/0"),
        ("--redis-url", "redis://user:12/Cd+Ef9=@127.0.0.1:1/0"),
        ("--redis-url", f"redis://:{PASSWORD}@127.0.0.1:1/zero"),
        ("--api-base-url", f"http://user:{PASSWORD}@127.0.0.1:1/api"),
        ("--api-base-url", f"ftp://user:{PASSWORD}@127.0.0.1:1/api"),
        ("--api-base-url", "http://user:Ab\\Cd+Ef9=@127.0.0.1:1/api"),
        ("--s3-endpoint-url", f"http://user:{PASSWORD}@127.0.0.1:99999"),
    ],
)
def test_a_password_with_a_slash_never_appears_in_a_usage_error(tmp_path, option, url):
    """A URL whose password holds '/' (or '\\') is a one-line usage error that masks it whole."""
    result = run_cli(*LOAD, "--output-dir", str(tmp_path), option, url)
    assert result.code == 2, result.stderr
    password = url.partition("user:")[2].rpartition("@")[0] or PASSWORD
    for piece in {password, *password.replace("\\", "/").split("/")} - {""}:
        if len(piece) > 2:
            assert piece not in result.stderr + result.stdout, (piece, result.stderr)
    assert "***" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_percent_encoded_password_is_accepted(tmp_path):
    """The advice of the usage error works: '%2F' passes the check (Redis is then unreachable)."""
    result = run_cli(*LOAD, "--output-dir", str(tmp_path),
                     "--redis-url", "redis://user:Ab%2FCd@127.0.0.1:1/0")
    assert result.code == 3, result.stderr
    assert "Ab%2FCd" not in result.stderr


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("cannot reach redis://user:Ab/Cd+Ef9=@10.0.0.1:6379/0 now", "Ab/Cd+Ef9="),
        ("endpoint 'http://u:p@ss/w:rd@host:9000/bucket' refused", "p@ss/w:rd"),
        ("kafka broker alice:se/cr@t@broker:9092 down", "se/cr@t"),
        ('{"url": "http://u:a\\"b/c@h:1"}', 'a\\"b/c'),
    ],
)
def test_redact_masks_a_password_up_to_the_last_at_sign(text, hidden):
    """Free text: everything between the user name and the last '@' is masked."""
    assert hidden not in redact(text)
    assert "***@" in redact(text)


def test_mask_url_keeps_the_user_and_the_host():
    """Only the password goes: the user and where it points stay readable."""
    assert mask_url(f"redis://user:{PASSWORD}@127.0.0.1:1/0") == "redis://user:***@127.0.0.1:1/0"


def test_a_registered_secret_is_found_in_text_already_encoded_as_json():
    """Summaries are redacted after json.dumps: the escaped form of a secret is masked too."""
    secret = 'summary"pass\\word'
    register_secret(secret)
    encoded = json.dumps({"errors": [f"store failed: login {secret} refused"]})
    assert json.loads(redact(encoded)) == {"errors": ["store failed: login *** refused"]}
