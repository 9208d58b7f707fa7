"""MISO's next-day short-term reserve (STR) requirement, by region, at each region's
forecast peak hour; published once a day, around 07:05 EST.

On the wire: a list of rows ``forecastPeakHourEst`` (``2026-10-03T13:00:00``), ``region``
(``South``, ``North/Central``, ``Systemwide``), ``forecastCreatedTime``
(``2026-10-02T07:06:10``), ``strReq`` and ``strOverwrite`` (MW, JSON numbers). A daily
feed: keys carry the creation date, ``csat_nextday_str_YYYYMMDD``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ...validation import EST
from ..schema import (
    NUMBER,
    STAMP_DAY,
    TEXT,
    TIME,
    Field,
    Interval,
    Rows,
    Rule,
    Tidy,
    Wire,
    as_of_latest,
    declare,
)


def _next_day(values: Mapping[str, Any]) -> str | None:
    """The peak hour is on the day after the forecast was made (EST)."""
    peak = values["forecastPeakHourEst"].astimezone(EST).date()
    made = values["forecastCreatedTime"].astimezone(EST).date()
    if peak != made + timedelta(days=1):
        return f"forecastPeakHourEst {peak} is not the day after forecastCreatedTime {made}"
    return None


DATASET = declare(
    dgroup="miso_csat_nextday_str",
    endpoint="CsatNextDayShortTermReserveRequirement",
    cadence=timedelta(hours=1),
    description="MISO next-day short-term reserve requirement and its overwrite, by region, "
                "at each region's forecast peak hour (daily, around 07:05 EST).",
    as_of=as_of_latest("", "forecastCreatedTime"),
    stamp=STAMP_DAY,
    wire=Wire(rows=(Rows(
        "",
        (Field("forecastPeakHourEst", TIME),
         Field("region", TEXT, "region", "", "region: South, North/Central or Systemwide."),
         Field("forecastCreatedTime", TIME, "forecast_created", "UTC",
               "forecastCreatedTime: when MISO made the forecast."),
         Field("strReq", NUMBER, "requirement_mw", "MW",
               "strReq: the short-term reserve requirement."),
         Field("strOverwrite", NUMBER, "overwrite_mw", "MW",
               "strOverwrite: the operator's overwrite of the requirement (0: none).")),
        Interval("forecastPeakHourEst", "start", timedelta(hours=1),
                 "like WindSolar's ...DateTimeEST, MISO's ISO time of an hour names its "
                 "start: T13:00:00 is the hour 13:00-14:00 EST."),
        rules=(Rule("next day", _next_day),),
    ),)),
    tidy=Tidy(identity=("region", "interval_start"), plot_series="region",
              plot_values=("requirement_mw", "overwrite_mw")),
)
__all__ = ["DATASET"]
