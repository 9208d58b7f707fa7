"""A toy dataset declaration for testing the shared machinery without MISO rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcollect.model import Dataset, Parameter, Snapshot, Verdict, Window


def _validate(payload: Any) -> Verdict:
    if isinstance(payload, dict) and type(payload.get("value")) is int:
        warnings = ("value is large",) if payload["value"] > 1000 else ()
        return Verdict("toy", warnings=warnings)
    return Verdict("toy", problems=(f"value must be an integer, got {payload!r:.40}",))


def _envelope(snapshot: Snapshot) -> dict[str, Any]:
    return {"collected": snapshot.collected_at.isoformat(), "payload": snapshot.payload}


TOY = Dataset(
    name="toy_feed",
    operator="toy",
    command="toy-feed",
    endpoint="Toy/Feed",
    cadence=timedelta(minutes=5),
    key_template="toy_feed/{t:%Y}/{t:%m}/toy_{t:%Y%m%d_%H%M%S}{suffix}.json.gz",
    envelope=_envelope,
    unwrap=lambda envelope: envelope["payload"],
    validator=_validate,
    retention=timedelta(days=2),
    description="A toy feed used by the tests.",
    window=Window("--start", "--end", "window"),
    parameters=(Parameter("zone", "zone", ("EAST", "WEST"), "zone"),),
    no_data_statuses=frozenset({404}),
    placeholder=lambda slot: {"no_data": True, "zone": slot.params.get("zone")},
    status_reasons={400: "invalid zone"},
)

NO_PLACEHOLDER = Dataset(
    **{
        **{f: getattr(TOY, f) for f in TOY.__dataclass_fields__},
        "name": "toy_strict",
        "no_data_statuses": frozenset(),
        "placeholder": None,
    }
)
