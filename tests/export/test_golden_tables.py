"""Golden rows of MISO's recorded wire responses (2026-10-02, around 16:45 EST)."""

from datetime import UTC, datetime, timedelta

from .support import tabulate, wire


def utc(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def by_series(rows):
    found = {}
    for row in rows:
        found.setdefault(row["series"], []).append(row)
    return found


def test_total_load_counts_one_row_per_series_and_interval():
    """24 cleared hours, 24 forecast hours and 202 five-minute loads; RefId 21:45 UTC."""
    rows, ref = tabulate("miso_realtime_total_load", wire("RealTimeTotalLoad"))
    assert {name: len(rs) for name, rs in by_series(rows).items()} == {
        "cleared_mw_hourly": 24, "forecast_mtlf_hourly": 24, "load_5min": 202}
    assert ref == utc(21, 45)


def test_total_load_five_minute_value_at_16_45_est_is_at_21_45_utc():
    """The recorded 16:45 five-minute load is 83808 MW, in the interval 21:45-21:50 UTC."""
    rows, _ref = tabulate("miso_realtime_total_load", wire("RealTimeTotalLoad"))
    [row] = [r for r in by_series(rows)["load_5min"] if r["interval_start"] == utc(21, 45)]
    assert row["mw"] == 83808.0 and isinstance(row["mw"], float)
    assert row["interval_end"] == utc(21, 50)
    assert row["interval_start_est"] == datetime(2026, 10, 2, 16, 45)
    first = by_series(rows)["load_5min"][0]
    assert (first["interval_start"], first["mw"]) == (utc(5, 0), 75757.0)


def test_total_load_hours_are_hour_ending_on_the_operating_day():
    """Wire hour "1" is 00:00-01:00 EST (05:00 UTC) and hour "24" ends at EST midnight."""
    rows, _ref = tabulate("miso_realtime_total_load", wire("RealTimeTotalLoad"))
    cleared = by_series(rows)["cleared_mw_hourly"]
    assert (cleared[0]["interval_start"], cleared[0]["interval_end"], cleared[0]["mw"]) == (
        utc(5), utc(6), 69704.0)
    assert (cleared[-1]["interval_start"], cleared[-1]["interval_end"], cleared[-1]["mw"]) == (
        utc(4, day=3), utc(5, day=3), 66049.0)
    forecast = by_series(rows)["forecast_mtlf_hourly"]
    assert (forecast[0]["interval_start"], forecast[0]["mw"]) == (utc(5), 72137.0)
    assert (forecast[-1]["interval_start"], forecast[-1]["mw"]) == (utc(4, day=3), 67976.0)


def test_csat_rows_run_from_point_to_point_15_then_30_then_60_minutes():
    """81 points; each interval ends at the next point; the last (23:00 EST) lasts an hour."""
    rows, ref = tabulate("miso_csat_supply_demand", wire("CsatSupplyDemand"))
    assert len(rows) == 81
    assert ref == utc(21, 45)  # the first forecast point: MISO's "now", as the load's RefId
    lengths = [row["interval_end"] - row["interval_start"] for row in rows]
    assert lengths[:74] == [timedelta(minutes=15)] * 74
    assert lengths[74:77] == [timedelta(minutes=30)] * 3
    assert lengths[77:] == [timedelta(hours=1)] * 4
    assert rows[-1]["interval_end"] == utc(5, day=3)


def test_csat_past_points_carry_actuals_and_future_points_forecasts():
    """Actual demand and committed capacity until 16:30 EST; forecasts from 16:45 EST."""
    rows, _ref = tabulate("miso_csat_supply_demand", wire("CsatSupplyDemand"))
    first, boundary = rows[0], rows[67]
    assert first["region"] == "MISO_TOTAL"
    assert (first["actual_demand_mw"], first["committed_capacity_mw"]) == (74202.0, 90245.0)
    assert first["forecast_demand_mw"] is None and first["available_capacity_mw"] is None
    assert boundary["interval_start"] == utc(21, 45)
    assert boundary["actual_demand_mw"] is None
    assert (boundary["forecast_demand_mw"], boundary["forecast_committed_capacity_mw"],
            boundary["available_capacity_mw"]) == (82822.0, 92433.0, 94714.0)


def test_csat_region_comes_from_the_envelope_when_the_wire_shape_has_none():
    """A SOUTH collection's wire rows are labelled SOUTH (the envelope's metadata)."""
    stored = {"metadata": {"region": "SOUTH"}}
    rows, _ref = tabulate("miso_csat_supply_demand", wire("CsatSupplyDemand"), stored)
    assert {row["region"] for row in rows} == {"SOUTH"}


def test_reserve_placeholder_none_none_yields_no_rows():
    """The recorded "nothing binding" answer (one None - None row) gives an empty table."""
    rows, _ref = tabulate("miso_binding_constraints_reserve", wire("BindingConstraints/Reserve"))
    assert rows == []


def test_reserve_rows_shaped_like_the_realtime_endpoint_become_numbers():
    """The sister endpoint's ten string rows: prices, overrides, curves, breakpoints typed."""
    rows, ref = tabulate("miso_binding_constraints_reserve", wire("BindingConstraints/RealTime"))
    assert len(rows) == 10 and ref == utc(21, 45)
    by_name = {row["name"]: row for row in rows}
    curve = by_name["NIP13X01_BARTONLK_B_NO_2_XFMR"]
    assert (curve["shadow_price"], curve["override"], curve["curve_type"]) == (
        -465.91, True, "PERCENT")
    breakpoints = (curve["bp1"], curve["pc1"], curve["bp2"], curve["pc2"])
    assert breakpoints == (100.0, 1000.0, 102.0, 2000.0)
    bare = by_name["Dearborn_Pierce_345_kV_l_o_Tanners_Creek_Miami_F"]
    assert (bare["shadow_price"], bare["override"], bare["curve_type"], bare["bp1"]) == (
        -85.3, None, None, None)
    assert by_name["LAKE_GEORGE_TOWER_ROAD_138_FLO_LAKE_GEORGE_BABCO"]["override"] is False
    # Period (16:45 EST) ends its interval, as for the real-time constraints.
    assert {(row["interval_start"], row["interval_end"]) for row in rows} == {
        (utc(21, 40), utc(21, 45))}
