"""Memristor synapses (Biolek, VTEAM): parameter validation and the physics signatures —
pinched hysteresis whose lobes shrink with frequency, bounded state, nonlinear and asymmetric
potentiation/depression under identical pulses, and VTEAM's thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from circuitsnn.errors import ValidationError
from circuitsnn.library.synapses import memristor_biolek as mb
from circuitsnn.library.synapses import memristor_vteam as mv
from circuitsnn.physics import values_of
from circuitsnn.physics.memristor_biolek import BiolekParams
from circuitsnn.physics.memristor_vteam import VteamParams
from circuitsnn.spice import simulate

MODELS = [pytest.param(mb.COMPONENT, id="biolek"), pytest.param(mv.COMPONENT, id="vteam")]


# -- validation (no ngspice) -------------------------------------------------------------------


def test_biolek_rejects_bad_values_naming_field_unit_and_range():
    with pytest.raises(ValidationError, match=r"BiolekParams\.d .*unit m.*> 0"):
        BiolekParams(d=-1e-9)
    with pytest.raises(ValidationError, match=r"BiolekParams\.p .*integer"):
        BiolekParams(p=1.5)
    with pytest.raises(ValidationError, match=r"BiolekParams\.x0 .*<= 1"):
        BiolekParams(x0=1.2)
    with pytest.raises(ValidationError, match=r"BiolekParams\.r_on .*unit Ohm.*below r_off"):
        BiolekParams(r_on=20e3, r_off=10e3)


def test_vteam_rejects_thresholds_out_of_order():
    with pytest.raises(ValidationError, match=r"VteamParams\.v_on .*unit V"):
        VteamParams(v_on=-0.2)
    with pytest.raises(ValidationError, match=r"VteamParams\.v_off .*< 0"):
        VteamParams(v_off=0.3)
    with pytest.raises(ValidationError, match=r"VteamParams\.k_off .*1/s"):
        VteamParams(k_off=0)


def test_window_and_rates_are_rendered_lean():
    """Windows use products (p <= 2), no nested min/max; the state clamp uses uramp only."""
    for sub in (mb.subckt(BiolekParams()), mv.subckt(VteamParams())):
        text = "\n".join(str(e) for e in sub.elements if not type(e).__name__ == "Comment")
        assert "min(" not in text and "max(" not in text and "pow(" not in text
    assert "pow(abs(" in str(mb.subckt(BiolekParams(p=3)).elements)


# -- physics (ngspice) -------------------------------------------------------------------------


@pytest.mark.ngspice
@pytest.mark.parametrize("comp", MODELS)
def test_sine_iv_is_a_pinched_loop_whose_lobes_shrink_with_frequency(comp):
    tb = comp.testbench("iv")
    r = tb.measure(simulate(tb.deck))
    # pinched: the current where the voltage crosses zero is ~0 relative to the peak
    assert np.all(r["pinch"] < 1e-4), r["pinch"]
    # a real loop at the lowest frequency: lobe area is a sizeable part of the V*I box
    box = np.max(np.abs(r["v"])) * np.max(np.abs(r["i"]))
    assert r["lobe_area"][0] > 0.05 * box, (r["lobe_area"][0], box)
    # both lobes present (positive and negative half cycles)
    assert r["lobe_pos"][0] > 0 and r["lobe_neg"][0] > 0
    # the loop collapses towards a line as frequency rises
    assert np.all(np.diff(r["lobe_area"]) < 0), r["lobe_area"]
    assert r["lobe_area"][-1] < 0.5 * r["lobe_area"][0]


@pytest.mark.ngspice
@pytest.mark.parametrize(
    "comp,drive",
    [
        pytest.param(mb.COMPONENT, dict(freqs=(0.5,), amplitude=4.0, points=100), id="biolek"),
        pytest.param(mv.COMPONENT, dict(freqs=(2e3,), amplitude=2.0, points=100), id="vteam"),
    ],
)
@pytest.mark.parametrize("p", [1, 5])
def test_state_stays_in_bounds_under_hard_drive(comp, drive, p):
    """Driven hard into both bounds with coarse steps, the state node stays within [0, 1]."""
    tb = comp.testbench("iv", comp.default_params().replace(p=p), **drive)
    x = tb.measure(simulate(tb.deck))["x_all"]
    assert x.max() > 0.99, "the drive should reach the ON bound"
    assert x.min() > -1e-3 and x.max() < 1 + 1e-3, (x.min(), x.max())


@pytest.mark.ngspice
@pytest.mark.parametrize("comp", MODELS)
def test_identical_pulses_give_nonlinear_asymmetric_potentiation_and_depression(comp):
    tb = comp.testbench("program")
    r = tb.measure(simulate(tb.deck))
    g, n_pot = r["g"], r["count_pot"]
    pot = np.diff(g[: n_pot + 1])
    dep = np.diff(g[n_pot:])
    assert np.all(pot > 0) and np.all(dep < 0), (pot, dep)
    # nonlinear: the conductance step changes along the train (constant steps would be linear)
    assert abs(pot[-1] / pot[0] - 1) > 0.2, pot
    assert abs(dep[-1] / dep[0] - 1) > 0.2, dep
    # asymmetric: from the same state, the first depressing pulse moves G by a different
    # amount than the last potentiating pulse did
    assert abs(abs(dep[0]) / pot[-1] - 1) > 0.2, (dep[0], pot[-1])
    # the read measurement agrees with the state: G = 1/R(x)
    law_g = comp.law.current({**values_of(comp.default_params()), "v": 1.0, "x": r["x"]})
    assert g == pytest.approx(law_g, rel=1e-3)


@pytest.mark.ngspice
def test_vteam_does_not_move_below_its_thresholds():
    p = VteamParams()
    below = mv.COMPONENT.testbench("spike", p, amplitude=0.9 * p.v_on)
    above = mv.COMPONENT.testbench("spike", p, amplitude=1.3 * p.v_on)
    below_neg = mv.COMPONENT.testbench("spike", p, amplitude=0.9 * p.v_off)
    assert abs(below.measure(simulate(below.deck))["dx"]) < 1e-9
    assert abs(below_neg.measure(simulate(below_neg.deck))["dx"]) < 1e-9
    assert above.measure(simulate(above.deck))["dx"] > 1e-3
