"""Every schema-declared dataset end to end on its recorded answer: the real command
collects it through the replay server into its documented key, the export's values are
the recorded JSON's, and the plot writes a PNG. Hypothesis varies the recordings: any
variant gets a verdict, never an exception."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcollect import datasets
from gridcollect.datasets.schema import Schema, lookup, read, schema_of
from gridcollect.export import ReadStats, export, parse_range, read_table
from gridcollect.export.plot import plot_day
from gridcollect.replay import ReplayServer, Reply
from gridcollect.stores.local import LocalStore

from ...e2e.cli import run_cli
from .examples import WIRE

# dataset -> (recorded file, key of its snapshot under the default prefix)
CASES = {
    "miso_fuel_mix": ("FuelMix", "miso_fuel_mix/year=2026/month=10/day=02/"
                                 "fuel_mix_20261002_2145.json.gz"),
    "miso_fuel_mix_today": ("FuelMix/Today", "miso_fuel_mix_today/year=2026/month=10/day=02/"
                                             "fuel_mix_today_20261002_2145.json.gz"),
    "miso_binding_constraints_realtime": (
        "BindingConstraints/RealTime",
        "miso_binding_constraints_realtime/year=2026/month=10/day=02/"
        "binding_constraints_realtime_20261002_2145.json.gz"),
    "miso_binding_constraints_subregional": (
        "BindingConstraints/SubRegional",
        "miso_binding_constraints_subregional/year=2026/month=10/day=02/"
        "binding_constraints_subregional_20261002_2130.json.gz"),
    "miso_public_exante_lmp": (
        "MarketPricing/GetExAnteLmp",
        "miso_public_exante_lmp/year=2026/month=10/day=02/public_exante_lmp_20261002_2150.json.gz"),
    "miso_lmp_consolidated": (
        "MarketPricing/GetLmpConsolidatedTable",
        "miso_lmp_consolidated/year=2026/month=10/day=02/lmp_consolidated_20261002_2150.json.gz"),
    "miso_lmp_five_min_expost": (
        "MarketPricing/GetRealTimeFiveMinExPost/Current",
        "miso_lmp_five_min_expost/year=2026/month=10/day=02/"
        "lmp_five_min_expost_20261002_2150.json.gz"),
    # Validated by hand (two shapes), tabulated by its declaration; its own key layout.
    "miso_binding_constraints_reserve": (
        "BindingConstraints/Reserve",
        "miso_binding_constraints_reserve/2026-10-02/binding_constraints_reserve_20261002_2130.json.gz"),
    "miso_public_asm_mcp": (
        "MarketPricing/GetAncillaryServicesMcp",
        "miso_public_asm_mcp/year=2026/month=10/day=02/public_asm_mcp_20261002_2145.json.gz"),
    "miso_nsi": ("Interchange/GetNsi", "miso_nsi/year=2026/month=10/day=02/"
                                       "nsi_20261002_2148.json.gz"),
    "miso_nsi_five_minute": ("Interchange/GetNsi/FiveMinute",
                             "miso_nsi_five_minute/year=2026/month=10/day=02/"
                             "nsi_five_minute_20261002_2148.json.gz"),
    "miso_net_actual_interchange": ("Interchange/GetNai",
                                    "miso_net_actual_interchange/year=2026/month=10/day=02/"
                                    "net_actual_interchange_20261002_2130.json.gz"),
    "miso_ace": ("Ace", "miso_ace/year=2026/month=10/day=02/ace_20261002_213300.json.gz"),
    "miso_wind_solar": ("WindSolar/GetCombined", "miso_wind_solar/year=2026/month=10/day=02/"
                                                 "wind_solar_20261002_2100.json.gz"),
    "miso_snapshot": ("Snapshot", "miso_snapshot/year=2026/month=10/day=02/"
                                  "snapshot_20261002_2145.json.gz"),
    "miso_generation_outages": (
        "GenerationOutages/GetGenerationOutagesPlusMinusFiveDays",
        "miso_generation_outages/year=2026/month=10/day=02/generation_outages_20261002.json.gz"),
    "miso_csat_nextday_str": (
        "CsatNextDayShortTermReserveRequirement",
        "miso_csat_nextday_str/year=2026/month=10/day=02/csat_nextday_str_20261002.json.gz"),
    "miso_rsg_commitments": (
        "RealTimeRSGCommitments",
        "miso_rsg_commitments/year=2026/month=10/day=03/rsg_commitments_20261003_0445.json.gz"),
    "miso_coordinated_transaction_scheduling": (
        "CoordinatedTransactionScheduling",
        "miso_coordinated_transaction_scheduling/year=2026/month=10/day=03/"
        "coordinated_transaction_scheduling_20261003_0430.json.gz"),
    "miso_regional_directional_transfer": (
        "RegionalDirectionalTransfer", "miso_regional_directional_transfer/year=2026/month=10/"
                                       "day=02/regional_directional_transfer_20261002_2135.json.gz"),
}
# Recordings whose every row is MISO's "nothing to report" placeholder: valid, stored,
# and no table rows.
NOTHING_TO_REPORT = {"miso_binding_constraints_subregional", "miso_rsg_commitments",
                     "miso_binding_constraints_reserve"}
# Every recorded interval: rolling windows reach back two days, the outage feed +/- five.
SPAN = ("2026-09-25", "2026-10-09")


def _schema(name: str) -> Schema:
    schema = schema_of(datasets.get(name))
    assert schema is not None
    return schema


def _recorded_cells(name: str, payload: Any) -> list[dict[str, Any]]:
    """Each wire row's declared column values, read straight from the JSON."""
    schema = _schema(name)
    cells = []
    for spec in schema.wire.rows:
        found = lookup(payload, spec.path)
        holder = found if spec.single else lookup(payload, spec.path.rpartition(".")[0])
        header = holder[spec.header] if spec.header else None
        lone = spec.single or (spec.one_or_many and isinstance(found, dict))
        for raw in [found] if lone else found:
            row = dict(zip(header, raw, strict=True)) if header else raw
            if spec.wrapper and list(row) == [spec.wrapper]:
                row = row[spec.wrapper]
            if spec.placeholder and all(row.get(k) in v for k, v in spec.placeholder.items()):
                continue
            source = {**{f.name: holder.get(f.name) for f in spec.context}, **row}
            found_cells = {**spec.tags, **{f.column: read(f.kind, source.get(f.name))
                                           for f in (*spec.context, *spec.fields) if f.column}}
            if spec.melt is None:
                cells.append(found_cells)
                continue
            kinds = {f.name: f.kind for f in spec.fields}
            cells += [{**found_cells, spec.melt.series.name: label,
                       spec.melt.value.name: read(kinds[field], source[field])}
                      for field, label in spec.melt.fields.items()]
    return cells


