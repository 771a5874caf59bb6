"""Digital-code synapse: validation, 2^N distinct monotonic levels, and the LSB step against
the design within the switch non-ideality, checked against the on-resistance estimate."""

from __future__ import annotations

import numpy as np
import pytest

from circuitsnn.library.synapses import digital_code as d
from circuitsnn.errors import ValidationError
from circuitsnn.spice import simulate


def test_rejects_bad_values_naming_field_unit_and_range():
    with pytest.raises(ValidationError, match=r"DigitalCodeParams\.bits .*<= 8"):
        d.DigitalCodeParams(bits=9)
    with pytest.raises(ValidationError, match=r"DigitalBitlineParams\.bits .*>= 1"):
        d.DigitalBitlineParams(bits=0)
    with pytest.raises(ValidationError, match=r"DigitalCodeParams\.code .*does not fit in bits = 3"):
        d.DigitalCodeParams(bits=3, code=8)
    with pytest.raises(ValidationError, match=r"DigitalCodeParams\.g_lsb .*unit S"):
        d.DigitalCodeParams(g_lsb=-1e-6)
    with pytest.raises(ValidationError, match=r"DigitalCodeParams\.vto .*below vdd"):
        d.DigitalCodeParams(vto=2.0)
    with pytest.raises(ValidationError, match=r"code .*-15 \.\. 15"):
        d.signed_code(d.DigitalCodeParams(), 16)


def test_subckt_has_binary_weighted_branches_and_scaled_switches():
    p = d.DigitalCodeParams(bits=3, code=5)
    els = {e.name: e for e in d.subckt(p).elements if hasattr(e, "nodes")}
    assert [els[f"R{k}"].value for k in range(3)] == pytest.approx([20e6, 10e6, 5e6])  # 1 / (2^k g_lsb)
    assert [els[f"M{k}"].nodes[1] for k in range(3)] == ["vdd", "0", "vdd"]  # 5 = 0b101
    assert [els[f"M{k}"].params["w"] for k in range(3)] == pytest.approx([0.5e-6, 1e-6, 2e-6])


@pytest.mark.ngspice
@pytest.mark.parametrize(
    "comp,params",
    [
        (d.COMPONENT, d.DigitalCodeParams()),
        (d.BITLINES, d.DigitalBitlineParams(bits=3)),
        # a poorly sized switch: large error, to show the estimate tracks it
        (d.COMPONENT, d.DigitalCodeParams(bits=5, g_lsb=1e-4, w_lsb=0.3e-6)),
    ],
    ids=["4bit", "3bit-bitlines", "5bit-big-switch-error"],
)
def test_levels_are_distinct_monotonic_and_lsb_error_matches_the_switch_estimate(comp, params):
    tb = comp.testbench("levels", params)
    r = tb.measure(simulate(tb.deck))
    g = r["g"]
    assert len(g) == 2**params.bits
    assert g[0] == pytest.approx(0.0, abs=1e-12 * params.g_lsb * 2**params.bits)
    assert np.all(np.diff(g) > 0.5 * params.g_lsb), "2^N distinct, monotonic levels"
    # LSB step: the design value within the switch non-ideality, which the estimate predicts
    assert 0 < r["lsb_error"] < 0.5
    assert r["lsb_error"] == pytest.approx(params.lsb_error(), rel=0.05)
    assert r["lsb"] == pytest.approx(params.g_lsb * (1 - params.lsb_error()), rel=0.005)
    # binary-weighted switches keep the map linear: |DNL|, |INL| well below one LSB
    assert np.max(np.abs(r["dnl"])) < 0.01 and np.max(np.abs(r["inl"])) < 0.01


@pytest.mark.ngspice
def test_bitline_counter_staircase_matches_the_static_levels():
    p = d.DigitalBitlineParams(bits=3)
    stair = d.BITLINES.testbench("program", p)
    levels = d.BITLINES.testbench("levels", p)
    g_stair = stair.measure(simulate(stair.deck))["g"]
    g_lev = levels.measure(simulate(levels.deck))["g"]
    assert g_stair == pytest.approx(g_lev, rel=1e-4, abs=1e-12)
