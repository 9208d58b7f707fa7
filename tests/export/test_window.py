"""Export ranges, and the listing prefixes that narrow reading to the days that matter."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gridcollect import datasets
from gridcollect.errors import ConfigurationError
from gridcollect.export import Range, key_prefixes, parse_range


def test_a_date_means_the_whole_utc_day_and_to_defaults_to_from():
    """--from D alone is one day; --to D is inclusive of that whole day."""
    assert parse_range("2026-10-02") == Range(datetime(2026, 10, 2, tzinfo=UTC),
                                              datetime(2026, 10, 3, tzinfo=UTC))
    assert parse_range("2026-10-02", "2026-10-04").stop == datetime(2026, 10, 5, tzinfo=UTC)


def test_a_datetime_bound_is_that_instant_inclusive():
    """--to T keeps an interval starting exactly at T."""
    wanted = parse_range("2026-10-02T10:00:00", "2026-10-02T11:00:00")
    assert datetime(2026, 10, 2, 11, tzinfo=UTC) in wanted
    assert datetime(2026, 10, 2, 11, 5, tzinfo=UTC) not in wanted
    assert datetime(2026, 10, 2, 9, 55, tzinfo=UTC) not in wanted


@pytest.mark.parametrize(("first", "last"), [("2026-10-03", "2026-10-02"), ("nope", None)])
def test_bad_ranges_are_usage_errors(first, last):
    """An end before the start, or no date at all, is refused with a clear message."""
    with pytest.raises(ConfigurationError):
        parse_range(first, last)


@pytest.mark.parametrize(("name", "folder"), [
    ("miso_realtime_total_load", "sourcing/miso_realtime_total_load/2026/10/{:02d}/"),
    ("miso_csat_supply_demand",
     "sourcing/miso_csat_supply_demand/year=2026/month=10/day={:02d}/"),
    ("miso_binding_constraints_reserve",
     "sourcing/miso_binding_constraints_reserve/2026-10-{:02d}/"),
])
def test_listing_covers_the_range_and_a_day_either_side(name, folder):
    """Keys carry their as-of instant's day: a two-day export lists four day folders."""
    prefixes = key_prefixes(datasets.get(name), "sourcing", parse_range("2026-10-02",
                                                                        "2026-10-03"))
    assert prefixes == [folder.format(day) for day in (1, 2, 3, 4)]


def test_templates_without_day_folders_list_the_dataset_folder():
    """A layout whose folders change within a day cannot be narrowed: list it all."""
    hourly = replace(datasets.get("miso_realtime_total_load"),
                     key_template="load/{t:%Y%m%d%H}/x_{t:%M}.json.gz")
    assert key_prefixes(hourly, "p", parse_range("2026-10-02")) == ["p/load/"]
