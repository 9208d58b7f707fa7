"""MISO wind and solar: hourly forecast and actual MW for the market day and the next.

On the wire: ``RefId`` (``02-Oct-2026 - Interval 16:00 EST``), ``MktDay`` and ``instance``,
one row per hour with ``ForecastDateTimeEST`` (``2026-10-02 3:00:00 PM``),
``ForecastHourEndingEST`` (``16``), ``ForecastWindValue``, ``ForecastSolarValue`` and the
same four ``Actual...`` fields, which are ``null`` for hours not yet over. The table is
long: one row per fuel (``wind``, ``solar``), kind (``forecast``, ``actual``) and hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ...model import Column
from ...validation import EST
from ..schema import HOUR, NUMBER, TIME, Field, Interval, Rows, Rule, Tidy, Wire, declare

HOUR_LONG = timedelta(hours=1)


def _interval(prefix: str) -> Interval:
    return Interval(
        f"{prefix}DateTimeEST", "start", HOUR_LONG,
        f"{prefix}DateTimeEST is the start of the hour that {prefix}HourEndingEST ends: "
        "12:00:00 AM comes with hour ending 1, and the snapshot of RefId 16:00 has actuals "
        "up to 3:00 PM, the hour that ended at 16:00.",
    )


def _hour_ending(prefix: str) -> Rule:
    def check(values: Mapping[str, Any]) -> str | None:
        start, ending = values[f"{prefix}DateTimeEST"], values[f"{prefix}HourEndingEST"]
        if start is None or ending is None:
            return None
        if start.astimezone(EST).hour + 1 != ending:
            return (f"{prefix}HourEndingEST {ending} does not end the hour starting "
                    f"{start.astimezone(EST):%H:%M} EST")
        return None

    return Rule("hour ending", check)


def _block(fuel: str, kind: str) -> Rows:
    prefix = kind.capitalize()
    value = f"{prefix}{fuel.capitalize()}Value"
    return Rows(
        "instance",
        (Field(f"{prefix}DateTimeEST", TIME), Field(f"{prefix}HourEndingEST", HOUR),
         Field(value, NUMBER, "mw", "MW", "The hour's average MW (ForecastWindValue, "
               "ActualSolarValue, ...); actual solar is slightly negative at night "
               "(station use).", required=kind == "forecast")),
        _interval(prefix),
        # A future hour has no actual yet: its Actual... fields are null, which is no row.
        placeholder={} if kind == "forecast" else {
            f"{prefix}DateTimeEST": (None,), value: (None,)},
        tags={"fuel": fuel, "kind": kind},
        rules=(_hour_ending(prefix),),
    )


DATASET = declare(
    dgroup="miso_wind_solar",
    endpoint="WindSolar/GetCombined",
    cadence=HOUR_LONG,
    description="MISO wind and solar: hourly forecast and actual MW, for the market day "
                "and the next.",
    as_of="RefId",
    wire=Wire(rows=tuple(_block(fuel, kind) for fuel in ("wind", "solar")
                         for kind in ("forecast", "actual"))),
    tidy=Tidy(identity=("fuel", "kind", "interval_start"), plot_series="fuel",
              plot_values=("mw",),
              columns=(Column("fuel", "text", "", "wind or solar."),
                       Column("kind", "text", "", "forecast or actual.")),
              span=timedelta(days=2)),
)
__all__ = ["DATASET"]
