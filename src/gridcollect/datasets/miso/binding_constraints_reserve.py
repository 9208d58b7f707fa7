"""MISO reserve binding constraints: which reserve constraints bind now, at what price.

Documented rows carry eleven typed fields (``ReserveType``, ``Direction``, ``Quantity``,
...). On the wire, MISO sends a ``RefId`` in its interval form and rows of strings shaped
like the sister ``BindingConstraints/RealTime`` endpoint's, or ``Name``, ``Period``,
``Price`` and ``Description`` (``STR+Lost_Gen Zone_1``); when nothing binds, one
placeholder row named ``None - None`` with ``Price`` ``"None"``. ``Period`` is the end of
its five-minute interval.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from ...model import Verdict
from ...validation import Checker, at, describe, is_interval_ref, unrecognised
from ..schema import (
    FLAG,
    NUMBER,
    TEXT,
    TIME,
    Field,
    Interval,
    Kind,
    Rows,
    Tidy,
    Wire,
    as_received,
    declare,
    unwrap_as_received,
)

RESERVE_TYPES = ("SPIN", "NSPIN", "REG_UP", "REG_DOWN", "SUPPL")
DIRECTIONS = ("UP", "DOWN", "BOTH")
BREAKPOINTS = ("BP1", "PC1", "BP2", "PC2")
DOCUMENTED_ONLY = ("ReserveType", "Direction", "Quantity")
REQUIRED = ("Name", "Period", "Price", *DOCUMENTED_ONLY, "OVERRIDE", *BREAKPOINTS)
WIRE_REQUIRED = ("Name", "Period", "Price")
NOTHING_BINDING = "None - None"


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


def _label(value: Any) -> str | None:
    # The documented labels are only warned about, and CURVETYPE and Description are not
    # checked at all: a value that is not text is no label, not a lost row.
    return value if isinstance(value, str) else None


# "None" is text here, as the hand-written table read it: only the placeholder's
# "None - None" means nothing binds.
NAME = replace(TEXT, absent=("",))
LABEL = Kind("label", _label, "must be text", "text", absent=("",))
PERIOD_END = Interval(
    "Period", "end", timedelta(minutes=5),
    "Period ends its interval, as for the real-time constraints (gridstatus PR 803).",
)
CURVE_UNIT = "curve_type"  # a breakpoint is in the unit CURVETYPE names
ROWS = Rows(
    "Constraint",
    (
        Field("Name", NAME, "name", "", "The constraint's name."),
        Field("Period", TIME),
        Field("Price", NUMBER, "shadow_price", "$/MW",
              "Price: the constraint's shadow price (unit as the endpoint's spec states)."),
        Field("OVERRIDE", FLAG, "override", "", "OVERRIDE; null when MISO sends none.",
              required=False),
        Field("CURVETYPE", LABEL, "curve_type", "",
              "CURVETYPE of the curve (MW, PERCENT); null if none.", required=False),
        Field("BP1", NUMBER, "bp1", CURVE_UNIT, "BP1: first breakpoint of the curve; null if none.",
              required=False),
        Field("PC1", NUMBER, "pc1", "$", "PC1: the curve's price at BP1; null if none.",
              required=False),
        Field("BP2", NUMBER, "bp2", CURVE_UNIT, "BP2: second breakpoint; null if none.",
              required=False),
        Field("PC2", NUMBER, "pc2", "$", "PC2: the curve's price at BP2; null if none.",
              required=False),
        Field("ReserveType", LABEL, "reserve_type", "", "ReserveType (documented shape only).",
              required=False),
        Field("Direction", LABEL, "direction", "", "Direction (documented shape only).",
              required=False),
        Field("Quantity", NUMBER, "quantity_mw", "MW", "Quantity (documented shape only).",
              required=False),
        Field("Description", LABEL, "description", "",
              "Description: what binds, e.g. STR+Lost_Gen Zone_1 (wire shape); null if none.",
              required=False),
    ),
    PERIOD_END,
    placeholder={"Name": (NOTHING_BINDING,)},
)

# The table reads rows of either shape through one declaration (the documented-only
# fields are optional there); validation, which tells the shapes apart row by row, is
# the hand-written `validate` above.
DATASET = declare(
    dgroup="miso_binding_constraints_reserve",
    endpoint="BindingConstraints/Reserve",
    cadence=timedelta(minutes=5),
    description="MISO reserve binding constraints: shadow prices of binding reserve constraints.",
    as_of="RefId",
    key=("miso_binding_constraints_reserve/{t:%Y-%m-%d}/"
         "binding_constraints_reserve_{t:%Y%m%d_%H%M}.json.gz"),
    envelope=as_received,
    unwrap=unwrap_as_received,
    wire=Wire(rows=(ROWS,)),
    tidy=Tidy(identity=("name", "interval_start"), plot_series="name",
              plot_values=("shadow_price",)),
    validator=validate,
)
