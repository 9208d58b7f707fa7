"""miso_generation_outages: the recorded +/- five days, validated rule by rule, tabulated
per outage day, keyed by the RefId's date; overlapping daily publications merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridcollect import datasets, keys

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE
from .rolling import exported, identities, store

NAME = "miso_generation_outages"
RECORDED = wire("GenerationOutages/GetGenerationOutagesPlusMinusFiveDays")
COLUMNS = {"Unplanned": "unplanned_mw", "Planned": "planned_mw", "Forced": "forced_mw",
           "Derated": "derated_mw"}


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "02-Oct-2026 - Interval 16:45 EST", "RefId: must be a date and a total"),
    (("RefId",), "31-Sep-2026 - Total Outage Megawatts: 1", "RefId: must be a date and a total"),
    (("Days",), DELETE, "missing required field 'Days'"),
    (("Days",), {}, "Days: must be a list"),
    (("Days", 1), 10689, "Days[1]: must be an object"),
    (("Days", 1, "Forced"), "lots", "Days[1].Forced: must be numeric"),
    (("Days", 1, "Planned"), None, "Days[1].Planned: must have a value"),
    (("Days", 1, "Derated"), DELETE, "Days[1]: missing required field 'Derated'"),
    (("Days", 1, "OutageDate"), "Sep-28", "Days[1].OutageDate: must be a time"),
    (("Days", 5, "Forced"), 10681,
     "Days[5]: RefId total: Unplanned + Planned + Forced + Derated = 54180 MW, not the "
     "RefId's total 54179"),
    (("Days", 1, "OutageMonthDay"), "Sep-29",
     "Days[1]: month day: OutageMonthDay 'Sep-29' is not OutageDate's Sep-28"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_table_holds_each_outage_day_as_recorded() -> None:
    """Eleven EST days, each 05:00-05:00 UTC, the four figures as sent."""
    rows = rows_of(NAME, RECORDED)
    assert [{c: r[c] for c in COLUMNS.values()} for r in rows] == [
        {column: float(day[field]) for field, column in COLUMNS.items()}
        for day in RECORDED["Days"]]
    assert (rows[0]["interval_start"], rows[0]["interval_end"]) == (
        utc(5, day=27, month=9), utc(5, day=28, month=9))
    assert rows[-1]["interval_start"] == utc(5, day=7)


def test_key_is_the_refid_date() -> None:
    """The RefId's date keys the publication: generation_outages_20261002."""
    dataset = datasets.get(NAME)
    assert dataset.as_of is not None
    assert keys.render(dataset.key_template, dataset.as_of(RECORDED), {}) == (
        "miso_generation_outages/year=2026/month=10/day=02/generation_outages_20261002.json.gz")


def _published(day: int, forced: int) -> dict[str, object]:
    """The publication of 2026-10-``day``: the window moved on, Oct-5's Forced revised."""
    days = [dict(d) for d in RECORDED["Days"]]
    shift = day - 2
    moved = days[shift:] + [{**days[-1], "OutageDate": f"2026-10-{8 + n:02d} 12:00:00 AM",
                             "OutageMonthDay": f"Oct-{8 + n}"} for n in range(shift)]
    for row in moved:
        if row["OutageMonthDay"] == "Oct-5":
            row["Forced"] = forced
    today = next(r for r in moved if r["OutageMonthDay"] == f"Oct-{day}")
    total = sum(int(today[k]) for k in COLUMNS)  # type: ignore[call-overload]
    return {"RefId": f"{day:02d}-Oct-2026 - Total Outage Megawatts: {total:,}", "Days": moved}


def test_overlapping_publications_export_one_row_per_day(tmp_path: Path) -> None:
    """Three daily publications (and a same-day revision): one row per outage day from the
    latest; the export of one day finds publications five days away (the table's span)."""
    second, third = _published(3, 9000), _published(4, 9500)
    revised = changed(third, ("Days", 1, "Forced"), 7000)
    assert all(verdict_of(NAME, p).ok for p in (second, third, revised))
    store(tmp_path, NAME, [RECORDED, second, third, revised])
    stored = sorted(p.name for p in tmp_path.rglob("*.json.gz"))
    assert stored == ["generation_outages_20261002.json.gz", "generation_outages_20261003.json.gz",
                      "generation_outages_20261004.json.gz",
                      "generation_outages_20261004_2.json.gz"]
    latest = exported(tmp_path, NAME, "2026-09-27", "2026-10-09", all_revisions=False)
    found = identities(NAME, latest)
    assert len(found) == len(set(found)) == 13
    by_day = {r["interval_start"]: r for r in latest}
    assert by_day[utc(5, day=5)]["forced_mw"] == 9500.0
    assert by_day[utc(5, day=30, month=9)]["forced_mw"] == 7000.0  # the same-day revision
    # Sep-27's only publication is keyed five days later; the span makes the export find it.
    alone = exported(tmp_path, NAME, "2026-09-27", "2026-09-27", all_revisions=False)
    assert [r["interval_start"] for r in alone] == [utc(5, day=27, month=9)]
    assert len(exported(tmp_path, NAME, "2026-09-27", "2026-10-09", all_revisions=True)) == 44
