"""Fast JSON bytes: always the standard library's bytes (the digest depends on them)."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcollect import jsonbytes


def stdlib(value: object, sort_keys: bool) -> bytes:
    return json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


scalars = (st.none() | st.booleans() | st.integers() | st.text()
           | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from([1e-05, 2.5e-07, 1e16, 1e22, -0.0, 5e-324, 1.5e300, 0.0001]))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner,
                                                                          max_size=4),
    max_leaves=20,
)


@given(json_values, st.booleans())
def test_bytes_are_exactly_the_standard_librarys(value: object, sort_keys: bool) -> None:
    """Floats of every magnitude, integers beyond 64 bits, any text, either key order."""
    try:
        expected = stdlib(value, sort_keys)
    except ValueError:  # a lone surrogate has no UTF-8 form
        with pytest.raises(ValueError):
            jsonbytes.dumps(value, sort_keys=sort_keys)
        return
    assert jsonbytes.dumps(value, sort_keys=sort_keys) == expected


@pytest.mark.parametrize("value", [{"a": 1e-05}, [2.5e-07], 1e16, {"b": [0.00001234]}])
def test_floats_orjson_writes_differently_come_out_as_the_standard_librarys(value):
    """orjson writes these as 0.00001, 2.5e-7...; the digest must not change with it."""
    assert jsonbytes.dumps(value, sort_keys=True) == stdlib(value, True)


@pytest.mark.parametrize("value", [math.nan, math.inf, {"a": [-math.inf]}])
def test_non_finite_numbers_are_refused_not_written_as_null(value):
    with pytest.raises(ValueError):
        jsonbytes.dumps(value, sort_keys=True)


def test_a_lone_surrogate_is_a_value_error():
    with pytest.raises(ValueError):
        jsonbytes.dumps({"a": "\ud800"}, sort_keys=False)
