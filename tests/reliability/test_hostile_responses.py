"""Hostile or broken answers from the source, through the real command.

tests/test_http.py proves each refusal at the HTTP client; here the whole process meets
them: one failed slot with the reason in the summary, no traceback, and no trace in any
backend. Answers that are odd but sound are stored exactly as sent.
"""

from __future__ import annotations

import gzip
import json

import pytest

from gridcollect.datasets.miso.realtime_total_load import DATASET as TOTAL_LOAD
from gridcollect.digest import sha256_of
from gridcollect.replay import ReplayServer, Reply

from ..e2e.cli import run_cli
from .runs import BODY, KEY, LOAD
from .state import assert_consistent, local_state

PATH = "/RealTimeTotalLoad"
WIRE = json.loads(BODY)


def wire_with(change) -> bytes:
    payload = json.loads(BODY)
    change(payload["LoadInfo"])
    return json.dumps(payload).encode()


def refused(name, reply, reason, *extra):
    return pytest.param(reply, reason, list(extra), id=name, marks=pytest.mark.scenario(
        f"MISO answers {name}", outcome=f"exit 1, the summary's error says '{reason}'; "
                                        "nothing stored, claimed or queued"))


REFUSED = [
    refused("an HTML error page with status 200",
            Reply(body=b"<html><body>Down for maintenance</body></html>",
                  content_type="text/html; charset=utf-8"), "expected JSON, got text/html"),
    refused("truncated JSON", Reply(body=BODY[: len(BODY) // 2]), "invalid JSON"),
    refused("an empty body", Reply(body=b""), "empty response body"),
    refused("XML under an XML content type",
            Reply(body=b"<?xml version='1.0'?><Error>busy</Error>",
                  content_type="application/xml"), "invalid JSON"),
    refused("binary garbage", Reply(body=bytes(range(256))), "invalid JSON"),
    refused("NaN as a number", Reply(body=BODY.replace(b'"75757"', b"NaN")), "non-finite number"),
    refused("an extra field holding 1e999 (Infinity in disguise)",
            Reply(body=wire_with(lambda p: p.update(Extra=1.0)).replace(b"1.0", b"1e999")),
            "non-finite number 1e999"),
    refused("JSON nested 100,000 deep", Reply(body=b"[" * 100_000 + b"]" * 100_000),
            "nested too deeply"),
    refused("a body over --max-response-bytes without a Content-Length",
            Reply(body=BODY, framing="chunked"), "exceeds the 4096-byte cap",
            "--max-response-bytes", "4096"),
    refused("a gzip bomb (small on the wire, over the cap once decoded)",
            Reply(body=b"[" + b"0," * 2_000_000 + b"0]", gzip=True),
            "exceeds the 1048576-byte cap", "--max-response-bytes", "1048576"),
    refused("a body claiming gzip that is not gzip",
            Reply(body=BODY, headers={"Content-Encoding": "gzip"}), "bad HTTP response"),
    refused("a body shorter than its Content-Length",
            Reply(body=BODY[:200], headers={"Content-Length": str(len(BODY))}),
            "connection failed", "--max-retries", "0"),
    refused("a stall in the middle of the body",
            Reply(body=BODY, stall_after_bytes=500, stall_seconds=5), "timed out",
            "--timeout", "0.5", "--max-retries", "0"),
    refused("a string holding a lone UTF-16 surrogate",
            Reply(body=wire_with(lambda p: p.update(Note="\ud800"))),
            "a string at LoadInfo.Note holds the lone surrogate \\ud800"),
    refused("a lone surrogate in the last row of a large body streamed to a temporary file",
            Reply(body=wire_with(lambda p: p.update(
                Rows=[{"n": n, "text": "x" * 40} for n in range(100_000)] + ["\ud800"])),
                framing="chunked"),
            "a string at LoadInfo.Rows[100000] holds the lone surrogate \\ud800"),
    refused("a redirect loop", Reply(status=302, headers={"Location": PATH}), "redirect"),
    refused("a JSON value that is not an object", Reply(body=b'"LoadInfo"'),
            "validation failed (unrecognised shape)"),
    refused("a payload missing a required array",
            Reply(body=wire_with(lambda p: p.pop("ClearedMW"))), "ClearedMW"),
    refused("a number with misplaced separators",
            Reply(body=BODY.replace(b'"75757"', b'"7,57,57"')), "FiveMinTotalLoad[0]"),
]


@pytest.mark.parametrize(("reply", "reason", "extra"), REFUSED)
def test_a_hostile_answer_fails_the_slot_with_its_reason_and_leaves_no_trace(
    tmp_path, reply, reason, extra
):
    """Exit 1, the named reason in the summary, no traceback, nothing in any backend."""
    with ReplayServer({PATH: reply}) as miso:
        result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                         *extra)
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    [error] = result.summary["errors"]
    assert reason in error["error"] and result.summary["failed"] == 1
    state = local_state(tmp_path)
    assert state.objects == {} and state.registry == {} and state.outbox_pending == 0


def accepted(name, reply, payload):
    return pytest.param(reply, payload, id=name, marks=pytest.mark.scenario(
        f"MISO answers {name}", outcome="exit 0; the payload is stored exactly as sent, once"))


ACCEPTED = [
    accepted("a gzip-encoded body", Reply(body=BODY, gzip=True), WIRE),
    accepted("JSON under a text/plain content type",
             Reply(body=BODY, content_type="text/plain"), WIRE),
    accepted("JSON with a UTF-8 byte-order mark", Reply(body=b"\xef\xbb\xbf" + BODY), WIRE),
    accepted("numbers as strings with thousands separators",
             Reply(body=BODY.replace(b'"75757"', b'"75,757"')),
             json.loads(BODY.replace(b'"75757"', b'"75,757"'))),
    accepted("unexpected extra fields", Reply(body=wire_with(lambda p: p.update(Note={"a": 1}))),
             json.loads(wire_with(lambda p: p.update(Note={"a": 1})))),
]


@pytest.mark.parametrize(("reply", "payload"), ACCEPTED)
def test_an_odd_but_sound_answer_is_stored_exactly_as_sent(tmp_path, reply, payload):
    """Encodings, content types and extra fields do not change what is stored."""
    with ReplayServer({PATH: reply}) as miso:
        result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    assert result.summary["stored"] == [KEY]
    assert json.loads(gzip.decompress((tmp_path / KEY).read_bytes()))["data"] == payload
    assert_consistent(local_state(tmp_path), TOTAL_LOAD, {sha256_of(payload)})
