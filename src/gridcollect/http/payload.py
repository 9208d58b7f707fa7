"""The JSON payload of a response body; very large bodies take the
:mod:`gridcollect.largejson` path."""

from __future__ import annotations

import json
import math
from typing import Any

from .. import largejson
from .failures import Refuse


def decode_json(body: bytearray, content_type: str) -> Any:
    """The JSON value of ``body``; a very large body is emptied once decoded to text, and
    its large arrays are parsed on demand (:mod:`gridcollect.largejson`)."""
    if "html" in content_type.lower():
        raise Refuse(f"expected JSON, got {content_type.split(';')[0]} ({_preview(body)})")
    if not body or body.isspace():
        raise Refuse("empty response body")
    preview = _preview(body)  # taken now: a large body is emptied below
    try:
        if len(body) <= largejson.LARGE_BODY_BYTES:
            return json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
        text = body.decode(json.detect_encoding(body), "surrogatepass")
        body.clear()  # the text holds it all now: release the raw bytes early
        return largejson.loads(text, _DECODER)
    except RecursionError:
        raise Refuse("invalid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refuse(f"invalid JSON: {exc} ({preview})") from None


def _reject_constant(name: str) -> Any:
    raise Refuse(f"invalid JSON: non-finite number {name}")


def _finite_float(text: str) -> float:
    # 1e999 is Infinity in disguise: it would pass validation where no rule looks and then
    # fail the canonical JSON of the digest, so it is refused like the literal.
    value = float(text)
    if not math.isfinite(value):
        raise Refuse(f"invalid JSON: non-finite number {text[:40]}")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _preview(body: bytes | bytearray, limit: int = 60) -> str:
    text = body[:limit].decode("utf-8", "replace").replace("\n", " ")
    return repr(text + ("..." if len(body) > limit else ""))
