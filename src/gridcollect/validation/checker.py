"""Collecting problems and warnings, each with the path of the offending value."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ..largejson import LazyArray
from ..model import Verdict
from .numbers import format_number, parse_number
from .times import parse_est
from .values import InvalidValue, describe

UNRECOGNISED = "unrecognised"
# A payload with thousands of bad rows should not produce a reason thousands of lines long.
MAX_MESSAGES = 20

T = TypeVar("T")


def at(path: str, key: str | int) -> str:
    """The path of ``key`` under ``path``: ``at("Rows", 3)`` is ``Rows[3]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass
class Checker:
    """Accumulates what is wrong with a payload, then builds the :class:`Verdict`.

    Failures reject the payload; warnings are only reported. Each check returns the
    parsed value, or ``None`` when it failed, so callers can go on with what is usable.
    """

    shape: str = UNRECOGNISED
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        """Record a failure of the value at ``path``."""
        self.problems.append(f"{path}: {message}" if path else message)

    def warn(self, path: str, message: str) -> None:
        """Record a warning about the value at ``path``."""
        self.warnings.append(f"{path}: {message}" if path else message)

    def note(self, path: str, message: str, *, failure: bool) -> None:
        """A failure or a warning, as the caller's rule says."""
        (self.fail if failure else self.warn)(path, message)

    def verdict(self) -> Verdict:
        """The verdict so far, long lists cut short with a count of what was left out."""
        return Verdict(self.shape, _capped(self.problems), _capped(self.warnings))

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        """``value`` if it is a JSON object, else a failure."""
        if isinstance(value, dict):
            return value
        self.fail(path, f"must be an object, got {describe(value)}")
        return None

    def array(self, value: Any, path: str) -> list[Any] | LazyArray | None:
        """``value`` if it is a JSON array (also a large one, parsed as it is read), else a
        failure."""
        if isinstance(value, list | LazyArray):
            return value
        self.fail(path, f"must be a list, got {describe(value)}")
        return None

    def require(self, obj: dict[str, Any], keys: Iterable[str], path: str) -> bool:
        """Fail for each of ``keys`` missing from ``obj``; true when none is missing."""
        missing = [key for key in keys if key not in obj]
        for key in missing:
            self.fail(path, f"missing required field {key!r}")
        return not missing

    def parsed(
        self, parser: Callable[[Any], T], value: Any, path: str, rule: str, *, failure: bool = True
    ) -> T | None:
        """``parser(value)``, or a failure (or warning) naming ``rule`` and the parser's reason."""
        try:
            return parser(value)
        except InvalidValue as exc:
            self.note(path, f"{rule}: {exc}", failure=failure)
            return None

    def number(
        self,
        value: Any,
        path: str,
        *,
        nullable: bool = False,
        non_negative: bool = False,
        negative_fails: bool = True,
    ) -> float | None:
        """A finite number (numeric strings allowed); ``non_negative`` values are in MW,
        and a negative one is a failure, or only a warning when not ``negative_fails``."""
        if value is None and nullable:
            return None
        number = self.parsed(parse_number, value, path, "must be numeric")
        if number is not None and non_negative and number < 0:
            self.note(path, f"must be non-negative: {format_number(number)} MW",
                      failure=negative_fails)
        return number

    def text(self, value: Any, path: str) -> str | None:
        """A non-empty string, else a failure."""
        if isinstance(value, str) and value.strip():
            return value
        self.fail(path, f"must be a non-empty string, got {describe(value)}")
        return None

    def time(self, value: Any, path: str, *, failure: bool = True) -> datetime | None:
        """A MISO time (see :func:`parse_est`), else a failure or, if not ``failure``, a warning."""
        return self.parsed(parse_est, value, path, "must be a time", failure=failure)


def unrecognised(payload: Any, expected: str) -> Verdict:
    """The verdict for a payload of no known shape, naming what was expected."""
    reason = f"unrecognised shape: expected {expected}, got {describe(payload)}"
    return Verdict(UNRECOGNISED, (reason,))


def never_raises(validator: Callable[[Any], Verdict]) -> Callable[[Any], Verdict]:
    """Turn any exception escaping ``validator`` into a rejection, so a run never crashes on input.

    Tests assert this net is never used: its message starts with ``validator error``.
    """

    @functools.wraps(validator)
    def guarded(payload: Any) -> Verdict:
        try:
            return validator(payload)
        except Exception as exc:  # noqa: BLE001 - any bug here must reject, not crash the run
            reason = f"validator error: {type(exc).__name__}: {describe(str(exc))}"
            return Verdict(UNRECOGNISED, (reason,))

    return guarded


def _capped(messages: list[str]) -> tuple[str, ...]:
    if len(messages) <= MAX_MESSAGES:
        return tuple(messages)
    left_out = len(messages) - MAX_MESSAGES
    return (*messages[:MAX_MESSAGES], f"... and {left_out} more")
