"""Generated wire-shape samples of the schema-declared MISO endpoints (fuel mix, prices,
constraints), for the demo and the tests. Same rules as :mod:`gridcollect.samples`:
deterministic per (publication interval, seed), plausible values, MISO's wire formats
(numbers as strings, EST labels); MISO documents no other shape for these endpoints.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

EST = timezone(timedelta(hours=-5), "EST")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _floor(now: datetime, minutes: int) -> datetime:
    since = now.hour * 60 + now.minute
    midnight = datetime.combine(now.date(), time(tzinfo=EST))
    return midnight + timedelta(minutes=since - since % minutes)


def _ref(t: datetime) -> str:
    """``02-Oct-2026 - Interval 16:45 EST``."""
    return f"{t.day:02d}-{_MONTHS[t.month - 1]}-{t.year} - Interval {t:%H:%M} EST"


def _twelve_hour(t: datetime) -> str:
    """``2026-10-02 4:45:00 PM``."""
    return f"{t:%Y-%m-%d} {(t.hour + 11) % 12 + 1}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


def _rng(kind: str, t: datetime, seed: int) -> random.Random:
    # A str seed is hashed with SHA-512 by random, so it is stable across processes.
    return random.Random(f"miso-{kind}|{t.isoformat()}|{seed}")


# -- fuel mix --------------------------------------------------------------------------

_FUELS = ("Coal", "Natural Gas", "Nuclear", "Wind", "Solar", "Battery Storage", "Other",
          "Imports")


def _fuel_mix_at(t: datetime, seed: int) -> dict[str, int]:
    """MW per fuel in the five-minute interval starting at ``t`` (EST)."""
    rng = _rng("fuel", t, seed)
    hour = t.hour + t.minute / 60
    sun = max(0.0, math.sin(math.pi * (hour - 6.5) / 12.5))
    return {
        "Coal": round(23000 + 3000 * rng.random()),
        "Natural Gas": round(22000 + 9000 * sun + 2000 * rng.random()),
        "Nuclear": round(9900 + 200 * rng.random()),
        "Wind": round(4000 + 9000 * rng.random()),
        "Solar": round(11000 * sun * (0.8 + 0.2 * rng.random())),
        "Battery Storage": round(300 * math.sin(math.pi * hour / 6) + 50 * rng.random()),
        "Other": round(1800 + 400 * rng.random()),
        "Imports": round(500 + 2500 * rng.random()),
    }


def _fuel_row(t: datetime, fuel: str, mw: int) -> dict[str, str]:
    gap = " " if fuel == "Imports" else "  "  # MISO's own spacing
    return {"INTERVALEST": _twelve_hour(t), "CATEGORY": fuel, "ACT": str(mw),
            "FUEL_CATEGORY": f"{fuel}{gap}({mw:,} MW)"}


def fuel_mix(now: datetime, seed: int) -> Any:
    """``FuelMix``: the current interval's categories and their total."""
    t = _floor(now, 5)
    mix = _fuel_mix_at(t, seed)
    return {"RefId": _ref(t), "TotalMW": str(sum(mix.values())),
            "Fuel": {"Type": [_fuel_row(t, fuel, mix[fuel]) for fuel in _FUELS]}}


def fuel_mix_today(now: datetime, seed: int) -> Any:
    """``FuelMix/Today``: every interval of the EST day so far; ``TotalMW`` is ``"0"``."""
    t = _floor(now, 5)
    midnight = datetime.combine(t.date(), time(tzinfo=EST))
    rows = []
    step = midnight
    while step <= t:
        mix = _fuel_mix_at(step, seed)
        rows += [_fuel_row(step, fuel, mix[fuel]) for fuel in sorted(_FUELS)]
        step += timedelta(minutes=5)
    return {"RefId": _ref(t), "TotalMW": "0", "Fuel": {"Type": rows}}


# -- binding constraints -----------------------------------------------------------------

