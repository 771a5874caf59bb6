from dataclasses import dataclass

import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.params import Params, quantity


@dataclass(frozen=True, kw_only=True)
class RCParams(Params):
    prefix = "rc"
    r: float = quantity(1e6, unit="Ohm", doc="Leak resistance", gt=0)
    c: float = quantity(1e-9, unit="F", doc="Membrane capacitance", gt=0)
    v_th: float = quantity(0.5, unit="V", doc="Threshold", gt=0)
    v_reset: float = quantity(0.0, unit="V", doc="Reset level")
    bits: int = quantity(4, unit="1", doc="Bits", ge=1, le=8, integer=True)

    def check(self):
        if self.v_reset >= self.v_th:
            self.fail("v_reset", f"= {self.v_reset} V must be below v_th = {self.v_th} V")


def test_defaults_and_frozen():
    p = RCParams()
    assert p.r == 1e6
    with pytest.raises(Exception):
        p.r = 2.0  # type: ignore[misc]


def test_error_names_field_unit_and_range():
    with pytest.raises(ValidationError) as exc:
        RCParams(c=-1e-9)
    msg = str(exc.value)
    assert "RCParams.c" in msg and "unit F" in msg and "> 0 F" in msg and "Membrane capacitance" in msg


@pytest.mark.parametrize("bits", [0, 9, 2.5])
def test_integer_range(bits):
    with pytest.raises(ValidationError, match="RCParams.bits"):
        RCParams(bits=bits)


def test_cross_field_check():
    with pytest.raises(ValidationError, match="v_reset"):
        RCParams(v_reset=0.6)


@pytest.mark.parametrize("bad", [float("nan"), "1k", None])
def test_non_numbers_rejected(bad):
    with pytest.raises(ValidationError, match="RCParams.r"):
        RCParams(r=bad)


def test_stable_names_depend_only_on_values():
    assert RCParams().tag() == RCParams().tag()
    assert RCParams().tag() != RCParams(r=2e6).tag()
    assert RCParams().tag().startswith("rc_")


def test_replace_and_from_dict_reject_unknown_names():
    with pytest.raises(ValidationError, match="no parameter"):
        RCParams().replace(rr=1.0)
    with pytest.raises(ValidationError, match="no parameter"):
        RCParams.from_dict({"cap": 1.0})
    assert RCParams.from_dict({"r": 2.0}).r == 2.0


def test_describe_lists_units():
    rows = {row["name"]: row for row in RCParams.describe()}
    assert rows["c"]["unit"] == "F" and rows["bits"]["range"].startswith(">= 1")
