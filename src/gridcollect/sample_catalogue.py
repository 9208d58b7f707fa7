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