_FACILITIES = ("Dearborn_Pierce_345_kV_l_o_Tanners_Creek", "LAKE_GEORGE_TOWER_ROAD_138_FLO",
               "Monroe_Lallendorf_345_KV_l_o_Sorenson", "NIP13X01_BARTONLK_B_NO_2_XFMR",
               "TMP141_SIOUX_CITY_KV1A_XFMR_FLO", "Tupelo_Tap_Tupelo_138_kV_ftlo_Pittsburg",
               "TMP221_Belfeld_230_345_KU2A_FTLO", "TMP728_NEBRCTY_SUB3456_345kV_ftlo")
_CURVES = (("", ("", "", "", "")), ("MW", ("0", "2000", "", "")),
           ("PERCENT", ("100", "1000", "102", "2000")))


def _naive(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _constraint(name: str, t: datetime, rng: random.Random) -> dict[str, str]:
    curve, points = rng.choice(_CURVES)
    override = rng.choice(("0", "0", "1")) if curve else ""
    row = {"Name": name, "Period": _naive(t), "Price": f"{-rng.uniform(5, 900):.2f}",
           "OVERRIDE": override, "CURVETYPE": curve}
    return row | dict(zip(("BP1", "PC1", "BP2", "PC2"), points, strict=True))


def binding_constraints_realtime(now: datetime, seed: int) -> Any:
    """``BindingConstraints/RealTime``: a few transmission constraints bind."""
    t = _floor(now, 5)
    rng = _rng("realtime-constraints", t, seed)
    names = sorted(rng.sample(_FACILITIES, rng.randint(1, 6)))
    return {"RefId": _ref(t), "Constraint": [_constraint(name, t, rng) for name in names]}


def binding_constraints_subregional(now: datetime, seed: int) -> Any:
    """``BindingConstraints/SubRegional``: mostly MISO's "nothing binding" placeholder."""
    t = _floor(now, 5)
    rng = _rng("subregional-constraints", t, seed)
    extra = {"BP3": "0", "PC3": "0", "BP4": "0", "PC4": "0"}
    if rng.random() < 2 / 3:
        row = {"REASON": "None", **extra, "Name": "None", "Period": _naive(t), "Price": "None",
               "OVERRIDE": "None", "CURVETYPE": "None", "BP1": "0", "PC1": "0", "BP2": "0",
               "PC2": "0"}
        return {"RefId": _ref(t), "Constraint": [row]}
    row = _constraint("RDT_NORTH_SOUTH_SUBREGIONAL", t, rng)
    return {"RefId": _ref(t), "Constraint": [{"REASON": "RDT limit", **extra, **row}]}


# -- prices ------------------------------------------------------------------------------

HUBS = ("ARKANSAS.HUB", "ILLINOIS.HUB", "INDIANA.HUB", "LOUISIANA.HUB", "MICHIGAN.HUB",
        "MINN.HUB", "MS.HUB", "TEXAS.HUB")
_NODES = (*HUBS, "AECI", "ALTE.ROCKGEN", "AMIL.RICHLAND", "CONS.CAMPBELL", "DECO.MONROE",
          "EES.WATERFORD", "MP.BOSWELL", "NSP.KING", "OTP.BIGSTONE", "WEC.OAKCREEK")
_EXPOST_ONLY = tuple(f"{zone}.NODE{n:02d}" for zone in ("AMIL", "CIN", "NIPS") for n in range(8))
_REGIONS = ("Midwest", "North", "South")


@dataclass(frozen=True)
class _Price:
    lmp: str
    mlc: str
    mcc: str


def _prices(kind: str, t: datetime, seed: int, nodes: tuple[str, ...]) -> dict[str, _Price]:
    """One system-wide energy price plus each node's loss and congestion, in cents, so
    that LMP = energy + MLC + MCC exactly, as in MISO's own files."""
    rng = _rng(kind, t, seed)
    hour = t.hour + t.minute / 60
    energy = round(2500 + 900 * math.sin(math.pi * (hour - 9) / 12) + rng.uniform(-200, 200))
    found = {}
    for node in nodes:
        node_rng = random.Random(f"{node}|{kind}|{t.isoformat()}|{seed}")
        mlc, mcc = round(node_rng.uniform(-300, 300)), round(node_rng.gauss(0, 250))
        found[node] = _Price(f"{(energy + mlc + mcc) / 100:.2f}", f"{mlc / 100:.2f}",
                             f"{mcc / 100:.2f}")
    return found


def _region(node: str) -> str:
    return _REGIONS[sum(map(ord, node)) % 3]


def _hour_ending(hour: int) -> str:
    return f"HE {hour or 24}"


def public_exante_lmp(now: datetime, seed: int) -> Any:
    """``MarketPricing/GetExAnteLmp``: the hubs' expected prices for the next interval."""
    t = _floor(now, 5)
    hubs = [{"name": hub, "LMP": p.lmp, "loss": p.mlc, "congestion": p.mcc}
            for hub, p in _prices("exante", t, seed, (*HUBS, "SWPP")).items()]
    return {"LMPData": {"RefId": _ref(t),
                        "ExAnteLMP": {"HourAndMin": f"{t:%H:%M}", "Hub": hubs}}}


def lmp_consolidated(now: datetime, seed: int) -> Any:
    """``MarketPricing/GetLmpConsolidatedTable``: four markets of the same nodes."""
    t = _floor(now, 5)
    asm = _asm_zone(t, seed, "rt")
    five = [{"name": n, "region": _region(n), "LMP": p.lmp, "MLC": p.mlc, "MCC": p.mcc,
             "REGMCP": asm[0], "REGMILEAGEMCP": "0.00", "SPINMCP": asm[1], "SUPPMCP": asm[2],
             "STRMCP": asm[3], "RCUPMCP": asm[7], "RCDOWNMCP": asm[8]}
            for n, p in _prices("rt5", t, seed, _NODES).items()]

    def hourly(kind: str, label: str) -> dict[str, Any]:
        rows = [{"name": n, "region": _region(n), "LMP": p.lmp, "MCC": p.mcc, "MLC": p.mlc}
                for n, p in _prices(kind, t.replace(minute=0), seed, _NODES).items()]
        return {"HourAndMin": label, "PricingNode": rows}

    return {"LMPData": {
        "RefId": _ref(t),
        "FiveMinLMP": {"HourAndMin": f"{t:%H:%M}", "PricingNode": five},
        "HourlyIntegratedLMP": hourly("rt-hourly", _hour_ending(t.hour)),
        "DayAheadExAnteLMP": hourly("da-exante", _hour_ending(t.hour + 1)),
        "DayAheadExPostLMP": hourly("da-expost", _hour_ending(t.hour + 1)),
    }}


def lmp_five_min_expost(now: datetime, seed: int) -> Any:
    """``MarketPricing/GetRealTimeFiveMinExPost/Current``: the consolidated table's
    five-minute prices (same nodes, same values) and more nodes, as header and arrays."""
    t = _floor(now, 5)
    prices = _prices("rt5", t, seed, _NODES) | _prices("rt5", t, seed, _EXPOST_ONLY)
    return {"headers": ["INTERVAL", "CPNODE", "LMP", "MLC", "MCC"],
            "data": [[_naive(t), n, p.lmp, p.mlc, p.mcc] for n, p in sorted(prices.items())]}


# -- ancillary services --------------------------------------------------------------------

_ASM_FIELDS = ("GenRegMCP", "GenSpinMCP", "GenSuppMCP", "StrMcp", "DemandRegMcp",
               "DemandSpinMcp", "DemandSuppMcp", "RcpUpMcp", "RcpDownMcp")


def _asm_zone(t: datetime, seed: int, market: str) -> tuple[str, ...]:
    """The nine products' prices (all zones alike, as usual at MISO)."""
    rng = _rng(f"asm-{market}", t, seed)
    reg, spin, supp = rng.uniform(5, 30), rng.uniform(0, 6), rng.uniform(0, 1.5)
    values = (reg, spin, supp, rng.uniform(0, 0.5), reg, spin, supp, rng.uniform(0, 5), 0.0)
    return tuple(f"{value:.2f}" for value in values)


def public_asm_mcp(now: datetime, seed: int) -> Any:
    """``MarketPricing/GetAncillaryServicesMcp``: eight zones, real time and day ahead."""
    t = _floor(now, 5)

    def zones(market: str, at: datetime) -> list[dict[str, str]]:
        prices = dict(zip(_ASM_FIELDS, _asm_zone(at, seed, market), strict=True))
        return [{"number": str(zone), **prices} for zone in range(1, 9)]

    return {"MCPData": {
        "RefId": _ref(t), "MktDay": f"{t:%m-%d-%Y}",
        "RealTimeMCP": {"HourAndMin": f"{t:%H:%M}", "Zone": zones("rt", t)},
        "DayAheadMCP": {"HourEnding": str(t.hour + 1), "Zone": zones("da", t.replace(minute=0))},
    }}


BUILDERS: dict[str, Callable[[datetime, int], Any]] = {
    "FuelMix": fuel_mix,
    "FuelMix/Today": fuel_mix_today,
    "BindingConstraints/RealTime": binding_constraints_realtime,
    "BindingConstraints/SubRegional": binding_constraints_subregional,
    "MarketPricing/GetExAnteLmp": public_exante_lmp,
    "MarketPricing/GetLmpConsolidatedTable": lmp_consolidated,
    "MarketPricing/GetRealTimeFiveMinExPost/Current": lmp_five_min_expost,
    "MarketPricing/GetAncillaryServicesMcp": public_asm_mcp,
}


# -- interchange and ACE (issue 14) ---------------------------------------------------

_NEIGHBOURS = ("AECI", "LGEE", "MHEB", "ONT", "PJM", "SOCO", "SPA", "SWPP", "TVA")


def _schedules(t: datetime, seed: int) -> dict[str, str]:
    """MW scheduled with each neighbour at ``t`` (imports negative) and MISO's net, which
    MISO reports on its own: close to the neighbours' sum, not equal to it."""
    rng = _rng("nsi", t.replace(minute=t.minute - t.minute % 15, second=0), seed)
    mw = {name: round(rng.uniform(-1800, 2200)) for name in _NEIGHBOURS}
    mw["MISO"] = sum(mw.values()) + round(rng.uniform(-120, 120))
    return {name: str(value) for name, value in mw.items()}


def _iso_est(t: datetime) -> str:
    return f"{t:%Y-%m-%d %H:%M:%S}"


def nsi(now: datetime, seed: int) -> Any:
    """``Interchange/GetNsi``: the schedule at the current minute."""
    t = _floor(now, 1)
    return {"instance": [{"timestamp": _iso_est(t), **_schedules(t, seed)}],
            "RefId": _ref(t), "MktDay": None}


def nsi_five_minute(now: datetime, seed: int) -> Any:
    """``Interchange/GetNsi/FiveMinute``: the last 549 five-minute intervals (~46 hours),
    each labelled by its end, under the current minute's RefId."""
    t = _floor(now, 1)
    last = _floor(now, 5)
    rows = [last - timedelta(minutes=5 * n) for n in range(548, -1, -1)]
    return {"instance": [{"timestamp": _iso_est(end), **_schedules(end, seed)} for end in rows],
            "RefId": _ref(t), "MktDay": None}


def nai(now: datetime, seed: int) -> Any:
    """``Interchange/GetNai``: MISO's net actual interchange, one ``TieFlow`` object."""
    t = _floor(now, 5)
    rng = _rng("nai", t, seed)
    return {"Date": _ref(t), "Actual": {"HourandMin": f"{t:%H:%M}", "TieFlow": {
        "Name": "MISO", "Value": f"{rng.uniform(-3000, 1500):.2f}"}}}


def ace(now: datetime, seed: int) -> Any:
    """``Ace``: two hours of 30-second values up to the current half minute."""
    t = _floor(now, 1) + timedelta(seconds=30 if now.second >= 30 else 0)
    instants = [t - timedelta(seconds=30 * n) for n in range(239, -1, -1)]
    return {"MktDay": f"{t:%m-%d-%Y}",
            "RefId": f"{t.day:02d}-{_MONTHS[t.month - 1]}-{t.year} - Interval "
                     f"{t:%H:%M:%S} EST",
            "ACE": [{"instantEST": _twelve_hour(i),
                     "value": f"{_rng('ace', i, seed).gauss(0, 180):.2f}"} for i in instants]}


# -- wind and solar, the headline figures, directional transfer ------------------------


def _wind_solar_at(start: datetime, seed: int) -> tuple[float, float]:
    """Wind and solar MW of the hour starting at ``start`` (EST)."""
    rng = _rng("wind-solar", start, seed)
    hour = start.hour + 0.5
    sun = max(0.0, math.sin(math.pi * (hour - 6.5) / 12.5))
    return 4000 + 9000 * rng.random(), 12000 * sun * (0.8 + 0.2 * rng.random()) - 50 * (sun == 0)


def wind_solar(now: datetime, seed: int) -> Any:
    """``WindSolar/GetCombined``: the market day and the next, hour by hour; actuals for
    the hours over at the current hour, ``null`` after."""
    t = _floor(now, 60)
    midnight = datetime.combine(t.date(), time(tzinfo=EST))
    rows = []
    for n in range(48):
        start = midnight + timedelta(hours=n)
        wind, solar = _wind_solar_at(start, seed)
        over = start + timedelta(hours=1) <= t
        actual = _wind_solar_at(start, seed + 1) if over else None
        rows.append({
            "ForecastDateTimeEST": _twelve_hour(start),
            "ForecastHourEndingEST": str(start.hour + 1),
            "ForecastWindValue": f"{wind:.2f}", "ForecastSolarValue": f"{max(solar, 0):.2f}",
            "ActualDateTimeEST": _twelve_hour(start) if actual else None,
            "ActualHourEndingEST": str(start.hour + 1) if actual else None,
            "ActualWindValue": f"{actual[0]:.2f}" if actual else None,
            "ActualSolarValue": f"{actual[1]:.2f}" if actual else None})
    return {"instance": rows, "RefId": _ref(t), "MktDay": f"{t:%m-%d-%Y}"}


def snapshot(now: datetime, seed: int) -> Any:
    """``Snapshot``: four headline figures as formatted strings, each with its own time."""
    t = _floor(now, 5)
    rng = _rng("snapshot", t, seed)
    midnight = datetime.combine(t.date(), time(tzinfo=EST))
    demand = round(sum(_fuel_mix_at(t, seed).values()))
    nsi_at = t - timedelta(minutes=2)

    def stamp(moment: datetime) -> str:
        return f"{moment:%m/%d/%Y} {_twelve_hour(moment).split(' ', 1)[1]} EST"

    return [
        {"t": "Forecasted Peak Demand (MW)", "v": f"{demand + 4000:,}", "d": stamp(midnight),
         "id": "0"},
        {"t": "Current Demand (MW)", "v": f"{demand:,}", "d": stamp(t), "id": "1"},
        {"t": "Marginal Energy Cost ($/MWh)", "v": f"${rng.uniform(15, 60):.2f}",
         "d": stamp(t), "id": "2"},
        {"t": "Scheduled Imports (-) / Exports (+) (MW)",
         "v": f"{int(_schedules(nsi_at, seed)['MISO']):,}", "d": stamp(nsi_at), "id": "3"},
    ]


def regional_directional_transfer(now: datetime, seed: int) -> Any:
    """``RegionalDirectionalTransfer``: the last day of five-minute instants."""
    t = _floor(now, 5)
    rows = []
    for n in range(288, -1, -1):
        at = t - timedelta(minutes=5 * n)
        rng = _rng("rdt", at, seed)
        raw = round(rng.uniform(-1500, 2400))
        rows.append({"instantEST": f"{at:%Y-%m-%d %I:%M:%S %p}",  # zero-padded hour here
                     "NORTH_SOUTH_LIMIT": "-3000", "SOUTH_NORTH_LIMIT": "2500",
                     "RAW_MW": str(raw), "UDSFLOW_MW": str(min(raw, 2125))})
    return {"RefId": _ref(t), "Interval": rows}


# -- outages, the daily reserve requirement, RSG commitments, CTS -----------------------


def generation_outages(now: datetime, seed: int) -> Any:
    """``GenerationOutages/GetGenerationOutagesPlusMinusFiveDays``: today +/- five days;
    the RefId names today and its total."""
    today = datetime.combine(now.date(), time(tzinfo=EST))
    days: list[dict[str, Any]] = []
    total = 0
    for n in range(-5, 6):
        day = today + timedelta(days=n)
        rng = _rng("outages", day, seed)
        mw = {"Unplanned": rng.randint(9000, 15000), "Planned": rng.randint(19000, 26000),
              "Forced": rng.randint(8000, 15000), "Derated": rng.randint(7000, 12000)}
        days.append({"OutageDate": _twelve_hour(day), "OutageMonthDay": f"{day:%b}-{day.day}",
                     **mw})
        total = sum(mw.values()) if n == 0 else total
    ref = f"{today.day:02d}-{_MONTHS[today.month - 1]}-{today.year} - Total Outage Megawatts: "
    return {"RefId": f"{ref}{total:,}", "Days": days}


def csat_nextday_str(now: datetime, seed: int) -> Any:
    """``CsatNextDayShortTermReserveRequirement``: made at 07:06:10 EST (yesterday's before
    then), for each region's peak hour of the next day."""
    made = datetime.combine(now.date(), time(7, 6, 10, tzinfo=EST))
    if now < made:
        made -= timedelta(days=1)
    rng = _rng("str", made, seed)
    peak = made.date() + timedelta(days=1)
    return [{"forecastPeakHourEst": f"{peak}T{hour:02d}:00:00", "region": region,
             "forecastCreatedTime": f"{made:%Y-%m-%dT%H:%M:%S}",
             "strReq": rng.choice((0, 0, 250, 500)), "strOverwrite": 0}
            for region, hour in (("South", 13), ("North/Central", 18), ("Systemwide", 18))]


def rsg_commitments(now: datetime, seed: int) -> Any:
    """``RealTimeRSGCommitments``: most intervals commit nothing (MISO's placeholder row)."""
    t = _floor(now, 5)
    rng = _rng("rsg", t, seed)
    row = {"MKT_INT_END_EST": _twelve_hour(t), "COMMIT_REASON": "None",
           "TOTAL_ECON_MAX": "0.00", "NUM_RESOURCES": "None"}
    if rng.random() < 0.3:
        row.update({"COMMIT_REASON": rng.choice(("VLR", "Capacity", "Transmission")),
                    "TOTAL_ECON_MAX": f"{rng.uniform(50, 900):.2f}",
                    "NUM_RESOURCES": str(rng.randint(1, 4))})
    return {"Commitment": [row], "RefId": _ref(t), "MktDay": ""}


def coordinated_transaction_scheduling(now: datetime, seed: int) -> Any:
    """``CoordinatedTransactionScheduling``: every case of the EST day so far (one each
    quarter hour, approved a few minutes in), newest first, ten quarter hours each."""
    t = _floor(now, 15)
    midnight = datetime.combine(t.date(), time(tzinfo=EST))
    rows = []
    quarter = t
    while quarter >= midnight:
        approved = quarter + timedelta(minutes=4, seconds=52)
        if approved <= now:
            rng = _rng("cts", quarter, seed)
            rows += [{"CASEAPPROVALDATE": _twelve_hour(approved),
                      "SOLUTIONTIME": _twelve_hour(quarter + timedelta(minutes=15 * n)),
                      "PJMFORECASTEDLMP": f"{rng.uniform(18, 45):.2f}"} for n in range(10)]
        quarter -= timedelta(minutes=15)
    return {"RefId": _ref(t), "Interval": rows}


BUILDERS.update({
    "Interchange/GetNsi": nsi,
    "Interchange/GetNsi/FiveMinute": nsi_five_minute,
    "Interchange/GetNai": nai,
    "Ace": ace,
    "WindSolar/GetCombined": wind_solar,
    "Snapshot": snapshot,
    "RegionalDirectionalTransfer": regional_directional_transfer,
    "GenerationOutages/GetGenerationOutagesPlusMinusFiveDays": generation_outages,
    "CsatNextDayShortTermReserveRequirement": csat_nextday_str,
    "RealTimeRSGCommitments": rsg_commitments,
    "CoordinatedTransactionScheduling": coordinated_transaction_scheduling,
})