@pytest.mark.parametrize("name", sorted(CASES))
def test_recorded_answer_is_valid_without_a_warning(name: str) -> None:
    """Each recording of MISO's real answer passes its dataset's wire shape, warning-free."""
    fixture, _key = CASES[name]
    verdict = datasets.get(name).validator(json.loads((WIRE / f"{fixture}.json").read_bytes()))
    assert (verdict.shape, verdict.problems, verdict.warnings) == ("wire", (), ())


@pytest.mark.parametrize("name", sorted(CASES))
def test_recorded_answer_collects_exports_and_plots(name: str, tmp_path: Path) -> None:
    """gridcollect miso COMMAND stores the recording under its key; export equals the JSON."""
    dataset = datasets.get(name)
    fixture, key = CASES[name]
    body = (WIRE / f"{fixture}.json").read_bytes()
    with ReplayServer({f"/{dataset.endpoint}": Reply(body=body)}) as miso:
        result = run_cli("miso", dataset.command, "--output-dir", str(tmp_path),
                         "--api-base-url", miso.url)
    assert result.code == 0, result.stderr
    assert result.summary["stored"] == [f"sourcing/{key}"]
    stored = json.loads(gzip.decompress((tmp_path / "sourcing" / key).read_bytes()))
    assert dataset.unwrap(stored) == json.loads(body)

    store = LocalStore(tmp_path)
    output = tmp_path / "out.parquet"
    report = export(dataset, store, "sourcing", parse_range(*SPAN), output=output,
                    fmt="parquet", all_revisions=True)
    assert report.stats.unreadable == [] and report.stats.skipped_values == 0
    import pyarrow.parquet as pq

    exported = pq.read_table(output).to_pylist()
    expected = _recorded_cells(name, json.loads(body))
    assert len(exported) == len(expected)
    assert expected or name in NOTHING_TO_REPORT
    for row, cells in zip(exported, expected, strict=True):
        assert {column: row[column] for column in cells} == cells
    if not exported:
        return

    day = min(row["interval_start"] for row in exported).date().isoformat()
    rows = read_table(dataset, store, "sourcing", parse_range(day), stats=ReadStats())
    png = tmp_path / "plot.png"
    assert plot_day(dataset, rows, png, name) > 0
    assert png.read_bytes().startswith(b"\x89PNG")


VARIANT_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
    st.sampled_from(["", "None", "0", "1", "HE 25", "25:00", "2026-10-02 13:00:00 PM",
                     "02-Oct-2026 - Interval 16:45 EST", "1,23"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.none(),
                                                         max_size=2),
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            found += _places(value, (*path, index))
    return found


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_variant_of_the_recording_gets_a_verdict(name: str, data: st.DataObject) -> None:
    """Replacing or deleting values anywhere never makes the validator raise; the
    tabulator then gives rows or notes skips, never an unexpected exception."""
    payload = json.loads((WIRE / f"{CASES[name][0]}.json").read_bytes())
    for _ in range(data.draw(st.integers(1, 3))):
        places = _places(payload)
        path = data.draw(st.sampled_from(places))
        value = data.draw(VARIANT_VALUES)
        if not path:
            payload = value
            continue
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(value)
    dataset = datasets.get(name)
    verdict = dataset.validator(payload)
    assert not any(text.startswith("validator error") for text in verdict.problems), verdict
    if verdict.ok:
        from gridcollect.model import TableContext

        assert dataset.table is not None
        list(dataset.table.rows(payload, TableContext("k", None)))
