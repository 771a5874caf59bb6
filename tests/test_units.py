import math

import pytest
from hypothesis import given, strategies as st

from circuitsnn.errors import ValidationError
from circuitsnn.units import format_value, parse_value, si_format


@pytest.mark.parametrize(
    "value, text",
    [(4.7e-9, "4.7n"), (1e6, "1meg"), (0.5, "500m"), (-2.2e3, "-2.2k"), (0, "0"), (1e-15, "1f"),
     (3, "3"), (1e-21, "1e-21"), (123456.0, "123.456k"), (1.0, "1"), (999.9, "999.9"), (1000.0, "1k")],
)
def test_format_value_engineering_suffixes(value, text):
    assert format_value(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e20, max_value=1e20))
def test_format_then_parse_round_trips(x):
    assert math.isclose(parse_value(format_value(x)), x, rel_tol=1e-14, abs_tol=1e-300)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "1k", None, True])
def test_format_value_rejects_non_numbers(bad):
    with pytest.raises(ValidationError):
        format_value(bad, "C1 value")


@pytest.mark.parametrize("text, value", [("10kohm", 1e4), ("1MEG", 1e6), ("1m", 1e-3), ("2.5e-3", 2.5e-3), (" 4.7n ", 4.7e-9)])
def test_parse_value(text, value):
    assert math.isclose(parse_value(text), value)


def test_parse_value_error_names_the_text():
    with pytest.raises(ValidationError, match="'abc' is not a SPICE number"):
        parse_value("abc")


def test_si_format():
    assert si_format(4.7e-9, "F") == "4.7 nF"
    assert si_format(0, "V") == "0 V"


def test_si_format_leaves_compound_units_unprefixed():
    assert si_format(1e-12, "m^2") == "1e-12 m^2"
    assert si_format(4e5, "1/s") == "4e+05 1/s"
