"""A quick look at one day: the dataset's plotted columns against time, as a PNG."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..model import Dataset
from .engine import table_of
from .files import replaced


def image_formats() -> tuple[str, ...]:
    """The file formats matplotlib can write here (png, svg, pdf, jpg...), by extension."""
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return tuple(FigureCanvasAgg.get_supported_filetypes())


def plot_day(dataset: Dataset, rows: Any, output: Path, title: str, fmt: str = "png") -> int:
    """Draw each (series, value column) of ``rows`` (an Arrow table) as a step line into
    ``output`` (in the image format ``fmt``); return how many lines were drawn."""
    _matplotlib()
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    table = table_of(dataset)
    lines: dict[str, list[tuple[datetime, datetime, float]]] = defaultdict(list)
    for row in rows.to_pylist():
        if table.plot_filter is not None and not table.plot_filter(row):
            continue
        for column in table.plot_values:
            if row[column] is not None:
                label = row[table.plot_series]
                if len(table.plot_values) > 1:
                    label = f"{label} · {column}"
                lines[label].append((row["interval_start"], row["interval_end"], row[column]))
    units = {c.unit for c in table.columns if c.name in table.plot_values}
    figure, axes = plt.subplots(figsize=(12, 6), dpi=100)
    try:
        for label in sorted(lines):
            points = sorted(lines[label])
            # Steps start at each interval; the last one is drawn on to its end.
            times = [start for start, _end, _value in points] + [points[-1][1]]
            values = [value for _start, _end, value in points] + [points[-1][2]]
            # matplotlib plots datetimes through its unit converters; its stubs say floats.
            axes.plot(times, values, label=label, drawstyle="steps-post",  # type: ignore[arg-type]
                      linewidth=1.2)
        axes.set_title(title)
        axes.set_xlabel("interval start (UTC)")
        axes.set_ylabel(", ".join(sorted(units)) or "value")
        axes.xaxis.set_major_formatter(
            mdates.DateFormatter("%H:%M", tz="UTC"))  # type: ignore[no-untyped-call]
        axes.grid(True, alpha=0.3)
        if lines:
            axes.legend(fontsize="small" if len(lines) <= 12 else "x-small", loc="best",
                        ncol=1 if len(lines) <= 12 else 2)
        figure.autofmt_xdate()
        with replaced(output) as temporary:
            figure.savefig(temporary, format=fmt)
    finally:
        plt.close(figure)
    return len(lines)


def _matplotlib() -> None:
    try:
        import matplotlib
    except ImportError:
        raise ConfigurationError(
            "plot needs matplotlib: pip install 'gridcollect[analysis]'"
        ) from None
    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
