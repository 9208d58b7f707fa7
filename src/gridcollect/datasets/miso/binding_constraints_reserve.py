"""MISO reserve binding constraints: which reserve constraints bind now, at what price.

Documented rows carry eleven typed fields (``ReserveType``, ``Direction``, ``Quantity``,
...). On the wire, MISO sends a ``RefId`` in its interval form and rows of strings shaped
like the sister ``BindingConstraints/RealTime`` endpoint's, or ``Name``, ``Period``,
``Price`` and ``Description`` (``STR+Lost_Gen Zone_1``); when nothing binds, one
placeholder row named ``None - None`` with ``Price`` ``"None"``. ``Period`` is the end of
its five-minute interval.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ...model import Column, Dataset, Row, Snapshot, Table, TableContext, Verdict
from ...validation import (
    Checker,
    InvalidValue,
    at,
    describe,
    is_interval_ref,
    never_raises,
    parse_est,
    parse_number,
    unrecognised,
)
from .tables import INTERVAL_COLUMNS, field, interval, optional_number

RESERVE_TYPES = ("SPIN", "NSPIN", "REG_UP", "REG_DOWN", "SUPPL")
DIRECTIONS = ("UP", "DOWN", "BOTH")
BREAKPOINTS = ("BP1", "PC1", "BP2", "PC2")
DOCUMENTED_ONLY = ("ReserveType", "Direction", "Quantity")
REQUIRED = ("Name", "Period", "Price", *DOCUMENTED_ONLY, "OVERRIDE", *BREAKPOINTS)
WIRE_REQUIRED = ("Name", "Period", "Price")
NOTHING_BINDING = "None - None"


@never_raises
def validate(payload: Any) -> Verdict:
    """Check a reserve payload; the shape is ``wire`` when RefId is in MISO's interval form."""
    if not isinstance(payload, dict) or not {"RefId", "Constraint"} & payload.keys():
        return unrecognised(payload, "an object with RefId and Constraint")
    wire = is_interval_ref(payload.get("RefId"))
    check = Checker("wire" if wire else "documented")
    check.require(payload, ("RefId", "Constraint"), "")
    if "RefId" in payload:
        ref = check.text(payload["RefId"], "RefId")
        if ref is not None:
            check.time(ref, "RefId", failure=wire)
    rows = check.array(payload["Constraint"], "Constraint") if "Constraint" in payload else None
    for index, raw in enumerate(rows or ()):
        path = at("Constraint", index)
        row = check.obj(raw, path)
        if row is None:
            continue
        # A wire row that carries a documented-only field claims the documented format.
        if not wire or any(name in row for name in DOCUMENTED_ONLY):
            _check_documented_row(check, row, path)
        else:
            _check_wire_row(check, row, path)
    return check.verdict()


def _check_documented_row(check: Checker, row: dict[str, Any], path: str) -> None:
    check.require(row, REQUIRED, path)
    if "Name" in row:
        check.text(row["Name"], at(path, "Name"))
    if "Period" in row and check.text(row["Period"], at(path, "Period")) is not None:
        check.time(row["Period"], at(path, "Period"), failure=False)
    if "Price" in row:
        check.number(row["Price"], at(path, "Price"))
    if "Quantity" in row:
        check.number(row["Quantity"], at(path, "Quantity"))
    for name, known in (("ReserveType", RESERVE_TYPES), ("Direction", DIRECTIONS)):
        if name in row and row[name] not in known:
            check.warn(at(path, name), f"unexpected {name} {describe(row[name])}, "
                                       f"expected one of {', '.join(known)}")
    if "OVERRIDE" in row:
        _check_override(check, row["OVERRIDE"], at(path, "OVERRIDE"), absent_allowed=False)
    for name in BREAKPOINTS:
        if name in row:
            check.number(row[name], at(path, name), nullable=True)


def _check_wire_row(check: Checker, row: dict[str, Any], path: str) -> None:
    check.require(row, WIRE_REQUIRED, path)
    name = check.text(row["Name"], at(path, "Name")) if "Name" in row else None
    if "Period" in row:
        check.time(row["Period"], at(path, "Period"))
    if "Price" in row and not (name == NOTHING_BINDING and row["Price"] in ("None", None)):
        check.number(row["Price"], at(path, "Price"))
    if "OVERRIDE" in row:
        _check_override(check, row["OVERRIDE"], at(path, "OVERRIDE"), absent_allowed=True)
    for key in BREAKPOINTS:
        # The wire sends "" for a breakpoint that does not apply.
        if key in row and row[key] != "":
            check.number(row[key], at(path, key), nullable=True)


