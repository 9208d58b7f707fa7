"""Both payload shapes feed the same tables: same columns, typed values, same placement."""

from datetime import UTC, datetime

import pytest

from gridcollect import datasets
from gridcollect.model import TableContext
from gridcollect.samples import sample

from .support import ENDPOINTS, tabulate

AT = datetime(2025, 12, 5, 17, 37, tzinfo=UTC)
PYTHON_TYPES = {"time": datetime, "market_time": datetime, "number": float, "text": str,
                "flag": bool}


@pytest.mark.parametrize("shape", ["documented", "wire"])
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_every_row_has_exactly_the_declared_columns_with_typed_values(name, shape):
    """Rows of either shape carry every declared column; numbers are floats, never strings."""
    table = datasets.get(name).table
    # Seed 1 draws binding reserve constraints at this instant (seed 0 draws none).
    rows, ref = tabulate(name, sample(ENDPOINTS[name], shape, AT, seed=1))
    assert rows and ref is not None
    for row in rows:
        assert list(row) == [column.name for column in table.columns]
        for column in table.columns:
            value = row[column.name]
            assert value is None or type(value) is PYTHON_TYPES[column.kind], (column, value)
        assert row["interval_start"].tzinfo is not None
        assert row["interval_start_est"].tzinfo is None


@pytest.mark.parametrize("series", ["load_5min", "cleared_mw_hourly"])
def test_total_load_shapes_place_the_same_values_on_the_same_intervals(series):
    """Documented "12:00" hour-beginning labels and wire "13" hour-ending ones agree."""
    documented, _ = tabulate("miso_realtime_total_load", sample("RealTimeTotalLoad",
                                                                "documented", AT))
    wire, _ = tabulate("miso_realtime_total_load", sample("RealTimeTotalLoad", "wire", AT))

    def pick(rows):
        return {(r["interval_start"], r["interval_end"]): r["mw"] for r in rows
                if r["series"] == series}

    assert pick(documented) == pick(wire)
    assert len(pick(wire)) > 20


def test_documented_forecast_covers_the_24_hours_after_refid():
    """Documented forecast hours wrap past midnight; they overlap the wire's where both exist."""
    documented, ref = tabulate("miso_realtime_total_load",
                               sample("RealTimeTotalLoad", "documented", AT))
    forecast = sorted(r["interval_start"] for r in documented
                      if r["series"] == "forecast_mtlf_hourly")
    assert forecast[0] == datetime(2025, 12, 5, 17, tzinfo=UTC)  # the hour holding RefId
    assert forecast[-1] == datetime(2025, 12, 6, 16, tzinfo=UTC)
    assert ref == datetime(2025, 12, 5, 17, 35, tzinfo=UTC)


def load_with(rows_key, rows, ref="2026-10-02T12:10:00-05:00"):
    return {"RefId": ref, "ClearedMW": [], "MediumTermLoadForecast": [], "FiveMinTotalLoad": [],
            rows_key: rows}


@pytest.mark.parametrize(("row", "start_hour_est"), [
    ({"Hour": "3", "Value": 1}, 2),            # a bare number is an hour ending
    ({"HE": 3, "Value": 1}, 2),
    ({"Hour_Ending": "03:00", "Value": 1}, 2),  # the name says ending
    ({"Hour": "03:00", "Value": 1}, 3),        # a clock under a plain name begins the hour
    ({"HourBeginning": "3", "Value": 1}, 3),   # the name says beginning
    ({"Hour": "HE 24", "Value": 1}, 23),
])
def test_cleared_hour_labels_are_read_by_their_name_and_form(row, start_hour_est):
    """Renamed hour columns and label forms all land on the right EST hour."""
    rows, _ = tabulate("miso_realtime_total_load", load_with("ClearedMW", [row]))
    assert rows[0]["interval_start_est"] == datetime(2026, 10, 2, start_hour_est)


def test_row_times_are_read_on_refid_s_own_clock():
    """A RefId in UTC (the spec's example) puts clock-only row times on UTC, not EST."""
    payload = load_with("FiveMinTotalLoad", [{"Time": "12:05:00", "Value": "1,234"}],
                        ref="2025-12-05T12:35:00Z")
    rows, _ = tabulate("miso_realtime_total_load", payload)
    assert rows[0]["interval_start"] == datetime(2025, 12, 5, 12, 5, tzinfo=UTC)
    assert rows[0]["mw"] == 1234.0


def test_five_minute_times_after_refid_belong_to_the_day_before():
    """Just after midnight, a 23:55 load is yesterday's: actuals are never in the future."""
    payload = load_with("FiveMinTotalLoad", [{"Time": "23:55", "Value": 5}],
                        ref="03-Oct-2026 - Interval 00:05 EST")
    rows, _ = tabulate("miso_realtime_total_load", payload)
    assert rows[0]["interval_start_est"] == datetime(2026, 10, 2, 23, 55)


def test_a_row_that_cannot_be_placed_is_skipped_and_noted():
    """An unreadable hour or value costs its row only, and the reason is kept."""
    table = datasets.get("miso_realtime_total_load").table
    payload = load_with("ClearedMW", [{"Hour": "noon", "Value": 1}, {"Hour": "4", "Value": "x"},
                                      {"Hour": "5", "Value": 2}])
    context = TableContext("k.json.gz", None)
    rows = list(table.rows(payload, context))
    assert [row["mw"] for row in rows] == [2.0]
    assert len(context.skipped) == 2 and "ClearedMW[0]" in context.skipped[0]


def test_documented_csat_is_one_row_per_snapshot_at_its_timestamp():
    """The documented shape's five measures share one 15-minute interval and its region."""
    rows, ref = tabulate("miso_csat_supply_demand", sample("CsatSupplyDemand", "documented", AT))
    [row] = rows
    assert row["interval_start"] == ref == datetime(2025, 12, 5, 17, 30, tzinfo=UTC)
    assert row["interval_end"] == datetime(2025, 12, 5, 17, 45, tzinfo=UTC)
    assert row["available_capacity_mw"] == row["committed_capacity_mw"] - row["actual_demand_mw"]
    assert row["region"] == "MISO_TOTAL"


def test_csat_no_data_placeholder_has_no_rows():
    """What we store for MISO's 404 yields nothing."""
    placeholder = {"status": "no_data", "message": "no data available", "region": "SOUTH"}
    assert tabulate("miso_csat_supply_demand", placeholder) == ([], None)


def test_reserve_documented_fields_fill_their_columns_and_wire_leaves_them_empty():
    """ReserveType, Direction and Quantity exist only in the documented shape."""
    documented, _ = tabulate("miso_binding_constraints_reserve",
                             sample("BindingConstraints/Reserve", "documented", AT, seed=1))
    wire, _ = tabulate("miso_binding_constraints_reserve",
                       sample("BindingConstraints/Reserve", "wire", AT, seed=1))
    assert [r["name"] for r in documented] == [r["name"] for r in wire]
    assert [r["shadow_price"] for r in documented] == [r["shadow_price"] for r in wire]
    assert all(r["reserve_type"] and r["quantity_mw"] > 0 for r in documented)
    assert all(r["reserve_type"] is None and r["quantity_mw"] is None for r in wire)
