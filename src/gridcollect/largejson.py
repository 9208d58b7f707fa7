"""Very large JSON payloads without their whole object tree in memory.

A 50 MB payload of small rows becomes about 700 MB of Python objects. For bodies over
:data:`LARGE_BODY_BYTES`, :func:`loads` keeps the decoded text and builds objects as
usual except for large arrays, which become :class:`LazyArray` values: each iteration
parses one element at a time from the text. Validators iterate them like lists;
:func:`dump_chunks` writes them back out piece by piece, byte for byte as ``json.dumps``
would, so digests and stored objects are exactly those of the ordinary path.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from .jsonbytes import standard_encoder

LARGE_BODY_BYTES = 4 * 1024 * 1024
# Arrays spanning fewer characters than this are built as ordinary lists.
LAZY_ARRAY_CHARS = 64 * 1024
_BATCH_CHARS = 256 * 1024
_BLOCK_ELEMENTS = 1000

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# What may follow an array element: a comma and the next element's leading space, or
# the closing bracket.
_AFTER_ELEMENT = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*|(\]))")
_Error = json.JSONDecodeError


class LazyArray:
    """A JSON array inside a decoded text, parsed element by element on each iteration."""

    __slots__ = ("_decoder", "_end", "_length", "_start", "_text")

    def __init__(self, text: str, start: int, decoder: json.JSONDecoder) -> None:
        """Check the array starting at ``text[start]`` (a ``[``) and note its end."""
        self._text, self._start, self._decoder = text, start, decoder
        self._length = 0
        for _ in self._elements(check=True):
            self._length += 1

    @property
    def end(self) -> int:
        """The index just after the closing ``]``."""
        return self._end

    def __iter__(self) -> Iterator[Any]:
        return self._elements(check=False)

    def __len__(self) -> int:
        return self._length

    def __bool__(self) -> bool:
        return self._length > 0

    def __repr__(self) -> str:
        return f"<LazyArray of {self._length} items>"

    def _elements(self, *, check: bool) -> Iterator[Any]:
        text, after, scan = self._text, _AFTER_ELEMENT.match, self._decoder.raw_decode
        i = _skip(text, self._start + 1)
        if text[i:i + 1] == "]":
            self._end = i + 1
            return
        while True:
            value, i = scan(text, i)
            yield value
            found = after(text, i)
            if found is None:
                if check:
                    raise _Error("Expecting ',' delimiter", text, _skip(text, i))
                return
            if found.group(1) == "]":
                self._end = found.end()
                return
            i = found.end()


def loads(text: str, decoder: json.JSONDecoder) -> Any:
    """``decoder.decode(text)``, except that large arrays are :class:`LazyArray` values."""
    value, end = _value(text, _skip(text, 0), decoder)
    end = _skip(text, end)
    if end != len(text):
        raise _Error("Extra data", text, end)
    return value


def _value(text: str, i: int, decoder: json.JSONDecoder) -> tuple[Any, int]:
    mark = text[i:i + 1]
    if mark == "{":
        return _object(text, i, decoder)
    if mark == "[":
        array = LazyArray(text, i, decoder)
        if array.end - i < LAZY_ARRAY_CHARS:
            return decoder.raw_decode(text, i)
        return array, array.end
    return decoder.raw_decode(text, i)


def _object(text: str, i: int, decoder: json.JSONDecoder) -> tuple[dict[str, Any], int]:
    """An object whose members are decoded by :func:`_value` (so may hold lazy arrays)."""
    found: dict[str, Any] = {}
    i = _skip(text, i + 1)
    if text[i:i + 1] == "}":
        return found, i + 1
    while True:
        if text[i:i + 1] != '"':
            raise _Error("Expecting property name enclosed in double quotes", text, i)
        key, i = decoder.raw_decode(text, i)
        i = _skip(text, i)
        if text[i:i + 1] != ":":
            raise _Error("Expecting ':' delimiter", text, i)
        found[key], i = _value(text, _skip(text, i + 1), decoder)
        i = _skip(text, i)
        mark = text[i:i + 1]
        if mark == "}":
            return found, i + 1
        if mark != ",":
            raise _Error("Expecting ',' delimiter", text, i)
        i = _skip(text, i + 1)


def _skip(text: str, i: int) -> int:
    """The index of the first character at or after ``i`` that is not JSON whitespace."""
    found = _WHITESPACE.match(text, i)
    return found.end() if found else i


def is_lazy(value: Any) -> bool:
    """Whether ``value`` is or holds a :class:`LazyArray`. :func:`loads` only puts them in
    objects, never in lists, so lists are not searched: this stays cheap on every payload."""
    if isinstance(value, LazyArray):
        return True
    if isinstance(value, dict):
        return any(is_lazy(member) for member in value.values())
    return False


def dump_chunks(value: Any, *, canonical: bool) -> Iterator[str]:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``
    in pieces; ``canonical`` adds ``sort_keys=True``. Lazy arrays are written element by
    element; everything else exactly as ``json.dumps`` writes it."""
    item, colon = ",", ":"
    # One encoder for every piece, the one that defines the eager path's bytes.
    encode = standard_encoder(sort_keys=canonical)

    def walk(part: Any) -> Iterator[str]:
        if isinstance(part, LazyArray):
            # Elements are encoded a block at a time: a list's encoding is its elements
            # joined by the item separator, inside brackets.
            yield "["
            block: list[Any] = []
            separator = ""
            for element in part:
                block.append(element)
                if len(block) == _BLOCK_ELEMENTS:
                    yield separator + encode(block)[1:-1]
                    separator = item
                    block.clear()
            if block:
                yield separator + encode(block)[1:-1]
            yield "]"
        elif isinstance(part, dict) and is_lazy(part):
            yield "{"
            members = sorted(part.items()) if canonical else part.items()
            for index, (key, member) in enumerate(members):
                yield (item if index else "") + encode(key) + colon
                yield from walk(member)
            yield "}"
        else:
            yield encode(part)

    return walk(value)


def batched(chunks: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 bytes of ``chunks`` in blocks of a few hundred kilobytes."""
    pending: list[str] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= _BATCH_CHARS:
            yield "".join(pending).encode()
            pending.clear()
            size = 0
    if pending:
        yield "".join(pending).encode()


def gzip_of(blocks: Iterable[bytes]) -> tuple[bytes, int]:
    """The same bytes as ``gzip.compress(b"".join(blocks), mtime=0)`` without joining
    them, and the uncompressed size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # what gzip.compress uses
    parts, size = [], 0
    for block in blocks:
        size += len(block)
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts), size


__all__ = ["LARGE_BODY_BYTES", "LazyArray", "batched", "dump_chunks", "gzip_of", "is_lazy",
           "loads"]
