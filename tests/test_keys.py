"""Key templates: filled for an instant, refused when unsafe."""

from datetime import UTC, datetime

import pytest

from gridcollect import keys
from gridcollect.errors import ConfigurationError

WHEN = datetime(2025, 12, 5, 10, 0, tzinfo=UTC)


def test_template_fills_time_fields_and_parameter_suffix():
    """``{t:...}`` formats the instant and ``{suffix}`` adds lower-cased parameters."""
    key = keys.render("d/{t:%Y}/x_{t:%Y%m%dT%H%M%SZ}{suffix}.json.gz", WHEN, {"region": "SOUTH"})
    assert key == "d/2025/x_20251205T100000Z_south.json.gz"


@pytest.mark.parametrize(
    "template",
    ["d/{when}.json.gz", "/abs/{t:%Y}.json.gz", "d/../{t:%Y}.json.gz", "d/{t:%Y}.json",
     "d//{t:%Y}.json.gz"],
    ids=["unknown-placeholder", "absolute", "parent", "wrong-extension", "empty-segment"],
)
def test_unsafe_or_unknown_templates_are_refused(template):
    """Templates are checked at start-up, before anything is fetched."""
    with pytest.raises(ConfigurationError):
        keys.check_template(template)


@pytest.mark.parametrize("prefix", ["../up", "a/../../b", "a/./b", "a b"])
def test_prefixes_that_escape_the_root_are_refused(prefix):
    """A prefix can only name a folder below the store's root."""
    with pytest.raises(ConfigurationError):
        keys.check_prefix(prefix)


def test_prefix_slashes_are_trimmed_and_empty_prefix_allowed():
    """``/sourcing/`` is ``sourcing``; an empty prefix puts keys at the root."""
    assert keys.check_prefix("/sourcing/") == "sourcing"
    assert keys.join(keys.check_prefix(""), "k.json.gz") == "k.json.gz"


def test_parameter_values_cannot_inject_path_segments():
    """A parameter value with a slash never reaches a key."""
    with pytest.raises(ConfigurationError):
        keys.render("d/{t:%Y}{suffix}.json.gz", WHEN, {"region": "../../etc"})
