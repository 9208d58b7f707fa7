"""MISO-PJM coordinated transaction scheduling (CTS): PJM's forecast LMP at the interface,
per approved case and solution time; the day's cases accumulate (about 100 KB by night).

On the wire: ``RefId`` (``02-Oct-2026 - Interval 23:30 EST``) and ``Interval``, rows of
``CASEAPPROVALDATE`` (``2026-10-02 11:35:21 PM``), ``SOLUTIONTIME``
(``2026-10-02 11:30:00 PM``) and ``PJMFORECASTEDLMP`` ($/MWh, a string); each case has
about ten quarter-hours, newest case first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ...model import Column
from ..schema import NUMBER, TIME, Field, Interval, Rows, Rule, Tidy, Wire, declare

QUARTER = timedelta(minutes=15)


def _quarter_hours(values: Mapping[str, Any]) -> str | None:
    """Solution times are quarter hours, none before the quarter hour of approval."""
    solution, approved = values["SOLUTIONTIME"], values["CASEAPPROVALDATE"]
    if solution.minute % 15 or solution.second:
        return f"SOLUTIONTIME {solution:%H:%M:%S} UTC is not a quarter hour"
    if solution + QUARTER <= approved:
        return (f"SOLUTIONTIME {solution:%H:%M} UTC ended before the case was approved "
                f"({approved:%H:%M:%S} UTC)")
    return None


DATASET = declare(
    dgroup="miso_coordinated_transaction_scheduling",
    endpoint="CoordinatedTransactionScheduling",
    cadence=QUARTER,
    description="MISO-PJM coordinated transaction scheduling: PJM's forecast interface LMP "
                "per approved case and quarter hour (the day so far).",
    as_of="RefId",
    wire=Wire(rows=(Rows(
        "Interval",
        (Field("CASEAPPROVALDATE", TIME, "case_approved", "UTC",
               "CASEAPPROVALDATE: when PJM approved the case."),
         Field("SOLUTIONTIME", TIME),
         Field("PJMFORECASTEDLMP", NUMBER, "pjm_forecast_lmp", "$/MWh",
               "PJMFORECASTEDLMP: PJM's forecast LMP at the MISO interface.")),
        Interval("SOLUTIONTIME", "start", QUARTER,
                 "CTS schedules quarter hours, and a case's first SOLUTIONTIME is the "
                 "quarter hour running at its approval (11:30 PM for a case approved at "
                 "11:35:21 PM): a label that only makes sense as the interval's start."),
        tags={"interface": "PJM"},
        rules=(Rule("quarter hours", _quarter_hours),),
    ),)),
    tidy=Tidy(identity=("case_approved", "interval_start"), plot_series="interface",
              plot_values=("pjm_forecast_lmp",),
              columns=(Column("interface", "text", "", "The interface: PJM."),)),
)
__all__ = ["DATASET"]