def _check_override(check: Checker, value: Any, path: str, *, absent_allowed: bool) -> None:
    """A boolean, 0 or 1 (also as the wire's strings "0"/"1"; "" or null if absent is allowed)."""
    if isinstance(value, bool) or value in ("0", "1"):
        return
    if isinstance(value, int | float) and value in (0, 1):
        return
    if absent_allowed and value in ("", None):
        return
    check.fail(path, f"OVERRIDE must be a boolean or 0/1, got {describe(value)}")


def envelope(snapshot: Snapshot) -> Any:
    """The stored object is the response exactly as received."""
    return snapshot.payload


PERIOD = timedelta(minutes=5)
COLUMNS = (
    *INTERVAL_COLUMNS,
    Column("name", "text", "", "The constraint's name."),
    Column("shadow_price", "number", "$/MW",
           "Price: the constraint's shadow price (unit as the endpoint's spec states)."),
    Column("override", "flag", "", "OVERRIDE; null when MISO sends none."),
    Column("curve_type", "text", "", "CURVETYPE of the curve (MW, PERCENT); null if none."),
    Column("bp1", "number", "curve_type", "BP1: first breakpoint of the curve; null if none."),
    Column("pc1", "number", "$", "PC1: the curve's price at BP1; null if none."),
    Column("bp2", "number", "curve_type", "BP2: second breakpoint; null if none."),
    Column("pc2", "number", "$", "PC2: the curve's price at BP2; null if none."),
    Column("reserve_type", "text", "", "ReserveType (documented shape only)."),
    Column("direction", "text", "", "Direction (documented shape only)."),
    Column("quantity_mw", "number", "MW", "Quantity (documented shape only)."),
    Column("description", "text", "",
           "Description: what binds, e.g. STR+Lost_Gen Zone_1 (wire shape); null if none."),
)


def as_of(payload: Any) -> datetime:
    """The snapshot's as-of instant: its RefId, in UTC."""
    return parse_est(payload.get("RefId") if isinstance(payload, dict) else None)


def table_ref(payload: Any, ctx: TableContext) -> datetime:
    """The snapshot's as-of instant (the same reader that stamps its key)."""
    return as_of(payload)


def table_rows(payload: Any, ctx: TableContext) -> Iterator[Row]:
    """One row per binding constraint; the ``None - None`` placeholder yields none."""
    constraints = payload.get("Constraint") if isinstance(payload, dict) else None
    for index, row in enumerate(constraints or ()):
        where = at("Constraint", index)
        if not isinstance(row, dict) or row.get("Name") == NOTHING_BINDING:
            continue
        try:
            name = field(row, "Name")
            if not isinstance(name, str):
                raise InvalidValue(f"Name {describe(name)} is not text")
            # Period ends its interval, as for the real-time constraints (gridstatus PR 803).
            end = parse_est(field(row, "Period"))
            price = parse_number(field(row, "Price"))
        except InvalidValue as exc:
            ctx.skip(f"{where}: {exc}")
            continue
        yield {
            **interval(end - PERIOD, end),
            "name": name,
            "shadow_price": price,
            "override": _override(row.get("OVERRIDE")),
            "curve_type": _text(row.get("CURVETYPE")),
            **{point.lower(): optional_number(row.get(point), at(where, point), ctx)
               for point in BREAKPOINTS},
            "reserve_type": _text(row.get("ReserveType")),
            "direction": _text(row.get("Direction")),
            "quantity_mw": optional_number(row.get("Quantity"), at(where, "Quantity"), ctx),
            "description": _text(row.get("Description")),
        }


def _override(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return value in (1, "1")
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


TABLE = Table(
    columns=COLUMNS,
    identity=("name", "interval_start"),
    rows=table_rows,
    ref=table_ref,
    plot_series="name",
    plot_values=("shadow_price",),
)


DATASET = Dataset(
    name="miso_binding_constraints_reserve",
    operator="miso",
    command="binding-constraints-reserve",
    endpoint="BindingConstraints/Reserve",
    cadence=timedelta(minutes=5),
    key_template=(
        "miso_binding_constraints_reserve/{t:%Y-%m-%d}/"
        "binding_constraints_reserve_{t:%Y%m%d_%H%M}.json.gz"
    ),
    envelope=envelope,
    validator=validate,
    retention=timedelta(days=7),
    description="MISO reserve binding constraints: shadow prices of binding reserve constraints.",
    as_of=as_of,
    table=TABLE,
)
