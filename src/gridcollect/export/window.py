"""Which intervals an export asks for, and which stored keys can hold them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from .. import keys
from ..errors import ConfigurationError
from ..model import Dataset
from ..runs.schedule import parse_instant

# A snapshot describes its operating day (EST) and at most the next 24 hours, and is
# keyed by a time within that span, so rows of UTC day D sit in keys of days D-1 .. D+1.
# A table whose snapshots reach further (a two-day rolling window) declares its ``span``.
KEY_MARGIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Range:
    """Intervals whose start is in ``[start, stop)`` (UTC)."""

    start: datetime
    stop: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.stop


def parse_range(first: str, last: str | None = None) -> Range:
    """``first`` to ``last`` inclusive: a date means the whole UTC day, a date-time that
    instant. Without ``last`` the range ends with ``first``'s day."""
    start = parse_instant(first)
    end_text = last if last is not None else first[:10]
    stop = parse_instant(end_text)
    stop += timedelta(days=1) if _is_date(end_text) else timedelta(microseconds=1)
    if stop <= start:
        raise ConfigurationError(f"--to {end_text} is before --from {first}")
    return Range(start, stop)


def _is_date(text: str) -> bool:
    return len(text.strip()) == 10


def key_prefixes(dataset: Dataset, prefix: str, wanted: Range) -> list[str]:
    """The listing prefixes that cover every key which can hold rows of ``wanted``.

    One per day when the key template's folders name the day (all MISO datasets do);
    otherwise the dataset's whole folder.
    """
    template = dataset.key_template
    folder = template.rpartition("/")[0]
    static = template.split("{", 1)[0]
    fallback = [keys.join(prefix, static)]
    if "{suffix}" in folder or "{t" not in folder:
        return fallback
    margin = max(KEY_MARGIN, dataset.table.span) if dataset.table else KEY_MARGIN
    day = (wanted.start - margin).date()
    last = (wanted.stop - timedelta(microseconds=1) + margin).date()
    found: list[str] = []
    while day <= last:
        midnight = datetime.combine(day, time(), UTC)
        first = keys.render(folder, midnight, {})
        if keys.render(folder, midnight + timedelta(days=1, microseconds=-1), {}) != first:
            return fallback  # folders finer than a day: list the dataset's folder instead
        name = keys.join(prefix, first) + "/"
        if name not in found:
            found.append(name)
        day += timedelta(days=1)
    return found
