"""The validator a declaration derives: a ``Verdict`` naming the path and the rule of
every problem of a payload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...largejson import LazyArray
from ...model import AsOfReader, Verdict
from ...validation import Checker, InvalidValue, at, describe, unrecognised
from .declaration import Field, Rows, Wire
from .kinds import is_absent
from .payload import Block, found_part, is_placeholder, locate, lookup, parent, row_object, shown


def validate(wire: Wire, as_of: AsOfReader, payload: Any) -> Verdict:
    """Check ``payload`` field by field and rule by rule against ``wire``."""
    roots = [spec.path.split(".")[0] for spec in wire.rows if spec.path]
    roots += [f.name.split(".")[0] for f in wire.fields]
    if roots and not isinstance(payload, dict):
        return unrecognised(payload, f"an object with {', '.join(dict.fromkeys(roots))}")
    if not roots and not isinstance(payload, list | LazyArray):
        return unrecognised(payload, "a list of rows")
    check = Checker("wire")
    for top in wire.fields:
        _check_top(check, payload, top)
    if not check.problems:
        try:
            as_of(payload)
        except InvalidValue as exc:
            check.fail("as-of", f"no as-of instant: {exc}")
    for spec in wire.rows:
        found = locate(payload, spec, _Validating(check))
        if found is not None:
            _check_rows(check, spec, found)
    # Blocks under one missing key would each say so.
    check.problems = list(dict.fromkeys(check.problems))
    return check.verdict()


def _check_top(check: Checker, payload: Any, spec: Field) -> None:
    try:
        value = lookup(payload, spec.name)
    except KeyError:
        if spec.required:
            check.fail(found_part(payload, spec.name), f"missing required field {spec.name!r}")
        return
    _check_value(check, spec, value, spec.name)


def _check_value(check: Checker, spec: Field, value: Any, path: str) -> Any:
    if is_absent(value, spec.kind.absent):
        if spec.required:
            check.fail(path, f"must have a value, got {describe(value)}")
        return None
    return check.parsed(spec.kind.parse, value, path, spec.kind.rule)


@dataclass(slots=True)
class _Validating:
    """Locating a block for validation: every problem a failure, checked on where it can."""

    check: Checker

    def missing(self, payload: Any, spec: Rows, key: str) -> None:
        self.check.fail(found_part(payload, spec.path), f"missing required field {key!r}")

    def header(self, spec: Rows, holder: Any) -> list[Any] | None:
        home = parent(spec.path)
        if not isinstance(holder, dict) or spec.header not in holder:
            self.check.fail(shown(home), f"missing required field {spec.header!r}")
            return None
        where = at(home, str(spec.header))
        names = self.check.array(holder[spec.header], where)
        if names is None:
            return None
        header = list(names)
        if not all(isinstance(name, str) for name in header):
            self.check.fail(where, "every column name must be text")
            return None
        for item in spec.fields:
            if item.required and item.name not in header:
                self.check.fail(where, f"missing required column {item.name!r}")
        return header

    def context(self, spec: Rows, item: Field, holder: Any, into: dict[str, Any]) -> bool:
        home = spec.path if spec.single else parent(spec.path)
        if not isinstance(holder, dict) or item.name not in holder:
            if item.required:
                self.check.fail(home, f"missing required field {item.name!r}")
            return True
        into[item.name] = _check_value(self.check, item, holder[item.name], at(home, item.name))
        return True

    def rows(self, spec: Rows, found: Any) -> list[Any] | LazyArray | None:
        return self.check.array(found, shown(spec.path))


def _check_rows(check: Checker, spec: Rows, block: Block) -> None:
    complete_rows: list[tuple[int, Mapping[str, Any]]] = []
    for index, raw in enumerate(block.rows):
        path = shown(spec.path) if block.lone else at(shown(spec.path), index)
        row = row_object(raw, spec, block.header)
        if block.header is not None and not isinstance(row, dict):
            check.fail(path, f"must be a list of {len(block.header)} values, got {describe(raw)}")
            continue
        if check.obj(row, path) is None or is_placeholder(row, spec):
            continue
        values = dict(block.context)
        complete = True
        for item in spec.fields:
            if item.name not in row:
                if item.required:
                    check.fail(path, f"missing required field {item.name!r}")
                    complete = False
                values[item.name] = None
                continue
            before = len(check.problems)
            values[item.name] = _check_value(check, item, row[item.name], at(path, item.name))
            complete = complete and len(check.problems) == before
        if not complete:
            continue
        if values.get(spec.interval.label) is None:
            check.fail(path, f"no interval: {spec.interval.label} has no value")
        for rule in spec.rules:
            message = rule.check(values)
            if message is not None:
                check.note(path, f"{rule.reason}: {message}", failure=rule.failure)
        if spec.across:
            complete_rows.append((index, values))
    for across in spec.across:
        for index, message in across.check(complete_rows):
            check.note(at(shown(spec.path), index), f"{across.reason}: {message}",
                       failure=across.failure)
