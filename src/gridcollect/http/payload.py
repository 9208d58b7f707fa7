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
    suspect = _may_hold_surrogates(body)
    try:
        if len(body) <= largejson.LARGE_BODY_BYTES:
            value = json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
        else:
            text = body.decode(json.detect_encoding(body), "surrogatepass")
            body.clear()  # the text holds it all now: release the raw bytes early
            value = largejson.loads(text, _DECODER)
    except RecursionError:
        raise Refuse("invalid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refuse(f"invalid JSON: {exc} ({preview})") from None
    if suspect:
        _refuse_lone_surrogates(value)
    return value


def _may_hold_surrogates(body: bytes | bytearray) -> bool:
    """Whether the decoded body may hold a lone UTF-16 surrogate: JSON allows ``\\ud800``
    and Python's decoder passes raw surrogate bytes, but such a string is not Unicode text
    and cannot be written as UTF-8 (the digest and the stored object need that). Cheap
    byte searches rule out almost every body; the rest are walked."""
    if json.detect_encoding(body) not in ("utf-8", "utf-8-sig"):
        return True
    return b"\\ud" in body or b"\\uD" in body or b"\xed" in body


def _refuse_lone_surrogates(value: Any) -> None:
    """Refuse ``value`` if any string in it (a key or a value) holds a lone surrogate."""
    pending: list[tuple[str, Any]] = [("", value)]  # a stack, not recursion: any depth
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, dict):
            for key, member in item.items():
                _check_text(key, path)
                pending.append((f"{path}.{key}" if path else key, member))
        elif isinstance(item, list | largejson.LazyArray):
            pending.extend((f"{path}[{index}]", element) for index, element in enumerate(item))


def _check_text(text: str, path: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        where = f"at {path}" if path else "at the top level"
        code = ord(text[exc.start])
        raise Refuse(f"invalid JSON: a string {where} holds the lone surrogate \\u{code:04x}, "
                     "which is not Unicode text") from None


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
