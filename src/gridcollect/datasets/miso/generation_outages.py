"""MISO generation outages, five days either side of today: MW out of service per day.

On the wire: ``RefId`` (``02-Oct-2026 - Total Outage Megawatts: 54,179``: a date and
today's total, not an interval) and ``Days``, one row per day with ``OutageDate``
(``2026-09-27 12:00:00 AM``), ``OutageMonthDay`` (``Sep-27``) and ``Unplanned``,
``Planned``, ``Forced``, ``Derated`` (MW, JSON numbers). A daily feed: keys carry the
RefId's date, ``generation_outages_YYYYMMDD`` (a revision the same day gets ``_2``...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ...model import Column
from ...validation import EST, InvalidValue, describe, parse_number
from ..schema import (
    NUMBER,
    STAMP_DAY,
    TEXT,
    TIME,
    Field,
    Interval,
    Kind,
    Rows,
    Rule,
    Tidy,
    Wire,
    declare,
    lookup,
)

_REF = re.compile(r"(\d{1,2}-[A-Za-z]{3}-\d{4})\s*-\s*Total Outage Megawatts:\s*([\d,.]+)")
KINDS = ("Unplanned", "Planned", "Forced", "Derated")


def parse_ref(value: Any) -> tuple[date, float]:
    """``02-Oct-2026 - Total Outage Megawatts: 54,179`` as (date, total MW)."""
    match = _REF.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        if match:
            return datetime.strptime(match[1], "%d-%b-%Y").date(), parse_number(match[2])
    except ValueError:
        pass
    raise InvalidValue(f"{describe(value)} is not 'DD-Mon-YYYY - Total Outage Megawatts: N'")


REF = Kind("outage ref", parse_ref, "must be a date and a total", None)


def as_of(payload: Any) -> datetime:
    """The start (00:00 EST) of the RefId's date, in UTC."""
    try:
        day, _total = parse_ref(lookup(payload, "RefId"))
    except KeyError:
        raise InvalidValue("missing 'RefId'") from None
    return datetime(day.year, day.month, day.day, tzinfo=EST).astimezone(UTC)


def _totals(values: Mapping[str, Any]) -> str | None:
    """On the RefId's date, the four figures add up to the RefId's total."""
    ref, day = values.get("RefId"), values["OutageDate"].astimezone(EST).date()
    if ref is None or ref[0] != day:
        return None
    total = sum(values[kind] for kind in KINDS)
    if abs(total - ref[1]) > 0.5:
        return f"{' + '.join(KINDS)} = {total:g} MW, not the RefId's total {ref[1]:g}"
    return None


def _month_day(values: Mapping[str, Any]) -> str | None:
    """OutageMonthDay (``Sep-27``) names OutageDate's day."""
    day = values["OutageDate"].astimezone(EST)
    label = values["OutageMonthDay"]
    if label is not None and label != f"{day:%b}-{day.day}":
        return f"OutageMonthDay {label!r} is not OutageDate's {day:%b}-{day.day}"
    return None


DATASET = declare(
    dgroup="miso_generation_outages",
    endpoint="GenerationOutages/GetGenerationOutagesPlusMinusFiveDays",
    cadence=timedelta(hours=1),
    description="MISO generation outages: unplanned, planned, forced and derated MW per "
                "day, five days either side of today.",
    as_of=as_of,
    stamp=STAMP_DAY,
    wire=Wire(fields=(Field("RefId", REF),), rows=(Rows(
        "Days",
        (Field("OutageDate", TIME), Field("OutageMonthDay", TEXT, required=False),
         *(Field(kind, NUMBER, f"{kind.lower()}_mw", "MW", f"{kind}: MW of generation "
                 f"on {kind.lower()} outage that day.") for kind in KINDS)),
        Interval("OutageDate", "start", timedelta(days=1),
                 "OutageDate is midnight (12:00:00 AM EST) of the day the figures are for."),
        context=(Field("RefId", REF),), tags={"area": "MISO"},
        rules=(Rule("RefId total", _totals), Rule("month day", _month_day)),
    ),)),
    tidy=Tidy(identity=("area", "interval_start"), plot_series="area",
              plot_values=tuple(f"{kind.lower()}_mw" for kind in KINDS),
              columns=(Column("area", "text", "", "The area: MISO."),),
              span=timedelta(days=6)),
)
__all__ = ["DATASET", "REF", "as_of", "parse_ref"]
