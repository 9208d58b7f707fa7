"""Results: one row per measured figure (median, min, max over the runs) and its target."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .harness import summary

Check = Callable[[float], bool]


@dataclass
class Row:
    """One figure of one scenario."""

    scenario: str
    backends: str
    metric: str
    unit: str
    values: list[float]
    target: str = ""
    check: Check | None = field(default=None, repr=False)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def stats(self) -> dict[str, float]:
        return summary(self.values)

    @property
    def holds(self) -> bool | None:
        """Whether the target holds on the median (``None``: no target)."""
        return None if self.check is None else bool(self.check(self.stats["median"]))

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found.pop("check")
        return found | self.stats | {"holds": self.holds}


def _number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, ready to paste into bench/README.md."""
    head = ["scenario", "backends", "metric", "median", "min", "max", "target", "holds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        stats = row.stats
        holds = {True: "yes", False: "**no**", None: ""}[row.holds]
        cells = [row.scenario, row.backends, f"{row.metric} ({row.unit})",
                 *(_number(stats[k], row.unit) for k in ("median", "min", "max")),
                 row.target, holds]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(path: Path, rows: Sequence[Row], *, mode: str, repeats: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "repeats": repeats,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "platform": platform.platform()},
        "rows": [row.as_dict() for row in rows],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
